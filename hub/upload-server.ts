import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_ID_RE, FID_RE, MAX_SNAPSHOT_BYTES } from '../contract/index.js';
import { listenOn } from './listen.js';
import type { UploadAnswer } from './snapshots.js';

export interface UploadTarget {
  acceptUpload(fid: string, eventId: string, token: string, bytes: Buffer): Promise<UploadAnswer>;
}

export interface HubUpload {
  /** `https://host:port` as bound (port 0 resolved). */
  readonly url: string;
  close(): Promise<void>;
}

const PATH = /^\/upload\/([^/]+)\/([^/]+)$/;

/**
 * The hub's snapshot upload service: `PUT /upload/{fid}/{event_id}?token=…` over HTTPS (TLS ≥ 1.2),
 * answering 201 when the image was kept, 403 for a bad or spent token, 413 past 1 MiB, 422 when the
 * bytes do not hash to the sha256 the event names, 400/404/405 otherwise. The one-time token in the
 * URL is the authorisation; the hub issued it in `cmd/snapshot`.
 */
export function startHubUpload(target: UploadTarget, opts: { host: string; port: number; cert: Buffer; key: Buffer }): Promise<HubUpload> {
  const server = createServer({ cert: opts.cert, key: opts.key, minVersion: 'TLSv1.2' }, (req, res) => void handle(target, req, res));
  return listenOn(server, opts.host, opts.port, 'https', 'hub upload service');
}

async function handle(target: UploadTarget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, body: Record<string, unknown>): void => {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
    res.end(`${JSON.stringify(body)}\n`);
  };
  try {
    const url = new URL(req.url ?? '/', 'https://hub.invalid');
    const m = PATH.exec(url.pathname);
    if (!m) return send(404, { error: 'no such endpoint' });
    if (req.method !== 'PUT') return send(405, { error: 'only PUT is supported' });
    const [, fid = '', eventId = ''] = m;
    const token = url.searchParams.get('token') ?? '';
    if (!FID_RE.test(fid) || !EVENT_ID_RE.test(eventId) || !/^[A-Za-z0-9_-]{16,64}$/.test(token)) {
      return send(400, { error: 'expected /upload/{fid}/{event_id}?token=…' });
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_SNAPSHOT_BYTES) return send(413, { error: `at most ${MAX_SNAPSHOT_BYTES} bytes` });
    const bytes = await readBody(req, MAX_SNAPSHOT_BYTES);
    if (bytes === null) return send(413, { error: `at most ${MAX_SNAPSHOT_BYTES} bytes` });
    const r = await target.acceptUpload(fid, eventId, token, bytes);
    return send(r.status, r.ok ? { sha256: r.row.sha256, bytes: r.row.bytes } : { error: r.error });
  } catch (e) {
    return send(500, { error: `hub could not take the upload: ${(e as Error).message.slice(0, 200)}` });
  }
}

/** The body, or null once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        resolve(null);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
