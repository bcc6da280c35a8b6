import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoginLimiter, Sessions, SseHub, StaticFiles, HttpError, csrfMatches, readCookie, securityHeaders, sendJson } from '../../web/index.js';
import type { Clock } from '../../agent/shared/clock.js';
import type { ApiTier } from '../api-access.js';
import type { HubReadModel } from '../http.js';
import type { FeedMessage, HubFeed } from '../feed.js';
import type { HubSession, HubWebOptions, WebDeps, WebPrincipal, WebRequest } from './context.js';
import { publicRoutes, userRoutes } from './routes.js';
import { seesEvent } from './scope.js';

const RECHECK_MS = 15_000;
const PROVINCES_MS = 5_000;

/**
 * The hub's web view, served by `qmon hub run --http` on the same origin as its JSON API (`startHubHttp` hands it
 * `/` and everything under `/ui/`): the page (`ui/`), and its JSON under `/ui/api/` for people signed in with a
 * password (`qmon hub user add`). Session cookie HttpOnly, SameSite=Strict (Secure when the hub is reached over TLS),
 * a CSRF token on every state change, login lockout, the Host check done by the HTTP server before anything else,
 * strict CSP; every picture viewed, facility page, filtered list, review and refusal goes to the access log.
 */
export class HubWeb {
  private readonly deps: WebDeps;
  private readonly files: StaticFiles;
  private unsubscribe: (() => void) | null = null;
  private readonly recheckTimer: NodeJS.Timeout;
  /** Facility → province for the live relay, read from the registry at most every PROVINCES_MS (not per event). */
  private provinces: { at: number; map: Map<string, string | null> } = { at: -Infinity, map: new Map() };

  constructor(
    model: HubReadModel,
    private readonly opts: HubWebOptions,
    feed: HubFeed,
  ) {
    const clock: Clock = { now: () => performance.now(), wall: () => opts.now() }; // sessions and lockout age on the hub's wall clock
    const sessions = new Sessions<ApiTier>(clock, { idleMs: opts.idleMs ?? 30 * 60_000, maxMs: opts.maxMs ?? 12 * 3_600_000 });
    this.deps = {
      opts,
      model,
      sessions,
      limiter: new LoginLimiter(clock),
      sse: new SseHub<HubSession>(undefined, (s) => sessions.get(s.id) !== undefined),
      cookieName: opts.secureCookie === true ? '__Host-qmon_hub' : 'qmon_hub',
      scopes: new Map(),
      log: async (who, action, fid, detail, status) => {
        await opts.access.log({ at: opts.now(), token: who, action, fid, detail: detail === null ? null : detail.slice(0, 200), status });
      },
    };
    this.files = new StaticFiles(opts.uiDir ?? fileURLToPath(new URL('./ui/', import.meta.url)));
    this.unsubscribe = feed.subscribe((m) => this.relay(m));
    this.recheckTimer = setInterval(() => void this.recheckSessions().catch(() => undefined), RECHECK_MS);
    this.recheckTimer.unref();
  }

  /**
   * A user removed or given a new password (by the CLI, maybe in another process) loses the sessions this process
   * holds: at their next request, and within RECHECK_MS for a page that only listens to its event stream.
   */
  async recheckSessions(): Promise<void> {
    for (const id of [...this.deps.scopes.keys()]) {
      const s = this.deps.sessions.peek(id);
      if (!s) {
        this.deps.scopes.delete(id);
        continue;
      }
      const row = await this.opts.users.user(s.user);
      if (row && row.updatedAt === s.userVersion) continue;
      this.deps.sessions.delete(id);
      this.deps.scopes.delete(id);
      this.deps.sse.close((x) => x.id === id);
    }
  }

  /** Handles `/` and `/ui/…`; returns false for any other path (the JSON API's). */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path !== '/' && path !== '/ui' && !path.startsWith('/ui/')) return false;
    securityHeaders(res, this.opts.secureCookie === true);
    try {
      if (path === '/' || path === '/ui') {
        res.writeHead(302, { Location: '/ui/', 'Cache-Control': 'no-store' });
        res.end();
        return true;
      }
      if (!path.startsWith('/ui/api/')) {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET is supported');
        if (!this.files.serve(req, res, path.slice(3))) throw new HttpError(404, `no such page ${path.slice(0, 100)}`);
        return true;
      }
      await this.api(req, res, url);
    } catch (e) {
      if (res.headersSent) {
        res.end();
      } else if (e instanceof HttpError) {
        sendJson(res, e.status, { error: e.message }, e.headers);
      } else {
        sendJson(res, 500, { error: `hub could not answer: ${(e as Error).message.slice(0, 200)}` });
      }
    }
    return true;
  }

  private async api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice('/ui/api'.length);
    const method = req.method ?? 'GET';
    const pub = match(publicRoutes, method, path);
    if (pub) return pub.route.handle({ req, res, url, params: pub.params }, this.deps);
    const hit = match(userRoutes, method, path);
    if (!hit) {
      const known = [...publicRoutes, ...userRoutes].some((r) => r.pattern.test(path));
      throw new HttpError(known ? 405 : 404, known ? `${method} is not supported here` : `no such endpoint ${path.slice(0, 100)}`);
    }
    const session = this.deps.sessions.get(readCookie(req.headers.cookie, this.deps.cookieName));
    // The page asks "who am I" on load: not signed in is an answer there, not an error (no 401 in the console).
    if (!session && method === 'GET' && path === '/session') return sendJson(res, 200, { user: null });
    if (!session) throw new HttpError(401, 'sign in first');
    const row = await this.opts.users.user(session.user);
    // A removed user, a changed password (also by the CLI, in another process): the session ends here.
    if (!row || row.updatedAt !== session.userVersion) {
      this.deps.sessions.delete(session.id);
      throw new HttpError(401, 'your session has ended; sign in again');
    }
    if (method !== 'GET' && !csrfMatches(session, header(req, 'x-csrf-token'))) throw new HttpError(403, 'missing or wrong CSRF token');
    const who: WebPrincipal = { name: row.name, tier: row.tier, scope: row.scope, lang: row.lang };
    const r: WebRequest = { req, res, url, session, who, params: hit.params };
    if (hit.route.tiers && !hit.route.tiers.includes(who.tier)) throw new HttpError(403, `a ${who.tier} user may not do this`);
    await hit.route.handle(r, this.deps);
  }

  /** A committed event or review, to the open streams of the users whose scope holds it. */
  private relay(m: FeedMessage): void {
    void (async () => {
      const fids = m.kind === 'event' ? [...new Set(m.events.map((e) => e.fid))] : [m.review.fid];
      const provinces = await this.provinceMap(fids);
      const sees = (fid: string) => (s: HubSession) => seesEvent({ tier: s.role, scope: this.deps.scopes.get(s.id) ?? null }, fid, provinces.get(fid) ?? null);
      if (m.kind === 'review') {
        this.deps.sse.send(m.review, 'review', sees(m.review.fid));
        return;
      }
      for (const e of m.events) this.deps.sse.send(e, 'alert', sees(e.fid));
    })().catch(() => undefined);
  }

  /** The provinces of these facilities: from a copy of the registry at most PROVINCES_MS old (one query, not one per event). */
  private async provinceMap(fids: readonly string[]): Promise<Map<string, string | null>> {
    const now = performance.now();
    if (now - this.provinces.at > PROVINCES_MS || fids.some((f) => !this.provinces.map.has(f))) {
      if (this.deps.model.registered) {
        this.provinces = { at: now, map: new Map((await this.deps.model.registered()).map((f) => [f.fid, f.province])) };
        for (const fid of fids) if (!this.provinces.map.has(fid)) this.provinces.map.set(fid, null); // unregistered: no province
      } else {
        for (const fid of fids) this.provinces.map.set(fid, (await this.deps.model.provinceOf?.(fid)) ?? null);
        this.provinces.at = now;
      }
    }
    return this.provinces.map;
  }

  get sessionCount(): number {
    return this.deps.sessions.count();
  }

  stop(): void {
    clearInterval(this.recheckTimer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.deps.sse.stop();
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function match<R extends { method: string; pattern: RegExp }>(routes: readonly R[], method: string, path: string): { route: R; params: string[] } | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1) };
  }
  return null;
}
