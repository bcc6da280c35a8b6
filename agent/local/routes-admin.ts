import { ADMINS, AUDITORS, EVERYONE, type Deps, type Request, type Route } from './context.js';
import { isoMs } from '../../contract/index.js';
import { HttpError, readJson, sendJson, stringField } from '../../web/index.js';
import { cameraCounts } from './routes-machine.js';
import { hashPassword, isRole, passwordProblem, userNameProblem, PASSWORD_MAX, ROLES } from './passwords.js';
import { endMute } from './routes-mute.js';

/** Health (everyone logged in), users (admin), the audit log (auditor). */
export const adminRoutes: readonly Route[] = [
  { method: 'GET', pattern: /^\/api\/health$/, roles: EVERYONE, handle: health },
  { method: 'GET', pattern: /^\/api\/users$/, roles: ADMINS, handle: listUsers },
  { method: 'POST', pattern: /^\/api\/users$/, roles: ADMINS, handle: addUser },
  { method: 'PATCH', pattern: /^\/api\/users\/([A-Za-z0-9._-]{1,32})$/, roles: ADMINS, handle: changeUser },
  { method: 'GET', pattern: /^\/api\/audit$/, roles: AUDITORS, handle: audit },
];

function health({ res }: Request, d: Deps): void {
  const now = d.opts.clock.wall();
  const h = d.opts.health?.();
  const counts = cameraCounts(d);
  const oldest = h?.uplink.oldestPendingAt ?? null;
  sendJson(res, 200, {
    version: d.opts.version,
    now: isoMs(now),
    uplink: h
      ? {
          connected: h.uplink.connected,
          hub_online: h.uplink.hubOnline,
          backlog: h.uplink.backlog,
          oldest_pending_at: oldest === null ? null : isoMs(oldest),
          oldest_age_s: oldest === null ? null : Math.max(0, Math.round((now - oldest) / 1000)),
        }
      : null,
    disk: { free_mb: h?.diskFreeMb ?? null, min_free_mb: h?.minFreeMb ?? null, store_mb: Math.round(d.opts.store.sizeBytes() / 1e5) / 10 },
    models: h?.models ?? [],
    clock: h ? { synced: h.clock.synced, source: h.clock.source } : null,
    cameras: counts,
    detection: (h?.detection ?? []).map((c) => ({
      camera_id: c.id,
      name: d.names.camera(c.id),
      priority: c.priority,
      configured_fps: c.configuredFps,
      detect_fps: c.effectiveFps,
      slowed_to_fps: c.slowedToFps,
      frames: c.decoded,
      dropped: c.dropped,
      pictures: { made: c.pictures.made, failed: c.pictures.failed, skipped: c.pictures.skipped, cpu_p95_ms: c.pictures.cpuP95Ms === null ? null : Math.round(c.pictures.cpuP95Ms) },
    })),
    local: { sessions: d.sessions.count(), sse_clients: d.sse.size, sse_dropped: d.sse.dropped, logins_refused: d.limiter.refused },
  });
}

function listUsers({ res }: Request, d: Deps): void {
  const users = d.opts.store.dashboard('listing users', (q) => q.users());
  sendJson(res, 200, { users: users.map((u) => ({ name: u.name, role: u.role, disabled: u.disabled, created_at: isoMs(u.createdAt) })) });
}

async function addUser({ req, res, session }: Request, d: Deps): Promise<void> {
  const body = await readJson(req);
  const username = stringField(body, 'username', 1, 64);
  const password = stringField(body, 'password', 1, PASSWORD_MAX);
  const role = body['role'];
  const bad = userNameProblem(username) ?? null;
  if (bad) throw new HttpError(400, `username: ${bad}`);
  if (!isRole(role)) throw new HttpError(400, `role: expected one of ${ROLES.join(', ')}`);
  const pw = passwordProblem(password);
  if (pw) throw new HttpError(400, `password: ${pw}`);
  const hash = await hashPassword(password);
  const now = d.opts.clock.wall();
  if (!d.opts.store.dashboard('adding a user', (q) => q.addUser(username, role, hash, now), true)) throw new HttpError(409, 'user exists already');
  d.audit(req, session.user, 'user_add', username, { role });
  sendJson(res, 201, { name: username, role, disabled: false, created_at: isoMs(now) });
}

async function changeUser({ req, res, params, session }: Request, d: Deps): Promise<void> {
  const name = params[0]!;
  const body = await readJson(req);
  const store = d.opts.store;
  const user = store.dashboard('reading a user', (q) => q.user(name));
  if (!user) throw new HttpError(404, 'no such user');
  const role = body['role'];
  const disabled = body['disabled'];
  const password = stringField(body, 'password', 1, PASSWORD_MAX, true);
  if (role !== undefined && !isRole(role)) throw new HttpError(400, `role: expected one of ${ROLES.join(', ')}`);
  if (disabled !== undefined && typeof disabled !== 'boolean') throw new HttpError(400, 'disabled: expected true or false');
  if (password !== undefined) {
    const pw = passwordProblem(password);
    if (pw) throw new HttpError(400, `password: ${pw}`);
  }
  const losesAdmin = user.role === 'admin' && !user.disabled && ((role !== undefined && role !== 'admin') || disabled === true);
  if (losesAdmin && store.dashboard('counting admins', (q) => q.enabledAdmins()) <= 1) throw new HttpError(409, 'cannot remove the last enabled admin');
  const hash = password === undefined ? undefined : await hashPassword(password);
  const now = d.opts.clock.wall();
  store.dashboard('changing a user', (q) => {
    if (role !== undefined) q.setRole(name, role, now);
    if (disabled !== undefined) q.setDisabled(name, disabled, now);
    if (hash !== undefined) q.setPassword(name, hash, now);
  });
  // Any change takes effect now: that user's sessions end (the request check compares the row's updated_at too).
  d.sessions.endUser(name);
  d.sse.close((s) => s.user === name);
  endMute(d, req, session.user, name, 'account_changed');
  d.audit(req, session.user, 'user_change', name, {
    ...(role !== undefined && { role }),
    ...(disabled !== undefined && { disabled }),
    ...(hash !== undefined && { password: 'changed' }),
  });
  const after = store.dashboard('reading a user', (q) => q.user(name))!;
  sendJson(res, 200, { name: after.name, role: after.role, disabled: after.disabled, created_at: isoMs(after.createdAt) });
}

function audit({ res, url }: Request, d: Deps): void {
  const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'limit: expected an integer 1..1000');
  const b = url.searchParams.get('before');
  const before = b === null ? undefined : Number(b);
  if (before !== undefined && !(Number.isSafeInteger(before) && before > 0)) throw new HttpError(400, 'before: expected an audit id');
  const entries = d.opts.store.dashboard('reading the audit log', (q) => q.auditPage(limit, before));
  sendJson(res, 200, {
    entries: entries.map((e) => ({ ...e, at: isoMs(e.at) })),
    next_before: entries.length === limit ? entries[entries.length - 1]!.id : null,
  });
}
