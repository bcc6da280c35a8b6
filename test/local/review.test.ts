/**
 * The night shift's API over real HTTP and a real Store: events shaped by the hub contract, alerts grouped into
 * review items, acknowledging many with one note (one transaction, one audit row), and the per-user mute on the
 * server (time-limited, audited, ended by logout, shown to everyone).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventJson } from '../../agent/local/event-json.js';
import { encodeEvent } from '../../contract/index.js';
import { DB_FILE } from '../../agent/store/index.js';
import type { Violation } from '../../agent/shared/types.js';
import { call, camera, login, openStream, startRig, violation, type Login, type Rig } from './harness.js';

let rig: Rig;
afterEach(async () => rig?.close());

const T0 = Date.UTC(2026, 5, 1, 8);
type Item = { item_id: string; camera_id: string; rule_id: string; count: number; through: string; severity: string; escalate_at: string | null; latest: { event_id: string; note: string | null; acked_by: string | null } };
type Review = { total: number; items: Item[] };

const review = async (s: Login, tab = 'open'): Promise<Review> => (await call(rig.port, `/api/review?tab=${tab}`, { cookie: s.cookie })).json<Review>();
const ack = (s: Login, body: Record<string, unknown>) => call(rig.port, '/api/events/ack', { method: 'POST', cookie: s.cookie, csrf: s.csrf, body });
const auditOf = (action: string) => rig.store.dashboard('test', (q) => q.auditPage(1000)).filter((e) => e.action === action);

/** `n` line crossings on `cameraId`, `gapMs` apart from `start`, recorded in one store transaction. */
function burst(n: number, start: number, gapMs: number, extra: Partial<Violation> = {}): Violation[] {
  const vs = Array.from({ length: n }, (_, i) => violation({ startedAt: start + i * gapMs, endedAt: start + i * gapMs, updatedAt: start + i * gapMs, ...extra }, start + i * gapMs));
  rig.store.recordViolations(vs.map((v) => ({ violation: v, encode: () => Buffer.from(JSON.stringify({ eventId: v.eventId })) })));
  return vs;
}

describe('events', () => {
  it('are the hub contract’s event less its envelope, plus names and the acknowledgement (strict shape)', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const v = violation({ zoneId: 'room-1', reason: 'covered' });
    rig.record(v);
    const e = (await call(rig.port, `/api/events/${v.eventId}`, { cookie: s.cookie })).json();
    // Strict: any field the API adds or drops without the schema knowing fails here.
    expect(EventJson.strict().parse(e)).toEqual(e);
    expect(e).toMatchObject({ camera_name: 'Gate 1', line_id: 'door', line_name: 'Cửa chính', zone_id: 'room-1', zone_name: 'Phòng 1', reason: 'covered' });
    // The fields both sides share carry the same values as the hub's message.
    const hub = JSON.parse(encodeEvent(v, { fid: 'test-01', session: 1, seq: 1, replay: false, clock: { synced: true, source: 'chrony' } }).toString()) as Record<string, unknown>;
    for (const k of ['event_id', 'rev', 'state', 'type', 'severity', 'camera_id', 'rule', 'people', 'confidence', 'started_at', 'ended_at', 'ts', 'line_id', 'zone_id']) expect(e[k], k).toEqual(hub[k]);
  });
});

describe('review items', () => {
  it('groups a burst of 60 alerts of one camera and rule into one item with the count and the latest picture', async () => {
    rig = await startRig({ cameras: [camera('cam-1', 'Gate 1'), camera('cam-2', 'Gate 2')] });
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const vs = burst(60, T0, 3_000, { severity: 'critical' });
    const other = burst(1, T0 + 5_000, 0, { cameraId: 'cam-2', severity: 'warning' });
    const r = await review(s);
    expect(r.total).toBe(2);
    // The critical one first (severity before time), one item per camera and rule.
    expect(r.items.map((i) => [i.camera_id, i.count, i.severity])).toEqual([
      ['cam-1', 60, 'critical'],
      ['cam-2', 1, 'warning'],
    ]);
    expect(r.items[0]).toMatchObject({ item_id: vs[0]!.eventId, through: vs[59]!.eventId, rule_id: 'door', latest: { event_id: vs[59]!.eventId } });
    expect(r.items[1]!.item_id).toBe(other[0]!.eventId);
    // A critical item escalates `local.escalate_after_min` (5) after its first alert; others never.
    expect(r.items[0]!.escalate_at).toBe(new Date(T0 + 5 * 60_000).toISOString());
    expect(r.items[1]!.escalate_at).toBeNull();
  });

  it('starts a new item after a pause longer than the window (review_window_s)', async () => {
    rig = await startRig({ local: { review_window_s: 60 } });
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    burst(3, T0, 30_000);
    burst(2, T0 + 60_000 + 61_000, 10_000);
    expect((await review(s)).items.map((i) => i.count)).toEqual([2, 3]);
  });

  it('streams the open item an alert joined, its count growing, to every screen', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const stream = openStream(rig.port, s.cookie);
    await stream.opened;
    const a = violation({}, T0);
    const b = violation({}, T0 + 2_000);
    rig.record(a);
    rig.record(b);
    const m = await stream.next((x) => x.event === 'item' && x.data.includes(b.eventId));
    expect(JSON.parse(m.data)).toMatchObject({ tab: 'open', item: { item_id: a.eventId, count: 2, through: b.eventId } });
    stream.close();
  });

  it('acknowledges an item with one note: another guard sees it done, with the note, and not open', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    await rig.addUser('binh', 'guard');
    const an = await login(rig.port, 'an');
    const binh = await login(rig.port, 'binh');
    const stream = openStream(rig.port, binh.cookie);
    await stream.opened;
    const vs = burst(5, T0, 1_000);
    const item = (await review(an)).items[0]!;
    const late = burst(1, T0 + 6_000, 0)[0]!; // arrives after the guard looked: not acknowledged blindly
    const a = await ack(an, { from: item.item_id, through: item.through, camera_id: 'cam-1', rule_id: 'door', note: 'Đã kiểm tra phòng 12' });
    expect(a.json()).toEqual({ acked: 5 });
    await stream.next((x) => x.event === 'review' && (JSON.parse(x.data) as { acked: number }).acked === 5);
    const open = await review(binh);
    expect(open.items.map((i) => [i.item_id, i.count])).toEqual([[late.eventId, 1]]);
    const done = await review(binh, 'done');
    expect(done.items).toEqual([expect.objectContaining({ item_id: vs[0]!.eventId, count: 5, latest: expect.objectContaining({ acked_by: 'an', note: 'Đã kiểm tra phòng 12' }) as unknown })]);
    expect(auditOf('ack_bulk')).toEqual([expect.objectContaining({ user: 'an', detail: expect.objectContaining({ count: 5, camera_id: 'cam-1', rule_id: 'door', note_chars: 20 }) as unknown })]);
    stream.close();
  });

  it('acknowledges all of one camera, leaving the other cameras open', async () => {
    rig = await startRig({ cameras: [camera('cam-1', 'A'), camera('cam-2', 'B')] });
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    burst(3, T0, 1_000);
    burst(1, T0 + 10_000, 0, { rule: { id: 'room-1.intrusion', version: 1 }, type: 'zone_intrusion', lineId: undefined, zoneId: 'room-1' });
    const other = burst(2, T0 + 500, 1_000, { cameraId: 'cam-2' });
    const newest = burst(1, T0 + 20_000, 0, { cameraId: 'cam-2' })[0]!;
    expect((await review(s)).total).toBe(3);
    expect((await ack(s, { camera_id: 'cam-1', through: newest.eventId })).json()).toEqual({ acked: 4 });
    expect((await review(s)).items.map((i) => [i.camera_id, i.count, i.item_id])).toEqual([['cam-2', 3, other[0]!.eventId]]);
  });

  it('keeps done items for the shift (shift_h) only', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const [v] = burst(1, T0, 0);
    await ack(s, { through: v!.eventId });
    expect((await review(s, 'done')).total).toBe(1);
    rig.clock.advance(12 * 3_600_000 + 1);
    const again = await login(rig.port, 'an');
    expect((await review(again, 'done')).total).toBe(0);
  });
});

describe('bulk acknowledgement', () => {
  it('takes 10,000 alerts in one transaction with one audit row listing the count', async () => {
    rig = await startRig({ cameras: [camera('cam-1', 'A'), camera('cam-2', 'B')] });
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const vs = [...burst(5_000, T0, 500), ...burst(5_000, T0 + 100, 500, { cameraId: 'cam-2' })].sort((x, y) => (x.eventId < y.eventId ? -1 : 1));
    const through = vs[vs.length - 1]!.eventId;
    const a = await ack(s, { through, note: 'cuối ca' });
    expect(a.status).toBe(200);
    expect(a.json()).toEqual({ acked: 10_000 });
    expect(auditOf('ack_bulk')).toEqual([expect.objectContaining({ user: 'an', detail: { count: 10_000, through, note_chars: 7 } })]);
    expect(auditOf('ack')).toEqual([]);
    expect((await review(s)).total).toBe(0);
  });

  it('is all or nothing: when its audit row cannot be written, no alert is acknowledged', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const vs = burst(100, T0, 1_000);
    // A second connection to the same file (as the CLI would be) makes the audit refuse bulk rows.
    const db = new Database(join(rig.dir, DB_FILE));
    db.exec("CREATE TRIGGER no_bulk BEFORE INSERT ON audit WHEN new.action = 'ack_bulk' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    db.close();
    const a = await ack(s, { through: vs[99]!.eventId });
    expect(a.status).toBe(500);
    expect(a.json()).toEqual({ error: 'internal error' });
    expect((await review(s)).items[0]!.count).toBe(100);
  });

  it('refuses malformed selections with 400 naming the field, and the auditor with 403', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    await rig.addUser('chi', 'auditor');
    const s = await login(rig.port, 'an');
    const id = violation().eventId;
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'through: expected an event_id'],
      [{ through: 'all' }, 'through: expected an event_id'],
      [{ through: id, from: 'x' }, 'from: expected an event_id'],
      [{ through: '01900000-0000-7000-8000-000000000001', from: id }, 'from: must not come after through'],
      [{ through: id, camera_id: 'Cam 1' }, 'camera_id: expected a camera id'],
      [{ through: id, rule_id: "door' OR 1=1" }, 'rule_id: expected a rule id'],
      [{ through: id, note: 'x'.repeat(501) }, 'note: expected 0..500 characters, got 501'],
    ];
    for (const [body, error] of cases) {
      const a = await ack(s, body);
      expect([a.status, a.json()], JSON.stringify(body)).toEqual([400, { error }]);
    }
    const auditor = await login(rig.port, 'chi');
    expect((await ack(auditor, { through: id })).status).toBe(403);
    expect((await call(rig.port, '/api/review?tab=all', { cookie: s.cookie })).json()).toEqual({ error: 'tab: expected open or done' });
  });
});

describe('mute', () => {
  it('is per user on the server, limited to mute_max_min, audited, and shown to everyone', async () => {
    rig = await startRig({ local: { mute_max_min: 30 } });
    await rig.addUser('an', 'guard');
    await rig.addUser('binh', 'guard');
    const an = await login(rig.port, 'an');
    const binh = await login(rig.port, 'binh');
    const stream = openStream(rig.port, binh.cookie);
    await stream.opened;
    for (const minutes of [0, 31, 1.5, '10']) {
      const a = await call(rig.port, '/api/mute', { method: 'POST', cookie: an.cookie, csrf: an.csrf, body: { minutes } });
      expect([a.status, a.json()]).toEqual([400, { error: 'minutes: expected an integer 1..30 (local.mute_max_min)' }]);
    }
    const a = await call(rig.port, '/api/mute', { method: 'POST', cookie: an.cookie, csrf: an.csrf, body: { minutes: 30 } });
    expect(a.status).toBe(201);
    const until = new Date(rig.clock.wall() + 30 * 60_000).toISOString();
    expect((await call(rig.port, '/api/mutes', { cookie: binh.cookie })).json()).toEqual({ mutes: [{ user: 'an', until, created_at: expect.any(String) as string }] });
    expect(JSON.parse((await stream.next((m) => m.event === 'mute')).data)).toMatchObject({ user: 'an', mute: { until } });
    expect((await call(rig.port, '/api/session', { cookie: an.cookie })).json()).toMatchObject({ mute: { user: 'an', until } });
    expect((await call(rig.port, '/api/session', { cookie: binh.cookie })).json()).toMatchObject({ mute: null });
    expect(auditOf('mute')).toEqual([expect.objectContaining({ user: 'an', detail: { minutes: 30 } })]);
    // Time-limited: it ends by itself, and the screens are told.
    rig.clock.advance(30 * 60_000);
    rig.server.checkSnoozes();
    expect(JSON.parse((await stream.next((m) => m.event === 'mute' && m.data.includes('"mute":null'))).data)).toEqual({ user: 'an', mute: null });
    expect((await call(rig.port, '/api/mutes', { cookie: binh.cookie })).json()).toEqual({ mutes: [] });
    stream.close();
  });

  it('ends when the muted guard logs out, so the next login hears the alarm', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const an = await login(rig.port, 'an');
    await call(rig.port, '/api/mute', { method: 'POST', cookie: an.cookie, csrf: an.csrf, body: { minutes: 60 } });
    expect((await call(rig.port, '/api/session', { method: 'DELETE', cookie: an.cookie, csrf: an.csrf })).status).toBe(204);
    const next = await login(rig.port, 'an');
    expect((await call(rig.port, '/api/session', { cookie: next.cookie })).json()).toMatchObject({ mute: null });
    expect((await call(rig.port, '/api/mutes', { cookie: next.cookie })).json()).toEqual({ mutes: [] });
    expect(auditOf('unmute')).toEqual([expect.objectContaining({ user: 'an', target: 'an', detail: { reason: 'logout' } })]);
    expect((await call(rig.port, '/api/mute', { method: 'DELETE', cookie: next.cookie, csrf: next.csrf })).status).toBe(404);
  });
});

describe('session', () => {
  it('names the roles and the views the role may open, and the alarm settings', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    await rig.addUser('chi', 'auditor');
    const guard = (await call(rig.port, '/api/session', { cookie: (await login(rig.port, 'an')).cookie })).json();
    expect(guard).toMatchObject({
      roles: ['guard', 'admin', 'auditor'],
      views: ['alerts', 'cameras', 'history', 'health'],
      alarm: { escalate_after_min: 5, mute_max_min: 60, review_window_s: 120, shift_h: 12 },
    });
    const auditor = (await call(rig.port, '/api/session', { cookie: (await login(rig.port, 'chi')).cookie })).json();
    expect(auditor).toMatchObject({ views: ['health', 'audit'] });
  });
});
