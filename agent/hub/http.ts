import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { EVENT_ID_RE, FID_RE } from '../contract/index.js';
import { listenOn } from './listen.js';
import type { FacilitySummary, RecentEvent } from './summary.js';

/** What the HTTP endpoint reads: the running ReferenceHub, or a hub database opened read-only. */
export interface HubReadModel {
  summaries(): FacilitySummary[];
  recentEvents(fid: string | undefined, limit: number): RecentEvent[];
  /** The kept snapshot image of an event and its sha256, if the hub collects them and has it. */
  snapshotImage?(fid: string, eventId: string): { bytes: Buffer; sha256: string } | null;
}

export interface HubHttp {
  readonly url: string;
  close(): Promise<void>;
}

export const DEFAULT_EVENT_LIMIT = 50;
export const MAX_EVENT_LIMIT = 1000;

/** `HOST:PORT` or `[v6]:PORT` → parts; null when it is neither. Port 0 picks a free one. */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65_535) return null;
  return { host: m[1] ?? m[2]!, port };
}

/**
 * A small read-only JSON API over the hub's state, for operators and dashboards:
 * `GET /facilities`, `GET /events?fid=&limit=` (newest first; limit 1..1000, default 50) and
 * `GET /snapshots/{fid}/{event_id}` (the kept JPEG, faces already blurred by the agent).
 * Bad parameters get 400 with a JSON `error`; anything else 404/405. No write endpoints exist.
 */
export function startHubHttp(model: HubReadModel, host: string, port: number): Promise<HubHttp> {
  const server = createServer((req, res) => handle(model, req, res));
  return listenOn(server, host, port, 'http', 'hub HTTP');
}

function handle(model: HubReadModel, req: IncomingMessage, res: ServerResponse): void {
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`${JSON.stringify(body)}\n`);
  };
  try {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const snap = /^\/snapshots\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (snap) {
      if (req.method !== 'GET') return send(405, { error: 'only GET is supported' });
      const [, fid = '', eventId = ''] = snap;
      if (!FID_RE.test(fid) || !EVENT_ID_RE.test(eventId)) return send(400, { error: 'expected /snapshots/{fid}/{event_id}' });
      const img = model.snapshotImage?.(fid, eventId) ?? null;
      if (!img) return send(404, { error: `no snapshot of event ${eventId} of ${fid} at this hub` });
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': img.bytes.length, 'x-qmon-sha256': img.sha256, 'cache-control': 'no-store' });
      return void res.end(img.bytes);
    }
    if (url.pathname !== '/facilities' && url.pathname !== '/events') return send(404, { error: `no such endpoint ${url.pathname.slice(0, 100)}` });
    if (req.method !== 'GET') return send(405, { error: 'only GET is supported' });
    if (url.pathname === '/facilities') return send(200, { facilities: model.summaries() });
    const fid = url.searchParams.get('fid') ?? undefined;
    if (fid !== undefined && !FID_RE.test(fid)) return send(400, { error: `fid must match ${String(FID_RE)}` });
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? DEFAULT_EVENT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_LIMIT) {
      return send(400, { error: `limit must be an integer 1..${MAX_EVENT_LIMIT}` });
    }
    return send(200, { events: model.recentEvents(fid, limit) });
  } catch (e) {
    return send(500, { error: `hub could not answer: ${(e as Error).message.slice(0, 200)}` });
  }
}
