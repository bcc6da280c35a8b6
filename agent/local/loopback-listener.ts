/**
 * The dashboard's second listener, for this machine only (`local.metrics_listen`): plain HTTP on a loopback address,
 * answering `GET /metrics` and `GET /healthz` and nothing else. It exists because a dashboard on a LAN address
 * refuses 127.0.0.1, and a scrape sent to the LAN address comes from a LAN address (401 without the token).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../ops/index.js';
import { allowedHosts, hostAllowed, HttpError, securityHeaders, sendJson } from '../../web/index.js';

/** Answers the path (true), or says it is not one of its routes (false). */
export type MachineRoutes = (path: string, req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export class LoopbackListener {
  private server: Server | null = null;
  private hosts = new Set<string>();

  constructor(
    private readonly routes: MachineRoutes,
    private readonly logger: Logger,
  ) {}

  /** Binds `host:port` (0 = any free port); returns the base URL. Rejects with the listen error. */
  async start(host: string, port: number): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const addr = server.address();
    const bound = addr && typeof addr === 'object' ? addr.port : port;
    this.hosts = allowedHosts(host, bound, [], false);
    return `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res, false);
    try {
      if (!hostAllowed(this.hosts, req.headers.host)) throw new HttpError(421, 'unknown Host');
      const path = (req.url ?? '/').split('?')[0]!;
      if (!(await this.routes(path, req, res))) throw new HttpError(404, 'only /metrics and /healthz are served here');
    } catch (e) {
      if (e instanceof HttpError) {
        if (!res.headersSent) sendJson(res, e.status, { error: e.message }, e.headers);
        else res.destroy();
        return;
      }
      this.logger.error({ err: e, path: (req.url ?? '').split('?')[0] }, 'loopback metrics/health request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  }
}
