import type { ServerResponse } from 'node:http';
import { EVERYONE, VIEWS, type Deps, type Request, type Route } from './context.js';
import { USER_ROLES } from '../store/index.js';
import { endMute, muteJson } from './routes-mute.js';
import { isoMs } from '../../contract/index.js';
import { HttpError, clientIp, readJson, sendJson, stringField } from '../../web/index.js';
import { dummyHash, hashPassword, passwordProblem, userNameProblem, verifyPassword, PASSWORD_MAX } from './passwords.js';
import type { Session } from './sessions.js';

/** Login, logout, who am I, and the first admin's creation with the one-time setup code. */
export const sessionRoutes: readonly Route[] = [
  { method: 'POST', pattern: /^\/api\/session$/, roles: 'public', handle: login },
  { method: 'GET', pattern: /^\/api\/session$/, roles: EVERYONE, handle: (r, d) => sendJson(r.res, 200, sessionJson(r.session, d)) },
  { method: 'DELETE', pattern: /^\/api\/session$/, roles: EVERYONE, handle: logout },
  { method: 'GET', pattern: /^\/api\/setup$/, roles: 'public', handle: (r, d) => sendJson(r.res, 200, { needed: setupNeeded(d) }) },
  { method: 'POST', pattern: /^\/api\/setup$/, roles: 'public', handle: setup },
];

export function sessionJson(s: Session, d: Deps): Record<string, unknown> {
  const exp = d.sessions.expiry(s);
  const { facility, config, version } = d.opts;
  return {
    user: s.user,
    role: s.role,
    csrf: s.csrf,
    expires_at: isoMs(exp.absolute),
    idle_expires_at: isoMs(exp.idle),
    facility: { id: facility.id, name: facility.name ?? null, timezone: facility.timezone },
    language: config.language,
    version,
    roles: USER_ROLES,
    views: Object.keys(VIEWS).filter((v) => VIEWS[v]!.includes(s.role)),
    alarm: { escalate_after_min: config.escalate_after_min, mute_max_min: config.mute_max_min, review_window_s: config.review_window_s, shift_h: config.shift_h },
    mute: ((m) => (m ? muteJson(m) : null))(d.mutes.get(s.user)),
  };
}

export function setupNeeded(d: Deps): boolean {
  return d.opts.store.dashboard('counting admins', (q) => q.enabledAdmins()) === 0;
}

function startSession(res: ServerResponse, s: Session, d: Deps, status: number): void {
  const attrs = ['HttpOnly', 'SameSite=Strict', 'Path=/', ...(d.tls ? ['Secure'] : [])];
  sendJson(res, status, sessionJson(s, d), { 'Set-Cookie': `${d.cookieName}=${s.id}; ${attrs.join('; ')}` });
}

async function login({ req, res }: Request, d: Deps): Promise<void> {
  const body = await readJson(req);
  const username = stringField(body, 'username', 1, 64);
  const password = stringField(body, 'password', 1, PASSWORD_MAX);
  const ip = clientIp(req) ?? 'unknown';
  const wait = d.limiter.retryAfterS(username, ip);
  if (wait > 0) {
    d.audit(req, username, 'login_locked', username);
    throw new HttpError(429, 'too many failed logins; try again later', { 'Retry-After': String(wait) });
  }
  const user = d.opts.store.dashboard('reading a user', (q) => q.user(username));
  // Unknown users cost a hash too, so the answer's timing does not say which names exist.
  const ok = user ? await verifyPassword(user.hash, password) : (await verifyPassword(await dummyHash(), password), false);
  if (!user || !ok || user.disabled) {
    d.limiter.failed(username, ip);
    d.audit(req, username, 'login_failed', username, { reason: !user ? 'unknown_user' : user.disabled && ok ? 'disabled' : 'wrong_password' });
    throw new HttpError(401, 'wrong username or password');
  }
  d.limiter.succeeded(username);
  d.audit(req, user.name, 'login', user.name, { role: user.role });
  startSession(res, d.sessions.create(user.name, user.role, user.updatedAt), d, 200);
}

function logout({ req, res, session }: Request, d: Deps): void {
  d.sessions.delete(session.id);
  d.sse.close((s) => s.id === session.id);
  d.audit(req, session.user, 'logout', session.user);
  // A mute is the guard's decision for their own watch: it does not pass to whoever logs in next.
  endMute(d, req, session.user, session.user, 'logout');
  res.writeHead(204, { 'Set-Cookie': `${d.cookieName}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${d.tls ? '; Secure' : ''}`, 'Cache-Control': 'no-store' });
  res.end();
}

async function setup({ req, res }: Request, d: Deps): Promise<void> {
  const body = await readJson(req);
  const code = stringField(body, 'code', 1, 64);
  const username = stringField(body, 'username', 1, 64);
  const password = stringField(body, 'password', 1, PASSWORD_MAX);
  const ip = clientIp(req) ?? 'unknown';
  const wait = d.limiter.retryAfterS('(setup)', ip);
  if (wait > 0) throw new HttpError(429, 'too many failed attempts; try again later', { 'Retry-After': String(wait) });
  if (!setupNeeded(d)) throw new HttpError(409, 'an admin exists already; log in');
  if (!d.setup.matches(code)) {
    d.limiter.failed('(setup)', ip);
    d.audit(req, null, 'setup_failed', username);
    throw new HttpError(403, 'invalid or expired setup code');
  }
  const nameProblem = userNameProblem(username);
  if (nameProblem) throw new HttpError(400, `username: ${nameProblem}`);
  const pwProblem = passwordProblem(password);
  if (pwProblem) throw new HttpError(400, `password: ${pwProblem}`);
  const hash = await hashPassword(password);
  const now = d.opts.clock.wall();
  // Checked again after the slow hash: two browsers racing with the same code must not both create an admin.
  if (!setupNeeded(d) || !d.setup.matches(code)) throw new HttpError(409, 'an admin exists already; log in');
  const added = d.opts.store.dashboard('adding the first admin', (q) => q.addUser(username, 'admin', hash, now), true);
  if (!added) throw new HttpError(409, `user ${username} exists already`);
  d.setup.use();
  d.audit(req, username, 'setup', username, { role: 'admin' });
  startSession(res, d.sessions.create(username, 'admin', now), d, 201);
}
