import type { RuleType } from '../shared/types.js';
import type { EventFilter } from '../store/index.js';
import { readSnapshotFile } from '../store/index.js';
import { ADMINS, GUARDS, type Deps, type Request, type Route } from './context.js';
import { csvLine } from '../../web/index.js';
import { isoMs } from '../../contract/index.js';
import { toEventJson, type EventJson } from './event-json.js';
import { HttpError, readJson, sendBytes, sendJson, stringField } from '../../web/index.js';

const EVENT_ID = '([0-9a-fA-F-]{36})';
const TYPES: readonly RuleType[] = ['no_mask', 'line_cross', 'zone_intrusion', 'gathering', 'distancing', 'loitering', 'camera_offline', 'camera_tamper', 'agent_alarm'];
export const NOTE_MAX = 500;

/** Event listing, one event, acknowledgement, CSV export, snapshots and the live stream. */
export const eventRoutes: readonly Route[] = [
  { method: 'GET', pattern: /^\/api\/events$/, roles: GUARDS, handle: list },
  { method: 'GET', pattern: /^\/api\/events\.csv$/, roles: ADMINS, handle: exportCsv },
  { method: 'GET', pattern: new RegExp(`^/api/events/${EVENT_ID}$`), roles: GUARDS, handle: one },
  { method: 'POST', pattern: new RegExp(`^/api/events/${EVENT_ID}/ack$`), roles: GUARDS, handle: ack },
  { method: 'GET', pattern: new RegExp(`^/api/snapshots/${EVENT_ID}$`), roles: GUARDS, handle: snapshot },
  { method: 'GET', pattern: new RegExp(`^/api/events/${EVENT_ID}/context$`), roles: GUARDS, handle: context },
  { method: 'GET', pattern: /^\/api\/stream$/, roles: GUARDS, handle: stream },
];

/** One event as the API shows it, or undefined. */
export function eventJson(d: Deps, eventId: string): EventJson | undefined {
  const e = d.opts.store.dashboard('reading an event', (q) => q.event(eventId));
  return e && toEventJson(e, d.names);
}

function filterFrom(url: URL, maxLimit: number, defaultLimit: number): EventFilter {
  const p = url.searchParams;
  const limit = p.has('limit') ? Number(p.get('limit')) : defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw new HttpError(400, `limit: expected an integer 1..${maxLimit}`);
  const f: { -readonly [K in keyof EventFilter]: EventFilter[K] } = { limit };
  const before = p.get('before');
  if (before !== null) {
    if (!/^[0-9a-fA-F-]{36}$/.test(before)) throw new HttpError(400, 'before: expected an event_id');
    f.before = before.toLowerCase();
  }
  const camera = p.get('camera');
  if (camera !== null) {
    if (!/^[a-z0-9-]{1,32}$/.test(camera)) throw new HttpError(400, 'camera: expected a camera id');
    f.cameraId = camera;
  }
  const type = p.get('type');
  if (type !== null) {
    if (!(TYPES as readonly string[]).includes(type)) throw new HttpError(400, `type: expected one of ${TYPES.join(', ')}`);
    f.type = type as RuleType;
  }
  const acked = p.get('acked');
  if (acked !== null) {
    if (acked !== 'true' && acked !== 'false') throw new HttpError(400, 'acked: expected true or false');
    f.acked = acked === 'true';
  }
  for (const k of ['from', 'to'] as const) {
    const v = p.get(k);
    if (v === null) continue;
    const ms = /^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(ms)) throw new HttpError(400, `${k}: expected an RFC 3339 time or epoch milliseconds`);
    f[k] = ms;
  }
  return f;
}

function list({ url, res }: Request, d: Deps): void {
  const f = filterFrom(url, 500, 50);
  const events = d.opts.store.dashboard('listing events', (q) => q.events(f)).map((e) => toEventJson(e, d.names));
  sendJson(res, 200, { events, next_before: events.length === f.limit ? events[events.length - 1]!.event_id : null });
}

function one({ params, res }: Request, d: Deps): void {
  const e = eventJson(d, params[0]!.toLowerCase());
  if (!e) throw new HttpError(404, 'no such event');
  sendJson(res, 200, e);
}

async function ack({ req, res, params, session }: Request, d: Deps): Promise<void> {
  const body = await readJson(req);
  const note = stringField(body, 'note', 0, NOTE_MAX, true);
  const eventId = params[0]!.toLowerCase();
  if (!eventJson(d, eventId)) throw new HttpError(404, 'no such event');
  const at = d.opts.clock.wall();
  const done = d.opts.store.dashboard('acknowledging an event', (q) => q.acknowledge({ eventId, by: session.user, at, note: note || null }), true);
  if (!done) throw new HttpError(409, 'already acknowledged');
  d.audit(req, session.user, 'ack', eventId, { note_chars: note?.length ?? 0 });
  const e = eventJson(d, eventId)!;
  d.sse.send(e);
  // The event left its open review item: the screens reload their lists.
  d.sse.send({ acked: 1, by: session.user }, 'review');
  sendJson(res, 200, e);
}

function snapshot(r: Request, d: Deps): void {
  servePicture(r, d, 'snapshot');
}

function context(r: Request, d: Deps): void {
  servePicture(r, d, 'context');
}

/**
 * One of an event's pictures (the snapshot crop, or the whole-frame context picture), audited. The file comes from
 * the stored violation, never from the URL; readSnapshotFile refuses anything outside snapshots/.
 */
function servePicture({ req, res, params, session }: Request, d: Deps, kind: 'snapshot' | 'context'): void {
  const eventId = params[0]!.toLowerCase();
  const v = d.opts.store.violation(eventId);
  const ref = kind === 'snapshot' ? v?.snapshot : v?.context;
  const bytes = ref ? readSnapshotFile(d.opts.storageDir, ref.file) : null;
  if (!bytes) throw new HttpError(404, kind === 'snapshot' ? 'no snapshot for this event' : 'no context picture for this event');
  d.audit(req, session.user, kind === 'snapshot' ? 'snapshot_view' : 'context_view', eventId);
  sendBytes(res, 'image/jpeg', bytes, { 'Cache-Control': 'private, no-store' });
}

const CSV_COLUMNS = [
  'event_id', 'type', 'state', 'severity', 'camera_id', 'camera_name', 'rule_id', 'line_id', 'zone_id', 'direction',
  'people', 'confidence', 'started_at', 'ended_at', 'acked_by', 'acked_at', 'note', 'line_name', 'zone_name',
] as const;

function exportCsv({ req, res, url, session }: Request, d: Deps): void {
  const f = filterFrom(url, 10_000, 1000);
  const events = d.opts.store.dashboard('exporting events', (q) => q.events(f)).map((e) => toEventJson(e, d.names));
  let out = csvLine(CSV_COLUMNS);
  for (const e of events) out += csvLine(CSV_COLUMNS.map((c) => (c === 'rule_id' ? e.rule.id : e[c])));
  d.audit(req, session.user, 'export', null, { rows: events.length, filter: { ...f } });
  sendBytes(res, 'text/csv; charset=utf-8', Buffer.from(out, 'utf8'), {
    'Content-Disposition': `attachment; filename="qmon-events-${isoMs(d.opts.clock.wall()).slice(0, 10)}.csv"`,
  });
}

function stream({ req, res, session }: Request, d: Deps): void {
  if (!d.sse.mayOpen(session)) throw new HttpError(429, 'too many open streams for this session');
  const last = req.headers['last-event-id'];
  d.sse.open(res, session, typeof last === 'string' ? last : undefined);
}
