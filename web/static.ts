import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
};

/**
 * A web page's own files from `dir` (the guard dashboard's `agent/local/ui/`, the hub's `hub/web/ui/`; the build
 * copies each folder next to its compiled module, see package.json `build`). Only names made of safe characters with a known extension are
 * served; `..`, dot-files and anything else are 404 before the file system is touched. Files are read once and
 * kept (a few hundred KiB), each with an ETag.
 */
export class StaticFiles {
  private readonly cache = new Map<string, { bytes: Buffer; type: string; etag: string } | null>();

  constructor(private readonly dir: string) {}

  /** Serves `path` (the URL path) and returns true, or returns false when there is no such file. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const name = path === '/' ? 'index.html' : path.slice(1);
    const f = this.load(name);
    if (!f) return false;
    if (req.headers['if-none-match'] === f.etag) {
      res.writeHead(304, { ETag: f.etag, 'Cache-Control': 'no-cache' });
      res.end();
      return true;
    }
    res.writeHead(200, { 'Content-Type': f.type, 'Content-Length': f.bytes.length, ETag: f.etag, 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : f.bytes);
    return true;
  }

  private load(name: string): { bytes: Buffer; type: string; etag: string } | null {
    if (!/^([a-z0-9_-][a-z0-9._-]{0,63}\/){0,2}[a-z0-9_-][a-z0-9._-]{0,63}$/i.test(name) || name.includes('..')) return null;
    const ext = name.slice(name.lastIndexOf('.'));
    const type = TYPES[ext];
    if (!type) return null;
    if (this.cache.has(name)) return this.cache.get(name)!;
    let entry: { bytes: Buffer; type: string; etag: string } | null = null;
    try {
      const bytes = readFileSync(join(this.dir, name));
      entry = { bytes, type, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"` };
    } catch {
      entry = null;
    }
    // Missing files are not cached: the UI may be installed after start in development.
    if (entry) this.cache.set(name, entry);
    return entry;
  }
}
