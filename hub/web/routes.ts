import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_ID_RE, FID_RE, RULE_TYPES } from '../../contract/index.js';
import { HttpError, clientIp, dummyHash, readJson, sendJson, stringField, verifyPassword, PASSWORD_MAX } from '../../web/index.js';
import type { ApiTier } from '../api-access.js';
import { MAX_REVIEW_NOTE, reviewKey } from '../reviews.js';
import type { EventScope, FacilitySummary } from '../summary.js';
import { UI_LANGS, type UiLang } from '../users.js';
import type { WebDeps, WebRequest } from './context.js';
import { mayReadFacility, visibleFacilities } from './scope.js';
import { reports } from './routes-reports.js';
import { surveyRoutes } from './routes-survey.js';

export interface WebRoute {
  readonly method: string;
  /** Matched against the path after `/ui/api`. */
  readonly pattern: RegExp;
  /** Tiers allowed (default: every signed-in user). */
  readonly tiers?: readonly ApiTier[];
  handle(r: WebRequest, d: WebDeps): Promise<void>;
}

export interface PublicRoute {
  readonly method: string;
  readonly pattern: RegExp;
  handle(r: { req: IncomingMessage; res: ServerResponse; url: URL; params: readonly string[] }, d: WebDeps): Promise<void>;
}

const SEVERITIES = ['info', 'warning', 'critical'] as const;
export const ALERT_LIMIT = { default: 100, max: 500 } as const;

/** `user:NAME` in the access log: a person, not an API token. */
const actor = (name: string) => `user:${name}`;

export const publicRoutes: readonly PublicRoute[] = [{ method: 'POST', pattern: /^\/session$/, handle: login }];

export const userRoutes: readonly WebRoute[] = [
  { method: 'GET', pattern: /^\/session$/, handle: (r, d) => Promise.resolve(sendJson(r.res, 200, me(r, d))) },
  { method: 'DELETE', pattern: /^\/session$/, handle: logout },
  { method: 'POST', pattern: /^\/lang$/, handle: setLang },
  { method: 'GET', pattern: /^\/overview$/, handle: overview },
  { method: 'GET', pattern: /^\/facilities\/([^/]+)$/, handle: facility },
  { method: 'GET', pattern: /^\/alerts$/, handle: alerts },
  { method: 'GET', pattern: /^\/stream$/, handle: stream },
  { method: 'GET', pattern: /^\/pictures\/([^/]+)\/([^/]+)$/, handle: picture },
  { method: 'POST', pattern: /^\/alerts\/([^/]+)\/([^/]+)\/review$/, tiers: ['national', 'province'], handle: review },
  { method: 'GET', pattern: /^\/reports$/, handle: reports },
  ...surveyRoutes(scopedFid),
];

function me(r: WebRequest, d: WebDeps): Record<string, unknown> {
  const exp = d.sessions.expiry(r.session);
  return { user: r.who.name, tier: r.who.tier, scope: r.who.scope, lang: r.who.lang, csrf: r.session.csrf, expires_at: new Date(exp.absolute).toISOString() };
}

async function login({ req, res }: { req: IncomingMessage; res: ServerResponse }, d: WebDeps): Promise<void> {
  // The page and its API share one origin: a login posted from another origin is refused.
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host = '';
    try {
      host = new URL(origin).host.toLowerCase();
    } catch {
      host = '';
    }
    if (host !== (req.headers.host ?? '').toLowerCase()) throw new HttpError(403, 'a login from another origin is refused');
  } else if (origin === 'null') {
    throw new HttpError(403, 'a login from another origin is refused');
  }
  const body = await readJson(req);
  const username = stringField(body, 'username', 1, 64);
  const password = stringField(body, 'password', 1, PASSWORD_MAX);
  const ip = clientIp(req) ?? 'unknown';
  const wait = d.limiter.retryAfterS(username, ip);
  if (wait > 0) {
    await d.log(actor(username), 'login_failed', null, `locked ip=${ip}`, 429);
    throw new HttpError(429, 'too many failed logins; try again later', { 'Retry-After': String(wait) });
  }
  const user = await d.opts.users.user(username);
  // Unknown users cost a hash too, so the answer's timing does not say which names exist.
  const ok = user ? await verifyPassword(user.hash, password) : (await verifyPassword(await dummyHash(), password), false);
  if (!user || !ok) {
    d.limiter.failed(username, ip);
    await d.log(actor(username), 'login_failed', null, `ip=${ip}`, 401);
    throw new HttpError(401, 'wrong user name or password');
  }
  d.limiter.succeeded(username);
  const s = d.sessions.create(user.name, user.tier, user.updatedAt);
  for (const id of d.scopes.keys()) if (d.sessions.get(id) === undefined) d.scopes.delete(id);
  d.scopes.set(s.id, user.scope);
  await d.log(actor(user.name), 'login', null, `ip=${ip}`, 200);
  const attrs = ['HttpOnly', 'SameSite=Strict', 'Path=/', ...(d.opts.secureCookie === true ? ['Secure'] : [])];
  sendJson(res, 200, { user: user.name, tier: user.tier, scope: user.scope, lang: user.lang, csrf: s.csrf }, { 'Set-Cookie': `${d.cookieName}=${s.id}; ${attrs.join('; ')}` });
}

async function logout(r: WebRequest, d: WebDeps): Promise<void> {
  d.sessions.delete(r.session.id);
  d.scopes.delete(r.session.id);
  d.sse.close((s) => s.id === r.session.id);
  await d.log(actor(r.who.name), 'logout', null, null, 204);
  r.res.writeHead(204, { 'Set-Cookie': `${d.cookieName}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${d.opts.secureCookie === true ? '; Secure' : ''}`, 'Cache-Control': 'no-store' });
  r.res.end();
}

async function setLang(r: WebRequest, d: WebDeps): Promise<void> {
  const lang = stringField(await readJson(r.req), 'lang', 2, 2);
  if (!UI_LANGS.includes(lang as UiLang)) throw new HttpError(400, `lang: expected one of ${UI_LANGS.join(', ')}`);
  await d.opts.users.setLang(r.who.name, lang as UiLang);
  sendJson(r.res, 200, { lang });
}

async function overview(r: WebRequest, d: WebDeps): Promise<void> {
  const heard = await d.model.summaries();
  // A registered facility that never spoke is the darkest of all: listed too (unknown, nothing heard).
  const known = new Set(heard.map((f) => f.fid));
  const silent = ((await d.model.registered?.()) ?? []).filter((f) => !known.has(f.fid) && !f.disabled).map((f) => neverHeard(f.fid, f.name, f.province));
  const facilities = visibleFacilities(r.who, [...heard, ...silent]);
  sendJson(r.res, 200, { now: new Date(d.opts.now()).toISOString(), facilities });
}

/** The summary of a registered facility the hub has heard nothing from (the read model's shape, all unknown). */
function neverHeard(fid: string, name: string | null, province: string | null): FacilitySummary {
  return {
    fid, name, province, status: 'unknown', session: 0, agent_version: null, last_heartbeat_at: null, heartbeat_stale: true, clock_skew_s: null,
    outbox: null, disk_free_mb: null, cameras: [], events: 0, deliveries: 0, max_seq: null, missing_seqs: 0, last_event_at: null,
  };
}

/** A facility id from the path, checked, and in the user's scope (403 logged otherwise: URL tampering). */
async function scopedFid(r: WebRequest, d: WebDeps, raw: string, action: 'facility' | 'picture' | 'alerts' | 'review' | 'survey', detail: string | null): Promise<string> {
  const fid = decoded(raw, 'facility id');
  if (!FID_RE.test(fid)) throw new HttpError(400, `facility id must match ${String(FID_RE)}`);
  if (!(await mayReadFacility(r.who, fid, d.model))) {
    await d.log(actor(r.who.name), 'denied', fid, `${action}${detail ? ` ${detail}` : ''}`, 403);
    throw new HttpError(403, `facility ${fid} is outside your scope`);
  }
  return fid;
}

async function facility(r: WebRequest, d: WebDeps): Promise<void> {
  const fid = await scopedFid(r, d, r.params[0] ?? '', 'facility', null);
  const summary = (await d.model.summaries()).find((f) => f.fid === fid) ?? null;
  const events = await d.model.recentEvents({ fid }, ALERT_LIMIT.default);
  // The registry entry and its keys are the national operator's business only.
  const entry = r.who.tier === 'national' ? (((await d.model.registered?.()) ?? []).find((f) => f.fid === fid) ?? null) : null;
  await d.log(actor(r.who.name), 'facility', fid, null, 200);
  sendJson(r.res, 200, {
    facility: summary,
    heartbeats: (await d.model.heartbeatHistory?.(fid, d.opts.now() - 24 * 3_600_000)) ?? [],
    registry: entry && { name: entry.name, province: entry.province, added_at: new Date(entry.addedAt).toISOString(), disabled: entry.disabled, kid: entry.kid, next_kid: entry.nextKid, public_key: entry.publicKey },
    alerts: await withReviews(events, d),
  });
}

async function alerts(r: WebRequest, d: WebDeps): Promise<void> {
  const q = r.url.searchParams;
  const scope: { -readonly [K in keyof EventScope]: EventScope[K] } = {};
  const fid = q.get('fid') || null;
  const province = q.get('province') || null;
  if (fid !== null) scope.fid = await scopedFid(r, d, fid, 'alerts', null);
  if (province !== null) {
    if (province.length > 100) throw new HttpError(400, 'province: at most 100 characters');
    if (r.who.tier !== 'national' && !(r.who.tier === 'province' && r.who.scope === province)) {
      await d.log(actor(r.who.name), 'denied', null, `alerts province=${province}`, 403);
      throw new HttpError(403, `province ${province} is outside your scope`);
    }
  }
  // Narrowed to the user's scope in the query itself (never read wider and filtered).
  if (scope.fid === undefined) {
    if (r.who.tier === 'province') scope.province = r.who.scope ?? '';
    else if (r.who.tier === 'facility') scope.fid = r.who.scope ?? '';
    else if (province !== null) scope.province = province;
  }
  const type = q.get('type') || null;
  if (type !== null && !(RULE_TYPES as readonly string[]).includes(type)) throw new HttpError(400, `type: expected one of ${RULE_TYPES.join(', ')}`);
  if (type !== null) scope.type = type;
  const severity = q.get('severity') || null;
  if (severity !== null && !(SEVERITIES as readonly string[]).includes(severity)) throw new HttpError(400, `severity: expected one of ${SEVERITIES.join(', ')}`);
  if (severity !== null) scope.severity = severity;
  const limitText = q.get('limit');
  const limit = limitText === null ? ALERT_LIMIT.default : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > ALERT_LIMIT.max) throw new HttpError(400, `limit: expected an integer 1..${ALERT_LIMIT.max}`);
  const events = await d.model.recentEvents(scope, limit);
  sendJson(r.res, 200, { alerts: await withReviews(events, d) });
}

async function withReviews<E extends { fid: string; event_id: string }>(events: readonly E[], d: WebDeps): Promise<(E & { review: unknown })[]> {
  const reviews = await d.opts.reviews.latest(events);
  return events.map((e) => ({ ...e, review: reviews.get(reviewKey(e.fid, e.event_id)) ?? null }));
}

function stream(r: WebRequest, d: WebDeps): Promise<void> {
  if (!d.sse.mayOpen(r.session)) throw new HttpError(429, 'too many open streams for this session');
  d.scopes.set(r.session.id, r.who.scope);
  d.sse.open(r.res, r.session, header(r.req, 'last-event-id'));
  return Promise.resolve();
}

async function picture(r: WebRequest, d: WebDeps): Promise<void> {
  const eventId = decoded(r.params[1] ?? '', 'event id');
  if (!EVENT_ID_RE.test(eventId)) throw new HttpError(400, 'event id is not a UUID');
  const fid = await scopedFid(r, d, r.params[0] ?? '', 'picture', eventId);
  const img = (await d.model.snapshotImage?.(fid, eventId)) ?? null;
  await d.log(actor(r.who.name), 'picture', fid, eventId, img ? 200 : 404);
  if (!img) throw new HttpError(404, `no picture of this alert at the hub (yet)`);
  r.res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': img.bytes.length, 'Cache-Control': 'no-store', 'X-Qmon-Sha256': img.sha256 });
  r.res.end(img.bytes);
}

async function review(r: WebRequest, d: WebDeps): Promise<void> {
  const eventId = decoded(r.params[1] ?? '', 'event id');
  if (!EVENT_ID_RE.test(eventId)) throw new HttpError(400, 'event id is not a UUID');
  const fid = await scopedFid(r, d, r.params[0] ?? '', 'review', eventId);
  const note = stringField(await readJson(r.req), 'note', 0, MAX_REVIEW_NOTE);
  const saved = await d.opts.reviews.add({ fid, eventId, reviewer: r.who.name, note, at: d.opts.now() });
  await d.log(actor(r.who.name), 'review', fid, eventId, 200);
  d.opts.afterReview?.(saved);
  sendJson(r.res, 200, { review: saved });
}

/** A path segment decoded, or 400 naming it (a malformed %-escape is bad input, not a server error). */
function decoded(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `${what}: malformed %-escape in the path`);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
