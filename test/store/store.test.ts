import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import {
  DB_FILE,
  LATEST_SCHEMA_VERSION,
  SchemaTooNewError,
  StaleRevisionError,
  Store,
  StoreError,
  retryDelayMs,
} from '../../agent/store/index.js';
import { fakeEncode, tempDir, violation } from './fixtures.js';

let dir: string;
let cleanup: () => void;
let clock: ManualClock;
let store: Store | null;

const open = () => (store = Store.open({ dir, clock, logger: silentLogger() }));

beforeEach(() => {
  ({ dir, cleanup } = tempDir('store'));
  clock = new ManualClock(0, Date.UTC(2026, 0, 1));
  store = null;
});

afterEach(() => {
  store?.close();
  cleanup();
});

function record(s: Store, i: number, lane: 'live' | 'backlog' = 'live', over = {}) {
  const v = violation(i, over);
  return { v, ...s.recordViolation(v, fakeEncode(v), { lane }) };
}

describe('Store.open', () => {
  it('creates <dir>/qmon.db at the latest schema with WAL, synchronous=FULL and foreign keys', () => {
    const s = open();
    expect(s.file).toBe(join(dir, DB_FILE));
    expect(s.settings()).toEqual({
      journalMode: 'wal',
      synchronous: 2,
      foreignKeys: true,
      schemaVersion: LATEST_SCHEMA_VERSION,
      autoVacuum: 2,
      secureDelete: true,
    });
    s.close();
    store = null;
    const raw = new Database(join(dir, DB_FILE), { readonly: true });
    const tables = raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    raw.close();
    expect(tables).toEqual(expect.arrayContaining(['meta', 'outbox', 'snapshot_files', 'violations']));
  });

  it('refuses a database from a newer agent with a clear message, and leaves it untouched', () => {
    const raw = new Database(join(dir, DB_FILE));
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.close();
    expect(open).toThrow(SchemaTooNewError);
    expect(open).toThrow(/written by a newer qmon.*Upgrade qmon/);
    const after = new Database(join(dir, DB_FILE), { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 5);
    expect(after.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table'`).pluck().get()).toBe(0);
    after.close();
  });

  it('upgrades a schema-1 database: backfills the snapshot files it knows and switches to incremental auto-vacuum', () => {
    let s = open();
    const { v } = record(s, 1);
    record(s, 2, 'live', { snapshot: null });
    s.close();
    // What the first release left on disk: no snapshot_files table, no auto-vacuum.
    const raw = new Database(join(dir, DB_FILE));
    raw.exec('DROP TABLE snapshot_files; DROP INDEX outbox_acked_at;');
    // …nor the dashboard's tables (schema 3).
    raw.exec('DROP TABLE users; DROP TABLE acks; DROP TABLE snoozes; DROP TABLE audit; DROP INDEX violations_camera; DROP TRIGGER acks_follow_violations;');
    // …nor the pictures' outcomes (schema 4).
    raw.exec('DROP TABLE pictures; DROP TRIGGER pictures_follow_violations;');
    raw.pragma('user_version = 1');
    raw.pragma('auto_vacuum = NONE');
    raw.exec('VACUUM');
    expect(raw.pragma('auto_vacuum', { simple: true })).toBe(0);
    raw.close();
    s = store = open();
    expect(s.settings()).toMatchObject({ schemaVersion: LATEST_SCHEMA_VERSION, autoVacuum: 2 });
    expect(s.housekeeping('test', (q) => [...q.trackedFiles()])).toEqual([v.snapshot!.file]);
    expect(s.violation(v.eventId)).toEqual(v);
  });

  it('names the file when it is not a database (corrupt or foreign), without a stack trace in the message', () => {
    writeFileSync(join(dir, DB_FILE), 'this is not an SQLite file, just text that is long enough to look like a header');
    expect(open).toThrow(StoreError);
    expect(open).toThrow(new RegExp(`cannot prepare the store at ${join(dir, DB_FILE)}: file is not a database`));
  });

  it('names the path when the directory cannot be used', () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    expect(() => Store.open({ dir: file, clock, logger: silentLogger() })).toThrow(StoreError);
    expect(() => Store.open({ dir: file, clock, logger: silentLogger() })).toThrow(file);
  });
});

describe('recordViolation', () => {
  it('stores the violation and an outbox row with the bytes the encoder made for that seq', () => {
    const s = open();
    const { v, seq } = record(s, 1);
    expect(seq).toBe(1);
    expect(s.violation(v.eventId)).toEqual(v);
    const [row] = s.rows({ fromSeq: 1, toSeq: 1 });
    expect(row).toMatchObject({ seq: 1, eventId: v.eventId, rev: 1, lane: 'live', status: 'pending', attempts: 0 });
    expect(JSON.parse(row!.payload.toString())).toEqual({ seq: 1, id: v.eventId, rev: 1 });
    expect(row!.createdAt).toBe(clock.wall());
  });

  it('is atomic: an encoder that throws leaves no violation, no outbox row and no used seq', () => {
    const s = open();
    const v = violation(1);
    const boom = new Error('schema validation failed');
    expect(() =>
      s.recordViolation(v, () => {
        throw boom;
      }),
    ).toThrow(boom);
    expect(s.violation(v.eventId)).toBeUndefined();
    expect(s.stats()).toMatchObject({ pending: 0, sent: 0, acked: 0, lastSeq: 0 });
    expect(() => s.recordViolation(v, () => Buffer.alloc(0))).toThrow(/encoder returned no bytes/);
    expect(s.violation(v.eventId)).toBeUndefined();
    expect(record(s, 2).seq).toBe(1);
  });

  it('accepts growing revisions and refuses a rev that does not grow', () => {
    const s = open();
    const { v } = record(s, 1);
    s.recordViolation({ ...v, rev: 2, state: 'update', people: 3 }, fakeEncode(v));
    expect(() => s.recordViolation({ ...v, rev: 2, state: 'end' }, fakeEncode(v))).toThrow(StaleRevisionError);
    expect(() => s.recordViolation({ ...v, rev: 1 }, fakeEncode(v))).toThrow(/rev 1 is not greater than the stored rev 2/);
    expect(() => s.recordViolation({ ...v, rev: 0 }, fakeEncode(v))).toThrow(/positive integer/);
    expect(s.violation(v.eventId)).toMatchObject({ rev: 2, state: 'update', people: 3 });
    expect(s.stats()).toMatchObject({ pending: 2, lastSeq: 2 });
  });

  it('never reuses a seq, even after the newest rows are deleted and the store reopened', () => {
    let s = open();
    record(s, 1);
    record(s, 2);
    const { v } = record(s, 3);
    s.close();
    const raw = new Database(join(dir, DB_FILE));
    raw.prepare('DELETE FROM outbox WHERE seq >= 2').run();
    raw.prepare('DELETE FROM violations WHERE event_id = ?').run(v.eventId);
    raw.close();
    s = open();
    expect(record(s, 4).seq).toBe(4);
    expect(s.lastSeq()).toBe(4);
  });
});

describe('outbox', () => {
  it('hands out the live lane first, then the backlog oldest first, limited', () => {
    const s = open();
    record(s, 1, 'backlog');
    record(s, 2, 'live');
    record(s, 3, 'backlog');
    record(s, 4, 'live');
    const now = clock.wall();
    expect(s.nextToSend(10, now).map((r) => r.seq)).toEqual([2, 4, 1, 3]);
    expect(s.nextToSend(3, now).map((r) => r.seq)).toEqual([2, 4, 1]);
    expect(s.nextToSend(1, now).map((r) => r.seq)).toEqual([2]);
    expect(s.nextToSend(0, now)).toEqual([]);
    s.markSent(2, now);
    expect(s.nextToSend(10, now).map((r) => r.seq)).toEqual([4, 1, 3]);
  });

  it('holds a deferred row until its backoff has passed (but not when the clock was stepped back)', () => {
    const s = open();
    record(s, 1);
    const now = clock.wall();
    s.defer(1, now);
    expect(s.nextToSend(10, now)).toEqual([]);
    expect(s.nextToSend(10, now + retryDelayMs(1) - 1)).toEqual([]);
    expect(s.nextToSend(10, now + retryDelayMs(1)).map((r) => r.seq)).toEqual([1]);
    // Wall clock stepped back an hour after the defer: the row must not wait an extra hour.
    expect(s.nextToSend(10, now - 3_600_000).map((r) => r.seq)).toEqual([1]);
  });

  it('markSent moves only pending rows; an ACK that came first is not undone', () => {
    const s = open();
    record(s, 1);
    record(s, 2);
    expect(s.markSent(1, 10)).toBe(true);
    expect(s.markSent(1, 11)).toBe(false);
    // Seq 2 is in flight (published, PUBACK not yet recorded): the hub's ACK may overtake the PUBACK.
    expect(s.markAcked([2], 12, new Set([2]))).toEqual({ acked: 1, duplicate: 0, unknown: 0, unsent: 0 });
    expect(s.markSent(2, 13)).toBe(false);
    expect(s.rows({ fromSeq: 1, toSeq: 2 }).map((r) => r.status)).toEqual(['sent', 'acked']);
  });

  it('markAcked counts new, duplicate and unknown seqs and changes nothing for the latter', () => {
    const s = open();
    record(s, 1);
    record(s, 2);
    record(s, 3);
    s.markSent(1, 100);
    s.markSent(2, 100);
    expect(s.markAcked([1, 1, 2, 999], 200)).toEqual({ acked: 2, duplicate: 1, unknown: 1, unsent: 0 });
    expect(s.markAcked([1, 2], 300)).toEqual({ acked: 0, duplicate: 2, unknown: 0, unsent: 0 });
    expect(s.markAcked([], 300)).toEqual({ acked: 0, duplicate: 0, unknown: 0, unsent: 0 });
    const rows = s.rows({ fromSeq: 1, toSeq: 3 });
    expect(rows.map((r) => [r.status, r.ackedAt])).toEqual([
      ['acked', 200],
      ['acked', 200],
      ['pending', null],
    ]);
    expect(s.stats()).toEqual({ pending: 1, sent: 0, acked: 2, oldestPendingAt: clock.wall(), lastSeq: 3 });
  });

  it('markAcked ignores and counts seqs of rows never published; a published row stays ackable after a requeue', () => {
    const s = open();
    for (let i = 1; i <= 4; i++) record(s, i);
    s.markSent(1, 100);
    s.markSent(2, 100);
    expect(s.requeueAllSent(150)).toBe(2); // 1 and 2: pending again, but published before (sent_at kept)
    // A forged ACK naming 3 and 4 (never published) and the requeued 1: only 1 moves.
    expect(s.markAcked([1, 3, 4], 200)).toEqual({ acked: 1, duplicate: 0, unknown: 0, unsent: 2 });
    // 4 is in flight now (handed to the broker, no PUBACK yet): the hub's ACK may come first.
    expect(s.markAcked([3, 4], 210, new Set([4]))).toEqual({ acked: 1, duplicate: 0, unknown: 0, unsent: 1 });
    expect(s.rows({ fromSeq: 1, toSeq: 4 }).map((r) => r.status)).toEqual(['acked', 'pending', 'pending', 'acked']);
    expect(s.stats()).toMatchObject({ pending: 2, sent: 0, acked: 2 });
  });

  it('requeueStale sends un-acked rows back to pending with a growing backoff', () => {
    const s = open();
    record(s, 1);
    record(s, 2);
    s.markSent(1, 1_000);
    s.markSent(2, 5_000);
    expect(s.requeueStale(3_000, 10_000)).toBe(1);
    const [r1, r2] = s.rows({ fromSeq: 1, toSeq: 2 });
    expect(r1).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: 10_000 + retryDelayMs(1) });
    expect(r2).toMatchObject({ status: 'sent', attempts: 0 });
    expect(s.nextToSend(10, 10_000)).toEqual([]);
    expect(s.nextToSend(10, 15_000).map((r) => r.seq)).toEqual([1]);
    s.markSent(1, 16_000);
    expect(s.requeueStale(20_000, 20_000)).toBe(2);
    expect(s.rows({ fromSeq: 1, toSeq: 1 })[0]).toMatchObject({ attempts: 2, nextAttemptAt: 20_000 + retryDelayMs(2) });
    expect(retryDelayMs(2)).toBeGreaterThan(retryDelayMs(1));
    expect(retryDelayMs(50)).toBe(300_000);
  });

  it('requeueAllSent makes every sent row due now; requeueRange resends sent/acked rows on the backlog lane', () => {
    const s = open();
    for (let i = 1; i <= 4; i++) record(s, i);
    s.markSent(1, 1);
    s.markSent(2, 1);
    s.markSent(3, 1);
    s.markAcked([3], 2);
    expect(s.requeueAllSent(50)).toBe(2);
    expect(s.nextToSend(10, 50).map((r) => r.seq)).toEqual([1, 2, 4]);
    expect(s.requeueRange(2, 3, 60)).toBe(1);
    const r3 = s.rows({ fromSeq: 3, toSeq: 3 })[0]!;
    expect(r3).toMatchObject({ status: 'pending', lane: 'backlog', nextAttemptAt: 60 });
    expect(s.nextToSend(10, 60).map((r) => r.seq)).toEqual([1, 2, 4, 3]);
  });

  it('persists the MQTT session counter', () => {
    let s = open();
    expect(s.currentSession()).toBe(0);
    expect(s.nextSession()).toBe(1);
    expect(s.nextSession()).toBe(2);
    s.close();
    s = open();
    expect(s.currentSession()).toBe(2);
    expect(s.nextSession()).toBe(3);
  });

  it('takes the session at least to a floor (the clock), never back; raises it to the hub’s floor (cmd/rebase)', () => {
    const s = open();
    expect(s.nextSession(1_767_225_600)).toBe(1_767_225_600);
    expect(s.nextSession(1_767_225_600)).toBe(1_767_225_601); // a second attempt within the same second
    expect(s.nextSession(5)).toBe(1_767_225_602); // a clock stepped back: still one more
    expect(s.raiseSession(1_800_000_000)).toBe(1_800_000_000);
    expect(s.raiseSession(3)).toBe(1_800_000_000);
    expect(s.nextSession()).toBe(1_800_000_001);
  });

  it('re-bases seqs above a floor: new rows above it, rows not acked at or below it renumbered (re-encoded), acked ones left', () => {
    const s = open();
    for (let i = 1; i <= 4; i++) record(s, i);
    s.markSent(1, 10);
    s.markAcked([1], 20);
    s.markSent(2, 10);
    const moves = s.rebaseSeqs(40, (payload, seq) => Buffer.from(`${payload.toString()}@${seq}`));
    expect(moves).toEqual([
      { from: 2, to: 41 },
      { from: 3, to: 42 },
      { from: 4, to: 43 },
    ]);
    const rows = s.rows({ fromSeq: 1, toSeq: 100 });
    expect(rows.map((r) => [r.seq, r.status])).toEqual([
      [1, 'acked'],
      [41, 'pending'],
      [42, 'pending'],
      [43, 'pending'],
    ]);
    expect(rows[1]!.payload.toString()).toMatch(/@41$/);
    expect(rows[1]!.sentAt).toBeNull(); // not published under this seq yet: an ACK for it cannot count
    expect(record(s, 5).seq).toBe(44);
    expect(s.lastSeq()).toBe(44);
    // Idempotent: already above, nothing moves; a floor above the newest moves only the sequence.
    expect(s.rebaseSeqs(40, () => Buffer.from('x'))).toEqual([]);
    for (const seq of [41, 42, 43, 44]) s.markSent(seq, 30);
    s.markAcked([41, 42, 43, 44], 40);
    expect(s.rebaseSeqs(100, () => Buffer.from('x'))).toEqual([]);
    expect(record(s, 6).seq).toBe(101);
  });

  it('re-bases a store with no row yet: its first seq is above the floor', () => {
    const s = open();
    expect(s.rebaseSeqs(29, () => Buffer.from('x'))).toEqual([]);
    expect(record(s, 1).seq).toBe(30);
  });

  it('keeps everything across close and reopen of the real file', () => {
    let s = open();
    const { v } = record(s, 1);
    record(s, 2, 'backlog');
    s.markSent(1, 500);
    s.nextSession();
    const before = { stats: s.stats(), rows: s.rows({ fromSeq: 1, toSeq: 10 }) };
    s.close();
    s.close(); // twice is harmless
    s = open();
    expect(s.stats()).toEqual(before.stats);
    expect(s.rows({ fromSeq: 1, toSeq: 10 })).toEqual(before.rows);
    expect(s.violation(v.eventId)).toEqual(v);
    expect(s.currentSession()).toBe(1);
  });
});
