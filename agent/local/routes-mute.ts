import type { IncomingMessage } from 'node:http';
import { isoMs } from '../../contract/index.js';
import { GUARDS, type Deps, type Request, type Route } from './context.js';
import { HttpError, readJson, sendJson } from '../../web/index.js';
import type { Mute } from './mutes.js';

/** The alarm's mute: per user, on the server, time-limited, audited, and shown on every screen. */
export const muteRoutes: readonly Route[] = [
  { method: 'GET', pattern: /^\/api\/mutes$/, roles: GUARDS, handle: (r, d) => sendJson(r.res, 200, { mutes: d.mutes.active().map(muteJson) }) },
  { method: 'POST', pattern: /^\/api\/mute$/, roles: GUARDS, handle: mute },
  { method: 'DELETE', pattern: /^\/api\/mute$/, roles: GUARDS, handle: unmute },
];

export function muteJson(m: Mute): Record<string, unknown> {
  return { user: m.user, until: isoMs(m.until), created_at: isoMs(m.createdAt) };
}

async function mute({ req, res, session }: Request, d: Deps): Promise<void> {
  const body = await readJson(req);
  const minutes = body['minutes'];
  const max = d.opts.config.mute_max_min;
  if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > max) {
    throw new HttpError(400, `minutes: expected an integer 1..${max} (local.mute_max_min)`);
  }
  const m = d.mutes.set(session.user, minutes);
  d.audit(req, session.user, 'mute', session.user, { minutes });
  d.sse.send({ user: m.user, mute: muteJson(m) }, 'mute');
  sendJson(res, 201, { mute: muteJson(m) });
}

function unmute({ req, res, session }: Request, d: Deps): void {
  if (!endMute(d, req, session.user, session.user, 'unmuted')) throw new HttpError(404, 'not muted');
  sendJson(res, 200, { mute: null });
}

/**
 * Ends `user`'s mute (unmuted, logged out, account changed by `actor`), audits why and tells every screen; false when
 * there was none running.
 */
export function endMute(d: Deps, req: IncomingMessage | null, actor: string | null, user: string, why: 'unmuted' | 'logout' | 'account_changed'): boolean {
  const m = d.mutes.end(user);
  if (!m) return false;
  d.audit(req, actor, 'unmute', user, { reason: why });
  d.sse.send({ user, mute: null }, 'mute');
  return true;
}
