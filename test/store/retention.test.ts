// RetentionManager on a real SQLite file and real snapshot files in a temp dir. Free space comes from an
// injected diskFree that models a small quota on that real directory (quota minus the bytes really in it),
// so every deletion the manager makes shows up as free space exactly as it would on a small disk.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import type { Violation } from '../../agent/shared/types.js';
import { RetentionManager, Store, diskAlarmRuleEvent, type DiskAlarmState, type RetentionOptions } from '../../agent/store/index.js';
import { fakeEncode, sendAndAck, tempDir, violation } from './fixtures.js';

const DAY = 86_400_000;
const MIB = 1024 * 1024;
const SNAP_BYTES = 200_000;

let dir: string;
let cleanup: () => void;
let clock: ManualClock;
let store: Store;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('retention'));
  clock = new ManualClock(0, Date.UTC(2026, 0, 1));
  store = Store.open({ dir, clock, logger: silentLogger() });
});

afterEach(() => {
  store.close();
  cleanup();
});

/** Bytes really under `d` (files only, symlinks not followed). */
function usedBytes(d: string): number {
  let n = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) n += usedBytes(p);
    else if (e.isFile()) n += lstatSync(p).size;
  }
  return n;
}

/** Records violation `i` with a real snapshot file of SNAP_BYTES; returns it and its seq. */
function recordWithSnapshot(i: number, over: Partial<Violation> = {}) {
  const base = violation(i);
  const file = `snapshots/${base.eventId}-r1.jpg`;
  mkdirSync(join(dir, 'snapshots'), { recursive: true });
  writeFileSync(join(dir, file), Buffer.alloc(SNAP_BYTES, i));
  const v = violation(i, { eventId: base.eventId, snapshot: { ...base.snapshot!, file, bytes: SNAP_BYTES }, ...over });
  return { v, file, seq: store.recordViolation(v, fakeEncode(v)).seq };
}

function manager(over: Partial<RetentionOptions> = {}) {
  const alarms: { state: DiskAlarmState; previous: DiskAlarmState }[] = [];
  const m = new RetentionManager({
    store,
    dir,
    clock,
    logger: silentLogger(),
    snapshotRetentionDays: 14,
    eventRetentionDays: 90,
    minFreeMb: 0,
    onAlarm: (_k, state, previous) => alarms.push({ state, previous }),
    ...over,
  });
  return { m, alarms };
}

const snapshotFiles = () => (existsSync(join(dir, 'snapshots')) ? readdirSync(join(dir, 'snapshots')).sort() : []);

describe('time-based retention', () => {
  it('expires acked snapshots after snapshot_retention_days and acked rows after event_retention_days, never un-acked ones', async () => {
    const a = recordWithSnapshot(1);
    const b = recordWithSnapshot(2);
    const c = recordWithSnapshot(3);
    sendAndAck(store, [a.seq, b.seq], clock.wall());
    const { m } = manager();

    clock.advance(14 * DAY - 1);
    expect(await m.run()).toMatchObject({ expiredSnapshots: 0, expiredRows: 0 });
    expect(snapshotFiles()).toHaveLength(3);

    clock.advance(1);
    expect(await m.run()).toMatchObject({ expiredSnapshots: 2, expiredRows: 0 });
    expect(snapshotFiles()).toEqual([c.file.slice('snapshots/'.length)]);
    expect(store.violation(a.v.eventId)).toBeDefined(); // the event itself is kept for 90 days

    clock.advance(76 * DAY);
    expect(await m.run()).toMatchObject({ expiredRows: 2, expiredViolations: 2, expiredSnapshots: 0 });
    expect(store.violation(a.v.eventId)).toBeUndefined();
    expect(store.violation(b.v.eventId)).toBeUndefined();
    expect(store.violation(c.v.eventId)).toBeDefined();
    expect(store.stats()).toMatchObject({ pending: 1, acked: 0, lastSeq: 3 });
    expect(existsSync(join(dir, c.file))).toBe(true);

    // Seqs are never reused after deletion.
    expect(store.recordViolation(violation(4), fakeEncode(violation(4))).seq).toBe(4);
  });

  it('keeps a violation whose later revision is still un-acked, and deletes only its acked rows', async () => {
    const a = recordWithSnapshot(1);
    sendAndAck(store, [a.seq], clock.wall());
    const rev2 = store.recordViolation({ ...a.v, rev: 2, state: 'end' }, fakeEncode(a.v)).seq;
    clock.advance(91 * DAY);
    const { m } = manager();
    expect(await m.run()).toMatchObject({ expiredRows: 1, expiredViolations: 0, expiredSnapshots: 0 });
    expect(store.rows({ fromSeq: 1, toSeq: 10 }).map((r) => r.seq)).toEqual([rev2]);
    expect(store.violation(a.v.eventId)?.rev).toBe(2);
    expect(existsSync(join(dir, a.file))).toBe(true);
  });

  it('deletes for real: the deleted rows are not in the database file or WAL, and its pages go back to the filesystem', async () => {
    const vs = Array.from({ length: 400 }, (_, i) => violation(i));
    const ids = vs.map((v) => v.eventId);
    const seqs = store.recordViolations(vs.map((v) => ({ violation: v, encode: fakeEncode(v) }))).map((r) => r.seq);
    sendAndAck(store, seqs, clock.wall());
    const keep = violation(1000);
    store.recordViolation(keep, fakeEncode(keep));
    store.reclaim();
    const sizeBefore = store.sizeBytes();
    clock.advance(91 * DAY);
    expect(await manager().m.run()).toMatchObject({ expiredRows: 400, expiredViolations: 400 });
    expect(store.sizeBytes()).toBeLessThan(sizeBefore / 2);
    const bytes = Buffer.concat([readFileSync(join(dir, 'qmon.db')), existsSync(join(dir, 'qmon.db-wal')) ? readFileSync(join(dir, 'qmon.db-wal')) : Buffer.alloc(0)]);
    for (const id of ids) expect(bytes.includes(id)).toBe(false);
    expect(bytes.includes(keep.eventId)).toBe(true); // the search itself can find what is there
  });
});

describe('disk pressure', () => {
  it('deletes acked snapshots first, then acked rows, then stops snapshots and raises disk_low; never un-acked rows', async () => {
    const acked = [1, 2, 3].map((i) => recordWithSnapshot(i));
    const unacked = [4, 5].map((i) => recordWithSnapshot(i));
    sendAndAck(store, acked.map((a) => a.seq), clock.wall());
    store.reclaim();
    const minFreeMb = 1;
    // A quota so that free space is just under 1 MiB: freeing one snapshot (200 kB) is enough.
    let quota = usedBytes(dir) + MIB - 50_000;
    const { m, alarms } = manager({ minFreeMb, hardFloorMb: 0.2, diskFree: () => quota - usedBytes(dir) });

    let r = await m.run();
    expect(r).toMatchObject({ evictedSnapshots: 1, evictedRows: 0, evictedUnackedSnapshots: 0 });
    expect(r.state).toMatchObject({ active: false, level: 'ok' });
    expect(existsSync(join(dir, acked[0]!.file))).toBe(false); // the oldest acked one
    expect(existsSync(join(dir, acked[1]!.file))).toBe(true);
    expect(m.snapshotsAllowed()).toBe(true);
    expect(alarms).toEqual([]);

    // Much less room: every acked snapshot and row goes, and it is still not enough.
    quota = usedBytes(dir) + 0.5 * MIB;
    r = await m.run();
    expect(r).toMatchObject({ evictedSnapshots: 2, evictedRows: 3, evictedUnackedSnapshots: 0 });
    expect(r.state).toMatchObject({ active: true, level: 'snapshots_stopped', storeFull: false });
    expect(m.snapshotsAllowed()).toBe(false);
    expect(store.stats()).toMatchObject({ pending: 2, acked: 0 });
    for (const u of unacked) expect(existsSync(join(dir, u.file))).toBe(true);
    expect(alarms).toHaveLength(1);
    expect(diskAlarmRuleEvent('disk_low', alarms[0]!.state, alarms[0]!.previous, { cameraId: 'agent', clock })).toMatchObject({
      type: 'agent_alarm',
      phase: 'start',
      key: 'disk_low',
      reason: 'disk_low',
      cameraId: 'agent',
    });

    // Under the hard floor: snapshots of un-acked events go (oldest first), the events stay.
    quota = usedBytes(dir) + 0.1 * MIB;
    r = await m.run();
    expect(r).toMatchObject({ evictedUnackedSnapshots: 1 });
    expect(r.state).toMatchObject({ active: true, level: 'critical' });
    expect(existsSync(join(dir, unacked[0]!.file))).toBe(false);
    expect(existsSync(join(dir, unacked[1]!.file))).toBe(true);
    for (const u of unacked) expect(store.violation(u.v.eventId)).toBeDefined();
    expect(store.stats()).toMatchObject({ pending: 2 });
    expect(diskAlarmRuleEvent('disk_low', alarms[1]!.state, alarms[1]!.previous, { cameraId: 'agent', clock })?.phase).toBe('update');

    // Space returns, but only to between the threshold and 110 % of it: nothing changes yet (hysteresis).
    quota = usedBytes(dir) + 1.05 * MIB;
    r = await m.run();
    expect(r.state).toMatchObject({ active: true, level: 'snapshots_stopped' });
    quota = usedBytes(dir) + 1.2 * MIB;
    r = await m.run();
    expect(r.state).toMatchObject({ active: false, level: 'ok' });
    expect(m.snapshotsAllowed()).toBe(true);
    const end = alarms.at(-1)!;
    expect(diskAlarmRuleEvent('disk_low', end.state, end.previous, { cameraId: 'agent', clock })?.phase).toBe('end');
    expect(m.diskFreeMb()).toBeCloseTo(1.2, 1);
  });

  it('never unlinks a file outside snapshots/, whatever path a violation names', async () => {
    const outside = join(dir, 'precious.txt');
    writeFileSync(outside, 'not a snapshot');
    const v = violation(1, { snapshot: { ...violation(1).snapshot!, file: '../precious.txt' } });
    const w = violation(2, { snapshot: { ...violation(2).snapshot!, file: join(dir, 'precious.txt') } });
    sendAndAck(store, [store.recordViolation(v, fakeEncode(v)).seq, store.recordViolation(w, fakeEncode(w)).seq], clock.wall());
    const { m } = manager({ minFreeMb: 1, hardFloorMb: 1, diskFree: () => 0 });
    await m.sweepOrphans();
    const r = await m.run();
    expect(r.evictedRows).toBe(2);
    expect(readFileSync(outside, 'utf8')).toBe('not a snapshot');
  });

  it('treats an unmeasurable disk as having room (deletes nothing on a guess)', async () => {
    const a = recordWithSnapshot(1);
    sendAndAck(store, [a.seq], clock.wall());
    const { m } = manager({ minFreeMb: 100, diskFree: () => { throw new Error('EIO'); } });
    expect(await m.run()).toMatchObject({ evictedSnapshots: 0, evictedRows: 0 });
    expect(existsSync(join(dir, a.file))).toBe(true);
  });

  it('refuses nonsense settings with the setting named', () => {
    expect(() => manager({ eventRetentionDays: 0 })).toThrow(/storage.event_retention_days must be > 0/);
    expect(() => manager({ minFreeMb: -1 })).toThrow(/storage.min_free_mb/);
    expect(() => manager({ minFreeMb: 10, hardFloorMb: 20 })).toThrow(/hard floor/);
  });
});

describe('SQLITE_FULL', () => {
  it('refuses the write with StoreFullError, keeps working, raises the alarm, and recovers when retention frees pages', async () => {
    store.close();
    store = Store.open({ dir, clock, logger: silentLogger(), maxPageCount: 60 });
    const seqs: number[] = [];
    let full: unknown = null;
    for (let i = 0; i < 5000 && full === null; i++) {
      const v = violation(i, { reason: 'x'.repeat(60) });
      try {
        seqs.push(store.recordViolation(v, (s) => Buffer.concat([fakeEncode(v)(s), Buffer.alloc(600, 32)])).seq);
      } catch (e) {
        full = e;
      }
    }
    expect(full).toMatchObject({ name: 'StoreFullError' });
    expect(String((full as Error).message)).toMatch(/is full \(no disk space\).*retried when space returns/);
    expect(store.fullSince()).toBe(clock.wall());
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1)); // the failed one used no seq
    expect(store.stats().pending).toBe(seqs.length);
    // Reads still work; so do writes that need no new page.
    expect(store.nextToSend(5, clock.wall())).toHaveLength(5);

    const { m, alarms } = manager({ minFreeMb: 0 });
    await m.run();
    expect(alarms.at(-1)?.state).toMatchObject({ active: true, storeFull: true, level: 'ok' });

    // The hub acks most rows; pressure retention would need free space to be short, so expire them by age.
    sendAndAck(store, seqs.slice(0, -3), clock.wall());
    clock.advance(91 * DAY);
    await m.run();
    const v = violation(9999);
    expect(store.recordViolation(v, fakeEncode(v)).seq).toBe(seqs.length + 1);
    expect(store.fullSince()).toBeNull();
    await m.run();
    expect(alarms.at(-1)?.state).toMatchObject({ active: false, storeFull: false });
  });
});

describe('orphan janitor', () => {
  it('removes temp files and untracked snapshots at start, keeps tracked ones, other files and symlink targets', async () => {
    const kept = recordWithSnapshot(1);
    const snaps = join(dir, 'snapshots');
    writeFileSync(join(snaps, 'aaaa-r1.jpg'), Buffer.alloc(1000)); // written, then the process died before the commit
    writeFileSync(join(snaps, `.${kept.v.eventId}-r2.jpg.0123456789ab.tmp`), Buffer.alloc(500)); // interrupted write
    mkdirSync(join(snaps, '2026', '01'), { recursive: true });
    writeFileSync(join(snaps, '2026', '01', 'old.jpg'), Buffer.alloc(10));
    writeFileSync(join(snaps, 'README.txt'), 'someone else');
    const target = join(dir, 'target.jpg');
    writeFileSync(target, 'x');
    symlinkSync(target, join(snaps, 'link.jpg'));

    const { m } = manager();
    expect(await m.sweepOrphans()).toEqual({ files: 3, bytes: 1510, skipped: 1 });
    expect(readdirSync(snaps).sort()).toEqual(['2026', 'README.txt', `${kept.v.eventId}-r1.jpg`, 'link.jpg'].sort());
    expect(existsSync(target)).toBe(true);
    expect(await m.sweepOrphans()).toMatchObject({ files: 0 });
  });

  it('while running, leaves unreferenced files younger than the minimum age (a write may be in flight)', async () => {
    mkdirSync(join(dir, 'snapshots'));
    const young = join(dir, 'snapshots', 'young.jpg');
    const old = join(dir, 'snapshots', 'old.jpg');
    writeFileSync(young, 'y');
    writeFileSync(old, 'o');
    const wall = clock.wall() / 1000;
    utimesSync(young, wall - 60, wall - 60);
    utimesSync(old, wall - 3600, wall - 3600);
    expect(await manager().m.sweepOrphans(600_000)).toMatchObject({ files: 1 });
    expect(existsSync(young)).toBe(true);
    expect(existsSync(old)).toBe(false);
  });

  it('unlinks the snapshot files of a violation deleted before a crash could unlink them', async () => {
    const a = recordWithSnapshot(1);
    sendAndAck(store, [a.seq], clock.wall());
    // What a crash between the row delete and the unlink leaves: rows gone, file and its tracking row still there.
    clock.advance(91 * DAY);
    store.housekeeping('test', (q) => q.deleteAcked(Number.MAX_SAFE_INTEGER, 10));
    expect(existsSync(join(dir, a.file))).toBe(true);
    expect(await manager().m.sweepOrphans()).toMatchObject({ files: 1 });
    expect(existsSync(join(dir, a.file))).toBe(false);
  });
});

describe('recordViolations', () => {
  it('commits a batch in one transaction, seqs in order, all or nothing', () => {
    const vs = [1, 2, 3].map((i) => violation(i));
    const out = store.recordViolations(vs.map((v) => ({ violation: v, encode: fakeEncode(v), lane: 'backlog' as const })));
    expect(out).toEqual([{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
    expect(store.rows({ fromSeq: 1, toSeq: 3 }).map((r) => [r.eventId, r.lane])).toEqual(vs.map((v) => [v.eventId, 'backlog']));

    const fresh = violation(4);
    const stale = { ...vs[0]!, rev: 1 };
    expect(() =>
      store.recordViolations([
        { violation: fresh, encode: fakeEncode(fresh) },
        { violation: stale, encode: fakeEncode(stale) },
      ]),
    ).toThrow(/not greater than the stored rev/);
    expect(store.violation(fresh.eventId)).toBeUndefined();
    expect(store.lastSeq()).toBe(3);
    expect(store.recordViolations([])).toEqual([]);
    expect(() => store.recordViolations([{ violation: { ...fresh, rev: 0 }, encode: fakeEncode(fresh) }])).toThrow(/positive integer/);
  });
});
