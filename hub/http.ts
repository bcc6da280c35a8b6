import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { EVENT_ID_RE, FID_RE } from '../contract/index.js';
import { listenOn } from './listen.js';
import type { RegisteredFacility } from './registry.js';
import type { HeartbeatPoint } from './heartbeat-log.js';
import type { ApiAccessStore, ApiPrincipal } from './api-access.js';
import type { DailyCount, EventScope, FacilitySummary, RecentEvent, ReportRange } from './summary.js';
import type { SurveyStore } from './survey-store.js';
import { isSurveyPath, serveSurvey } from './survey-routes.js';

/** What the HTTP endpoint reads: the running ReferenceHub (on either store), or a test's stand-in. */
export interface HubReadModel {
  summaries(): Promise<FacilitySummary[]>;
  /** The newest events of a facility, of a province's registered facilities, or (empty scope) of all. */
  recentEvents(scope: EventScope, limit: number): Promise<RecentEvent[]>;
  /** The kept snapshot image of an event and its sha256, if the hub collects them and has it. */
  snapshotImage?(fid: string, eventId: string): Promise<{ bytes: Buffer; sha256: string } | null>;
  /** The province a facility is registered with (province-tier scoping). */
  provinceOf?(fid: string): Promise<string | null>;
  /** Events per local day, province, facility and type (the web view's reports). */
  dailyCounts?(scope: EventScope, range: ReportRange): Promise<DailyCount[]>;
  /** The facility registry (the web view: facilities never heard from; a facility's entry and keys, national only). */
  registered?(): Promise<RegisteredFacility[]>;
  /** A facility's heartbeats since `sinceMs` (its page: heartbeat history and the backlog chart). */
  heartbeatHistory?(fid: string, sinceMs: number): Promise<HeartbeatPoint[]>;
  /** The camera surveys (survey-routes.ts); absent: the survey routes answer 404. */
  readonly surveys?: Pick<SurveyStore, 'latest' | 'history' | 'summary'>;
}

export interface HubHttpOptions {
  /** Tokens and the access log: every route then needs `Authorization: Bearer <token>` (401), scoped by tier (403). */
  readonly access?: ApiAccessStore;
  /** Host names (without port) the API answers to; any other `Host` header gets 421. Unset: not checked. */
  readonly hosts?: readonly string[];
  readonly now?: () => number;
  /** The web view (hub/web/): gets `/` and `/ui/…` after the Host check; the JSON API keeps its bearer tokens. */
  readonly web?: { handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> };
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
 * With `access` (what `qmon hub run` always gives): a bearer token on every route (401 without),
 * tier scoping (403 outside it; lists are filtered to the scope), every snapshot read and events
 * export in the access log; with `hosts`, a foreign `Host` header gets 421 before anything else.
 */
export function startHubHttp(model: HubReadModel, host: string, port: number, opts: HubHttpOptions = {}): Promise<HubHttp> {
  const server = createServer((req, res) => void handle(model, opts, req, res));
  return listenOn(server, host, port, 'http', 'hub HTTP');
}

/** The Host header's name without port (and without IPv6 brackets), lower-cased. */
function hostName(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(h) ?? /^([^:]+)(?::\d+)?$/.exec(h);
  return m?.[1] ?? '';
}

/** Whether the principal may see this facility. */
async function inScope(p: ApiPrincipal | null, fid: string, model: HubReadModel): Promise<boolean> {
  if (p === null || p.tier === 'national') return true;
  if (p.tier === 'facility') return p.scope === fid;
  return p.scope !== null && (await model.provinceOf?.(fid)) === p.scope;
}

async function handle(model: HubReadModel, opts: HubHttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(`${JSON.stringify(body)}\n`);
  };
  const now = opts.now ?? Date.now;
  try {
    if (opts.hosts !== undefined && !opts.hosts.includes(hostName(req.headers.host))) return send(421, { error: 'this hub does not answer to that Host' });
    if (opts.web && (await opts.web.handle(req, res, new URL(req.url ?? '/', 'http://hub.invalid')))) return;
    let who: ApiPrincipal | null = null;
    if (opts.access) {
      const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(req.headers.authorization ?? '');
      who = m ? await opts.access.authenticate(m[1]!) : null;
      if (who === null) return send(401, { error: 'a valid API token is required (Authorization: Bearer …)' }, { 'www-authenticate': 'Bearer realm="qmon-hub"' });
    }
    // Written before the answer goes out: a read the log cannot record is not served (500).
    const audit = async (action: 'snapshot' | 'events' | 'survey', fid: string | null, detail: string | null, status: number): Promise<void> => {
      if (who) await opts.access?.log({ at: now(), token: who.name, action, fid, detail, status });
    };
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const snap = /^\/snapshots\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (snap) {
      if (req.method !== 'GET') return send(405, { error: 'only GET is supported' });
      const [, fid = '', eventId = ''] = snap;
      if (!FID_RE.test(fid) || !EVENT_ID_RE.test(eventId)) return send(400, { error: 'expected /snapshots/{fid}/{event_id}' });
      if (!(await inScope(who, fid, model))) {
        await audit('snapshot', fid, eventId, 403);
        return send(403, { error: `facility ${fid} is outside this token's scope` });
      }
      const img = (await model.snapshotImage?.(fid, eventId)) ?? null;
      await audit('snapshot', fid, eventId, img ? 200 : 404);
      if (!img) return send(404, { error: `no snapshot of event ${eventId} of ${fid} at this hub` });
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': img.bytes.length, 'x-qmon-sha256': img.sha256, 'cache-control': 'no-store' });
      return void res.end(img.bytes);
    }
    if (isSurveyPath(url.pathname)) {
      return await serveSurvey(url.pathname, req.method, url.searchParams, {
        surveys: model.surveys, who, now: now(), send, inScope: (fid) => inScope(who, fid, model), audit: (fid, detail, status) => audit('survey', fid, detail, status),
      });
    }
    if (url.pathname !== '/facilities' && url.pathname !== '/events') return send(404, { error: `no such endpoint ${url.pathname.slice(0, 100)}` });
    if (req.method !== 'GET') return send(405, { error: 'only GET is supported' });
    if (url.pathname === '/facilities') {
      const all = await model.summaries();
      const visible = await Promise.all(all.map((f) => inScope(who, f.fid, model)));
      return send(200, { facilities: all.filter((_, i) => visible[i]) });
    }
    let fid = url.searchParams.get('fid') ?? undefined;
    if (fid !== undefined && !FID_RE.test(fid)) return send(400, { error: `fid must match ${String(FID_RE)}` });
    if (fid !== undefined && !(await inScope(who, fid, model))) {
      await audit('events', fid, null, 403);
      return send(403, { error: `facility ${fid} is outside this token's scope` });
    }
    if (fid === undefined && who?.tier === 'facility') fid = who.scope ?? undefined;
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? DEFAULT_EVENT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_LIMIT) {
      return send(400, { error: `limit must be an integer 1..${MAX_EVENT_LIMIT}` });
    }
    // A province token without fid: the newest events of the facilities registered with its province.
    const scope: EventScope = fid !== undefined ? { fid } : who?.tier === 'province' && who.scope !== null ? { province: who.scope } : {};
    const events = await model.recentEvents(scope, limit);
    await audit('events', fid ?? null, `limit=${limit}`, 200);
    return send(200, { events });
  } catch (e) {
    return send(500, { error: `hub could not answer: ${(e as Error).message.slice(0, 200)}` });
  }
}
