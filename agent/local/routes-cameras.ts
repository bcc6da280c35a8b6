import type { CameraConfig } from '../config/index.js';
import type { SnoozeRow } from '../store/index.js';
import { GUARDS, type Deps, type Request, type Route } from './context.js';
import { isoMs } from '../../contract/index.js';
import { HttpError, readJson, sendBytes, sendJson, stringField } from '../../web/index.js';

const CAMERA = '([a-z0-9-]{1,32})';
export const SNOOZE_MIN = { min: 15, max: 8 * 60 } as const;

/** Camera states, blurred previews, rule overlays and per-camera snoozes. */
export const cameraRoutes: readonly Route[] = [
  { method: 'GET', pattern: /^\/api\/cameras$/, roles: GUARDS, handle: list },
  { method: 'GET', pattern: new RegExp(`^/api/cameras/${CAMERA}/preview\\.jpg$`), roles: GUARDS, handle: preview },
  { method: 'GET', pattern: new RegExp(`^/api/cameras/${CAMERA}/overlay$`), roles: GUARDS, handle: overlay },
  { method: 'POST', pattern: new RegExp(`^/api/cameras/${CAMERA}/snooze$`), roles: GUARDS, handle: snooze },
  { method: 'DELETE', pattern: new RegExp(`^/api/cameras/${CAMERA}/snooze$`), roles: GUARDS, handle: unsnooze },
  { method: 'GET', pattern: /^\/api\/snoozes$/, roles: GUARDS, handle: (r, d) => sendJson(r.res, 200, { snoozes: activeSnoozes(d).map(snoozeJson) }) },
];

export function snoozeJson(s: SnoozeRow): Record<string, unknown> {
  return { camera_id: s.cameraId, until: isoMs(s.until), reason: s.reason, by: s.by, created_at: isoMs(s.createdAt) };
}

function activeSnoozes(d: Deps): SnoozeRow[] {
  const now = d.opts.clock.wall();
  return d.opts.store.dashboard('reading snoozes', (q) => q.activeSnoozes(now));
}

function camera(d: Deps, id: string): CameraConfig {
  const cam = d.opts.cameras.find((c) => c.id === id);
  if (!cam) throw new HttpError(404, 'no such camera');
  return cam;
}

/** One camera as `GET /api/cameras` and the stream's `camera` messages show it. */
export function cameraJson(d: Deps, cam: CameraConfig, snoozes: readonly SnoozeRow[] = activeSnoozes(d)): Record<string, unknown> {
  const st = cam.enabled ? (d.opts.cameraState?.(cam.id) ?? null) : null;
  const s = snoozes.find((x) => x.cameraId === cam.id);
  return {
    id: cam.id,
    name: cam.name ?? null,
    enabled: cam.enabled,
    state: cam.enabled ? (st?.state ?? 'starting') : 'disabled',
    reason: st?.reason ?? null,
    since: st?.since == null ? null : isoMs(st.since),
    quality: st?.quality ?? 'unknown',
    detect: { width: cam.detect.width, height: cam.detect.height },
    snooze: s ? snoozeJson(s) : null,
  };
}

function list({ res }: Request, d: Deps): void {
  const snoozes = activeSnoozes(d);
  sendJson(res, 200, { cameras: d.opts.cameras.map((c) => cameraJson(d, c, snoozes)) });
}

async function preview({ res, params }: Request, d: Deps): Promise<void> {
  const cam = camera(d, params[0]!);
  const jpeg = d.opts.preview ? await d.opts.preview(cam.id) : null;
  if (!jpeg) throw new HttpError(404, 'no frame from this camera yet');
  sendBytes(res, 'image/jpeg', jpeg, { 'Cache-Control': 'private, no-store' });
}

function overlay({ res, params }: Request, d: Deps): void {
  const cam = camera(d, params[0]!);
  sendJson(res, 200, {
    camera_id: cam.id,
    width: cam.detect.width,
    height: cam.detect.height,
    lines: cam.rules.lines.map((l) => ({ id: l.id, name: l.name, points: l.points, direction: l.direction })),
    zones: cam.rules.zones.map((z) => ({ id: z.id, name: z.name, polygon: z.polygon })),
  });
}

async function snooze({ req, res, params, session }: Request, d: Deps): Promise<void> {
  const cam = camera(d, params[0]!);
  const body = await readJson(req);
  const minutes = body['minutes'];
  if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < SNOOZE_MIN.min || minutes > SNOOZE_MIN.max) {
    throw new HttpError(400, `minutes: expected an integer ${SNOOZE_MIN.min}..${SNOOZE_MIN.max}`);
  }
  const reason = stringField(body, 'reason', 1, 200);
  const now = d.opts.clock.wall();
  const row = d.opts.store.dashboard(
    'snoozing a camera',
    (q) => q.snooze({ cameraId: cam.id, until: now + minutes * 60_000, reason, by: session.user, createdAt: now }),
    true,
  );
  d.audit(req, session.user, 'snooze', cam.id, { minutes, reason });
  d.snoozed.add(cam.id);
  d.sse.send({ camera_id: cam.id, snooze: snoozeJson(row) }, 'snooze');
  sendJson(res, 201, { snooze: snoozeJson(row) });
}

function unsnooze({ req, res, params, session }: Request, d: Deps): void {
  const cam = camera(d, params[0]!);
  const now = d.opts.clock.wall();
  if (!d.opts.store.dashboard('ending a snooze', (q) => q.endSnooze(cam.id, session.user, now))) throw new HttpError(404, 'no active snooze');
  d.audit(req, session.user, 'snooze_end', cam.id);
  d.snoozed.delete(cam.id);
  d.sse.send({ camera_id: cam.id, snooze: null }, 'snooze');
  sendJson(res, 200, { snooze: null });
}
