import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { fileURLToPath } from 'node:url';
import type { Violation } from '../shared/types.js';
import { type Deps, type LocalServerOptions, type Request, type Route } from './context.js';
import { toEventJson } from './event-json.js';
import { allowedHosts, hostAllowed, originAllowed, HttpError, clientIp, securityHeaders, sendJson, LoginLimiter, SseHub, StaticFiles } from '../../web/index.js';
import { Mutes } from './mutes.js';
import { Names } from './names.js';
import { LoopbackListener } from './loopback-listener.js';
import { adminRoutes } from './routes-admin.js';
import { serveMachineRoute } from './routes-machine.js';
import { cameraJson, cameraRoutes } from './routes-cameras.js';
import { eventRoutes } from './routes-events.js';
import { muteRoutes } from './routes-mute.js';
import { openItemOf, reviewRoutes } from './routes-review.js';
import { sessionRoutes, setupNeeded } from './routes-session.js';
import { Sessions, csrfMatches, readCookie, type Session } from './sessions.js';
import { SetupCode } from './setup-code.js';
import { selfSignedCert } from './tls-cert.js';
import { dashboardUrl } from './urls.js';

/** The dashboard cannot start (port taken, certificate not made): something the operator fixes. */
export class LocalServerError extends Error {
  override readonly name = 'LocalServerError';
}

const ROUTES: readonly Route[] = [...sessionRoutes, ...eventRoutes, ...reviewRoutes, ...muteRoutes, ...cameraRoutes, ...adminRoutes];
const MAX_URL = 2048;
const SNOOZE_CHECK_MS = 10_000;

/**
 * The guard dashboard's web server: static page + JSON API + event stream, on `local.listen`. Every request is
 * checked in this order: Host header (421), route (404/405), session (401), role (403), Origin and CSRF token on
 * state changes (403); then the handler, whose input is size-checked before it is parsed. Nothing it does can
 * throw into the agent: a failing request gets a JSON error, a failing handler a 500 and a log line.
 */
export class LocalServer {
  private server: Server | null = null;
  /** `local.metrics_listen`: /metrics and /healthz for this machine, when the dashboard listener does not answer 127.0.0.1. */
  private loopback: LoopbackListener | null = null;
  private url = '';
  private readonly deps: Deps;
  private readonly files: StaticFiles;
  private hosts = new Set<string>();
  private snoozeTimer: NodeJS.Timeout | null = null;
  /** Requests answered with 5xx, for the operator. */
  failures = 0;

  constructor(private readonly opts: LocalServerOptions) {
    const tls = opts.config.tls !== 'off';
    const sessions = new Sessions(opts.clock, { idleMs: opts.config.session_idle_min * 60_000, maxMs: opts.config.session_max_h * 3_600_000 });
    this.deps = {
      opts,
      tls,
      cookieName: tls ? '__Host-qmon_session' : 'qmon_session',
      snoozed: new Set(),
      sessions,
      limiter: new LoginLimiter(opts.clock),
      setup: new SetupCode(opts.clock),
      sse: new SseHub<Session>(undefined, (sess) => sessions.get(sess.id) !== undefined && this.accountUnchanged(sess)),
      audit: (req, user, action, target, detail = {}) =>
        opts.store.dashboard('writing the audit log', (q) => q.audit({ at: opts.clock.wall(), user, action, target, detail, ip: req && clientIp(req) }), true),
      mutes: new Mutes(opts.clock),
      names: new Names(opts.cameras),
    };
    // The page's own files, from agent/local/ui/ beside this module (the build copies the folder, see package.json).
    this.files = new StaticFiles(opts.uiDir ?? fileURLToPath(new URL('./ui/', import.meta.url)));
  }

  /**
   * Binds `local.listen` (or `port` for tests), and `local.metrics_listen` when set; returns the dashboard's URL and
   * the loopback listener's. Prints the setup code when no admin exists.
   */
  async start(port = this.opts.config.port): Promise<{ url: string; loopbackUrl?: string }> {
    const { config } = this.opts;
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    let server: Server;
    if (config.tls === 'off') server = createHttp(handler);
    else {
      const pem =
        config.tls === 'generate'
          ? await selfSignedCert(this.opts.storageDir, [config.host, ...config.public_hosts]).catch((e: Error) => {
              throw new LocalServerError(e.message);
            })
          : config.tls;
      server = createHttps({ cert: pem.cert, key: pem.key, minVersion: 'TLSv1.2' }, handler);
    }
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new LocalServerError(`the guard dashboard cannot listen on ${config.host}:${port}: ${e.message}`)));
      server.listen(port, config.host, () => resolve());
    });
    this.server = server;
    const addr = server.address();
    const bound = addr && typeof addr === 'object' ? addr.port : port;
    this.hosts = allowedHosts(config.host, bound, config.public_hosts, this.deps.tls);
    const url = dashboardUrl(config, bound);
    this.url = url;
    const loopbackUrl = config.metrics_listen ? await this.startLoopback(config.metrics_listen) : undefined;
    if (setupNeeded(this.deps)) {
      const code = this.deps.setup.issue();
      this.opts.say?.(`dashboard no admin yet: open ${url} and create the first admin with the one-time setup code ${code} (valid 30 min)`);
      this.opts.logger.warn({ url }, 'no dashboard admin yet; a one-time setup code was printed on the console');
    }
    for (const id of this.snoozedCameras()) this.deps.snoozed.add(id);
    this.snoozeTimer = setInterval(() => this.checkSnoozes(), SNOOZE_CHECK_MS);
    this.snoozeTimer.unref();
    return { url, ...(loopbackUrl !== undefined && { loopbackUrl }) };
  }

  private async startLoopback(at: { host: string; port: number }): Promise<string> {
    const listener = new LoopbackListener((path, req, res) => serveMachineRoute(path, req, res, this.deps, this.url), this.opts.logger);
    let url: string;
    try {
      url = await listener.start(at.host, at.port);
    } catch (e) {
      await this.stop();
      throw new LocalServerError(`cannot listen on ${at.host}:${at.port} for /metrics and /healthz (local.metrics_listen; off turns it off): ${(e as Error).message}`);
    }
    this.loopback = listener;
    this.opts.say?.(`dashboard this machine's /metrics and /healthz: ${url}metrics, ${url}healthz (local.metrics_listen)`);
    return url;
  }

  async stop(): Promise<void> {
    if (this.snoozeTimer) clearInterval(this.snoozeTimer);
    await this.loopback?.stop();
    this.loopback = null;
    this.deps.sse.stop();
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /**
   * A violation revision was recorded: every open stream gets it (with its acknowledgement, if any), and, while it
   * is unacknowledged, the open review item it now belongs to (a new item, or one whose count and picture grew).
   */
  publish(v: Violation): void {
    const e = this.opts.store.dashboard('reading an event', (q) => q.event(v.eventId));
    if (!e) return;
    this.deps.sse.send(toEventJson(e, this.deps.names));
    const item = e.ack ? undefined : openItemOf(this.deps, v.eventId);
    if (item) this.deps.sse.send({ tab: 'open', item }, 'item');
  }

  /** A camera's state changed: the streams get its new view. */
  cameraChanged(cameraId: string): void {
    const cam = this.opts.cameras.find((c) => c.id === cameraId);
    if (cam) this.deps.sse.send(cameraJson(this.deps, cam), 'camera');
  }

  /** Snoozes and mutes that ended by themselves since the last look are announced on the stream (the banners go). */
  checkSnoozes(): void {
    const now = this.snoozedCameras();
    for (const id of [...this.deps.snoozed]) {
      if (now.has(id)) continue;
      this.deps.snoozed.delete(id);
      this.deps.sse.send({ camera_id: id, snooze: null }, 'snooze');
    }
    for (const m of this.deps.mutes.expire()) this.deps.sse.send({ user: m.user, mute: null }, 'mute');
  }

  stats(): { sessions: number; sseClients: number; sseDropped: number; failures: number } {
    return { sessions: this.deps.sessions.count(), sseClients: this.deps.sse.size, sseDropped: this.deps.sse.dropped, failures: this.failures };
  }

  /** The account behind a session is still enabled and unchanged since login (here or through `qmon user`). */
  private accountUnchanged(s: Session): boolean {
    const user = this.opts.store.dashboard('reading a user', (q) => q.user(s.user));
    return user !== undefined && !user.disabled && user.updatedAt === s.userVersion;
  }

  private snoozedCameras(): Set<string> {
    const now = this.opts.clock.wall();
    return new Set(this.opts.store.dashboard('reading snoozes', (q) => q.activeSnoozes(now)).map((s) => s.cameraId));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res, this.deps.tls);
    try {
      await this.route(req, res);
    } catch (e) {
      if (e instanceof HttpError) {
        // The rest of an oversized body is not read: close the connection rather than drain it.
        const close: Record<string, string> = e.status === 413 ? { Connection: 'close' } : {};
        if (!res.headersSent) sendJson(res, e.status, { error: e.message }, { ...e.headers, ...close });
        else res.destroy();
        return;
      }
      this.failures++;
      this.opts.logger.error({ err: e, method: req.method, path: (req.url ?? '').split('?')[0] }, 'dashboard request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(this.hosts, req.headers.host)) throw new HttpError(421, 'unknown Host');
    const raw = req.url ?? '/';
    if (raw.length > MAX_URL) throw new HttpError(414, 'URL too long');
    let url: URL;
    try {
      url = new URL(raw, 'http://local');
    } catch {
      throw new HttpError(400, 'malformed URL');
    }
    const path = url.pathname;
    if (await serveMachineRoute(path, req, res, this.deps, this.url)) return;
    if (!path.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed', { Allow: 'GET, HEAD' });
      if (!this.files.serve(req, res, path)) throw new HttpError(404, 'not found');
      return;
    }
    const matching = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m !== null);
    if (matching.length === 0) throw new HttpError(404, 'no such API route');
    const hit = matching.find((x) => x.r.method === req.method);
    if (!hit) throw new HttpError(405, 'method not allowed', { Allow: [...new Set(matching.map((x) => x.r.method))].join(', ') });
    const { r: routeDef, m } = hit;
    const changes = req.method !== 'GET';
    if (changes && !originAllowed(this.hosts, req.headers.origin)) throw new HttpError(403, 'cross-origin request refused');
    let params: string[];
    try {
      params = m!.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      throw new HttpError(400, 'malformed path');
    }
    if (routeDef.roles === 'public') {
      // Public routes never look at a session; the handler gets none.
      await routeDef.handle({ req, res, url, params, session: undefined as never }, this.deps);
      return;
    }
    const session = this.deps.sessions.get(readCookie(req.headers.cookie, this.deps.cookieName));
    if (!session) throw new HttpError(401, 'login required');
    if (!this.accountUnchanged(session)) {
      this.deps.sessions.delete(session.id);
      throw new HttpError(401, 'login required');
    }
    if (!routeDef.roles.includes(session.role)) throw new HttpError(403, `not allowed for role ${session.role}`);
    if (changes) {
      const token = req.headers['x-csrf-token'];
      if (!csrfMatches(session, typeof token === 'string' ? token : undefined)) throw new HttpError(403, 'csrf');
    }
    const request: Request = { req, res, url, params, session };
    await routeDef.handle(request, this.deps);
  }
}
