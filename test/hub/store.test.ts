// The HubStore rules, run against both implementations (SQLite file; a throwaway PostgreSQL), and the
// cross-process ones (two PgHubStore on one database = two hub processes).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BirthPayload,
  buildBirth,
  buildCamStatus,
  buildHeartbeat,
  buildStatus,
  CamStatusPayload,
  EventPayload,
  encodeEvent,
  HeartbeatPayload,
  StatusPayload,
} from '../../contract/index.js';
import type { HubStore } from '../../hub/store.js';
import { SqliteHubStore } from '../../hub/store-sqlite.js';
import { PgHubStore } from '../../hub/store-pg.js';
import type { Violation } from '../../agent/shared/types.js';
import { tempDir, violation } from '../store/fixtures.js';
import { BIRTH } from '../uplink/identity.js';
import { POSTGRES_MISSING, postgresBin, startPostgres, type TestPostgres } from '../support/postgres.js';

const FID = 'bg-0137';
const T = Date.UTC(2026, 0, 1);
const GRACE = 120_000;
const ev = (v: Violation, seq: number, fid = FID): EventPayload =>
  EventPayload.parse(JSON.parse(encodeEvent(v, { fid, session: 1, seq, replay: false, clock: { synced: true, source: 'chrony' } }).toString()));
const status = (state: 'online' | 'offline', session: number, n?: number) => StatusPayload.parse(JSON.parse(buildStatus(FID, state, session, T, n).toString()));
const birth = (session: number, n?: number) => BirthPayload.parse(JSON.parse(buildBirth(FID, session, T, BIRTH, 0, n).toString()));
const hb = (pending: number, session = 1, n?: number) =>
  HeartbeatPayload.parse(
    JSON.parse(
      buildHeartbeat({
        fid: FID, session, wall: T, uptimeS: 1, outbox: { pending, sent: 0, oldestPendingAt: null }, cameras: [], diskFreeMb: null,
        clock: { synced: true, source: 'chrony' }, ...(n !== undefined && { n }),
      }).toString(),
    ),
  );
const cam = (session: number, n: number | undefined, state: 'online' | 'offline') =>
  CamStatusPayload.parse(JSON.parse(buildCamStatus(FID, session, 'corridor-a', { state, since: T }, T, n).toString()));

let pgServer: TestPostgres | null = null;
let dbCount = 0;
const pgReason = postgresBin() === null ? POSTGRES_MISSING : null;
if (pgReason !== null) console.warn(`SKIPPED PostgreSQL store tests: ${pgReason}`);

beforeAll(async () => {
  if (pgReason === null) pgServer = await startPostgres();
}, 90_000);
afterAll(async () => {
  await pgServer?.stop();
});

type Open = () => Promise<{ a: HubStore; b: HubStore; close: () => Promise<void> }>;
const sqlite: Open = async () => {
  const tmp = tempDir('hub-store');
  const a = new SqliteHubStore(`${tmp.dir}/hub.db`);
  const b = new SqliteHubStore(`${tmp.dir}/hub.db`);
  return Promise.resolve({ a, b, close: async () => (await a.close(), await b.close(), tmp.cleanup()) });
};
const postgres: Open = async () => {
  const url = await pgServer!.createDb(`store${++dbCount}`);
  const [a, b] = await Promise.all([PgHubStore.open(url), PgHubStore.open(url)]); // migrations race: one applies them
  return { a, b, close: async () => (await a.close(), await b.close()) };
};

describe.each([
  ['sqlite', sqlite, false],
  ['postgres', postgres, pgReason !== null],
] as const)('HubStore on %s', (_name, open, skip) => {
  let a: HubStore;
  let b: HubStore;
  let close: () => Promise<void>;
  beforeEach(async (ctx) => {
    if (skip) return ctx.skip();
    ({ a, b, close } = await open());
    return close;
  });

  it('stores each (fid, seq) once and keeps the highest rev of an event, whichever process stores it', async () => {
    const v = violation(1);
    const v2 = { ...v, rev: 2, state: 'end' as const };
    expect(await a.ingest(ev(v2, 2), T)).toEqual({ duplicate: false, latest: true });
    expect(await b.ingest(ev(v, 1), T)).toEqual({ duplicate: false, latest: false }); // older rev arrives later
    expect(await b.ingest(ev(v2, 2), T)).toEqual({ duplicate: true, latest: false });
    const rows = await a.events(FID);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rev: 2, seq: 2, state: 'end' });
    expect(await b.deliveredSeqs(FID)).toEqual([1, 2]);
  });

  it('keeps events of different months apart and each event unique (started_at decides the partition)', async () => {
    const jan = violation(1);
    const feb = violation(2, { startedAt: Date.UTC(2026, 1, 3), updatedAt: Date.UTC(2026, 1, 3), endedAt: null });
    await Promise.all([a.ingest(ev(jan, 1), T), b.ingest(ev(feb, 2), T), a.ingest(ev({ ...feb, rev: 2 }, 3), T)]);
    const rows = await a.events(FID);
    expect(rows.map((r) => [r.eventId, r.rev])).toEqual([
      [jan.eventId, 1],
      [feb.eventId, 2],
    ]);
  });

  it('applies liveness by session whatever the order or process: a late Will is ignored, a newer birth is online', async () => {
    expect(await a.applyStatus(status('online', 5), T)).toBe('applied');
    expect(await b.applyStatus(status('offline', 4), T)).toBe('older'); // the Will of the previous connection
    expect(await a.facility(FID)).toMatchObject({ session: 5, status: 'online' });
    await b.applyStatus(status('offline', 5), T);
    expect(await a.applyBirth(birth(6), T)).toBe('applied'); // retained offline Will of 5 first, then the birth of 6
    expect(await b.facility(FID)).toMatchObject({ session: 6, status: 'online' });
    expect(await a.applyBirth(birth(5), T)).toBe('older'); // an older birth changes nothing
    expect((await b.facility(FID))?.birth?.session).toBe(6);
    expect(await b.applyHeartbeat(hb(0, 6), T + 1000)).toBe('applied');
    expect(await a.facility(FID)).toMatchObject({ heartbeatAt: T + 1000, lastHeartbeat: { outbox: { pending: 0 } } });
    expect(await a.applyHeartbeat(hb(0, 5), T + 2000)).toBe('older'); // a heartbeat of the session before
  });

  it('refuses replayed liveness: not newer (n) within the session, or of a session that ended (issue 21 item 3)', async () => {
    const S = 1_767_225_600;
    expect(await a.applyBirth(birth(S, 1), T)).toBe('applied');
    expect(await a.applyStatus(status('online', S, 2), T)).toBe('applied');
    expect(await b.applyHeartbeat(hb(0, S, 3), T + 1000)).toBe('applied');
    expect(await a.applyHeartbeat(hb(0, S, 2), T + 2000)).toBe('stale'); // an older one: a replay
    // The very message again (every hub process gets every status and birth): not applied, not a replay either.
    expect(await b.applyHeartbeat(hb(0, S, 3), T + 2000)).toBe('duplicate');
    expect(await a.applyStatus(status('online', S, 2), T)).toBe('duplicate');
    expect(await b.applyBirth(birth(S, 1), T)).toBe('duplicate');
    expect(await b.applyStatus(status('online', S, 1), T)).toBe('stale');
    expect(await a.applyHeartbeat(hb(0, S, 4), T + 3000)).toBe('applied');
    expect((await b.facility(FID))?.heartbeatAt).toBe(T + 3000);
    // The agent dies: its Will (n 0, written before the session's first message) ends the session.
    expect(await b.applyStatus(status('offline', S, 0), T + 30_000)).toBe('applied');
    // Replays after that are refused whatever their n: the facility stays offline and its heartbeat ages.
    expect(await a.applyStatus(status('online', S, 99), T + 40_000)).toBe('stale');
    expect(await a.applyHeartbeat(hb(0, S, 99), T + 40_000)).toBe('stale');
    expect(await b.facility(FID)).toMatchObject({ session: S, status: 'offline', heartbeatAt: T + 3000 });
    // The agent back: a newer session is online again.
    expect(await a.applyStatus(status('online', S + 60, 2), T + 60_000)).toBe('applied');
    expect(await b.applyHeartbeat(hb(0, S + 60, 3), T + 61_000)).toBe('applied');
    // An older agent (no n) is judged by its session, as before.
    expect(await a.applyHeartbeat(hb(0, S + 60), T + 62_000)).toBe('applied');
  });

  it('judges each camera’s status by its own (session, n)', async () => {
    expect(await a.applyCamera(cam(7, 3, 'offline'), T)).toBe('applied');
    expect(await b.applyCamera(cam(7, 3, 'online'), T)).toBe('duplicate');
    expect(await b.applyCamera(cam(7, 2, 'online'), T)).toBe('stale');
    expect(await b.applyCamera(cam(6, 9, 'online'), T)).toBe('older');
    expect((await a.facility(FID))?.cameras).toMatchObject([{ camera_id: 'corridor-a', state: 'offline' }]);
    expect(await b.applyCamera(cam(7, 4, 'online'), T)).toBe('applied');
    expect((await a.facility(FID))?.cameras).toMatchObject([{ camera_id: 'corridor-a', state: 'online' }]);
  });

  it('never stores nor counts a seq it holds for another revision: the agent’s store went back (issue 21 item 4)', async () => {
    const v = violation(1);
    expect(await a.ingest(ev(v, 1), T)).toEqual({ duplicate: false, latest: true });
    expect(await b.ingest(ev(v, 1), T)).toEqual({ duplicate: true, latest: false }); // the same revision again
    const other = violation(2);
    expect(await b.ingest(ev(other, 1), T)).toEqual({ duplicate: false, latest: false, reused: true });
    expect((await a.events(FID)).map((e) => e.eventId)).toEqual([v.eventId]);
    expect(await a.deliveredSeqs(FID)).toEqual([1]);
  });

  it('commits a batch at once: two revisions of one event keep the higher, a seq twice in one batch is judged in order', async () => {
    const v = violation(1);
    const v2 = { ...v, rev: 2, state: 'end' as const };
    const other = violation(2);
    const results = await Promise.all([a.ingest(ev(v, 1), T), a.ingest(ev(v2, 2), T), a.ingest(ev(v2, 2), T), a.ingest(ev(other, 2), T)]);
    expect(results.map((r) => [r.duplicate, r.reused === true])).toEqual([
      [false, false],
      [false, false],
      [true, false],
      [false, true],
    ]);
    expect((await b.events(FID)).map((e) => [e.eventId, e.rev])).toEqual([[v.eventId, 2]]);
    expect(await b.deliveredSeqs(FID)).toEqual([1, 2]);
  });

  it('summarises each facility from what it stored: deliveries, seq range, gaps, events, last event — duplicates, revisions and reused seqs not counted', async () => {
    const v = violation(1);
    await Promise.all([a.ingest(ev(v, 1), T), b.ingest(ev({ ...v, rev: 2, state: 'end' as const }, 2), T + 5)]);
    await a.ingest(ev(v, 1), T + 9); // a duplicate delivery
    await b.ingest(ev(violation(3), 2), T + 9); // seq 2 again for another event: a reused seq, refused
    await a.ingest(ev(violation(4), 5), T + 7); // seqs 3 and 4 missing
    await b.ingest(ev(violation(5), 1, 'hn-0001'), T + 3);
    for (const store of [a, b]) {
      const byFid = new Map((await store.summaries(T, 60_000)).map((f) => [f.fid, f]));
      expect(byFid.get(FID)).toMatchObject({ deliveries: 3, max_seq: 5, missing_seqs: 2, events: 2, last_event_at: new Date(T + 7).toISOString() });
      expect(byFid.get('hn-0001')).toMatchObject({ deliveries: 1, max_seq: 1, missing_seqs: 0, events: 1, last_event_at: new Date(T + 3).toISOString() });
    }
  });

  it('reports violations per Vietnamese day, facility and type: each event once, whole days and any range agree', async () => {
    const H = 3_600_000;
    const day0 = Date.UTC(2026, 0, 1) - 7 * H; // 2026-01-01 00:00 in Vietnam (UTC+7)
    const at = (h: number, type: 'line_cross' | 'gathering' = 'line_cross') => violation(h + 10, { type, startedAt: day0 + h * H, updatedAt: day0 + h * H });
    const first = at(1);
    await a.ingest(ev(first, 1), T);
    await b.ingest(ev({ ...first, rev: 2, state: 'end' as const }, 2), T); // a revision: still one violation
    await a.ingest(ev(at(23, 'gathering'), 3), T); // 23:00 local, 16:00 UTC: day 1
    await b.ingest(ev(at(25), 4), T); // 01:00 local on day 2, still 2025-12-31/2026-01-01 18:00 UTC
    await a.ingest(ev(at(26), 5, 'hn-0001'), T);
    const range = (fromMs: number, toMs: number) => a.dailyCounts({}, { fromMs, toMs, offsetMin: 420 });
    const whole = await range(day0, day0 + 48 * H);
    expect(whole.map((r) => [r.day, r.fid, r.type, r.count])).toEqual([
      ['2026-01-01', FID, 'gathering', 1],
      ['2026-01-01', FID, 'line_cross', 1],
      ['2026-01-02', FID, 'line_cross', 1],
      ['2026-01-02', 'hn-0001', 'line_cross', 1],
    ]);
    expect(await range(day0 - 60_000, day0 + 48 * H + 60_000)).toEqual(whole); // not whole days: counted from the events
    expect((await b.dailyCounts({ fid: 'hn-0001' }, { fromMs: day0, toMs: day0 + 48 * H, offsetMin: 420 })).map((r) => r.count)).toEqual([1]);
    expect(await range(day0 + 48 * H, day0 + 72 * H)).toEqual([]);
  });

  it('finds gaps from the deliveries of all processes, and only one process asks once per grace period', async () => {
    for (const s of [1, 2]) await a.ingest(ev(violation(s), s), T);
    await b.ingest(ev(violation(5), 5), T);
    await a.ingest(ev(violation(8), 8), T + 10_000);
    expect(await a.missingSeqs(FID)).toEqual([3, 4, 6, 7]);
    expect(await a.claimResends(T + GRACE - 1, GRACE)).toEqual([]);
    const [ra, rb] = await Promise.all([a.claimResends(T + GRACE, GRACE), b.claimResends(T + GRACE, GRACE)]);
    expect([...ra, ...rb]).toEqual([{ fid: FID, from: 3, to: 4 }]); // 6..7 revealed later: not due yet
    expect(await b.claimResends(T + GRACE + 10_000, GRACE)).toEqual([]); // asked within the grace period
    await b.applyHeartbeat(hb(4), T);
    expect(await a.claimResends(T + 3 * GRACE, GRACE)).toEqual([]); // the agent still sends its backlog
    await b.applyHeartbeat(hb(0), T + 1);
    expect(await a.claimResends(T + 3 * GRACE, GRACE)).toEqual([
      { fid: FID, from: 3, to: 4 },
      { fid: FID, from: 6, to: 7 },
    ]);
    for (const s of [3, 4, 6, 7]) await b.ingest(ev(violation(s), s), T);
    expect(await a.missingSeqs(FID)).toEqual([]);
    expect((await b.facility(FID))?.maxSeq).toBe(8);
  });
});
