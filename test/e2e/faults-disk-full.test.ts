/**
 * The data dir on a small filesystem that fills up. Where the test may mount one (root, as on CI and in the dev
 * sandbox), the agent's storage dir is a real 8 MiB tmpfs: free space comes from statfs, snapshot writes fail
 * with a real ENOSPC, and SQLite's own writes fail with a real SQLITE_FULL. Where mounting is not permitted, the
 * test says so (on stderr) and falls back to a plain temp dir with an 8 MiB quota emulated by the injected
 * `diskFree` and by the snapshot writer, and the database capped with `PRAGMA max_page_count` so SQLITE_FULL is
 * still SQLite's own; there, "space returns" needs an agent restart without the cap (see phase C).
 * Around it: Debian's mosquitto and the reference hub (its database outside the small filesystem).
 * Counted, not timed: every event whose recording returned is at the hub exactly once, `seq` has no gap,
 * no un-acked event was deleted, the disk alarm went on and off again, and the agent never stopped.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import type { ReferenceHub } from '../../agent/hub/index.js';
import { RetentionManager, Store, StoreFullError, statfsFreeBytes, type DiskAlarmState } from '../../agent/store/index.js';
import { Uplink } from '../../agent/uplink/index.js';
import type { Violation } from '../../agent/shared/types.js';
import { tempDir, violation } from '../store/fixtures.js';
import { makeHub } from '../uplink/harness.js';
import { BIRTH, FID } from '../uplink/identity.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { until } from './faults-harness.js';

const MIB = 2 ** 20;
const QUOTA = 8 * MIB;
const SNAPSHOT_BYTES = 64_000;
const FILLER_BYTES = 2 * MIB;

let tmp: { dir: string; cleanup: () => void };
let dataDir: string;
let mounted = false;
let mosq: Mosquitto;

function usedBytes(d: string): number {
  let n = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    if (e.isDirectory()) n += usedBytes(p);
    else if (e.isFile()) n += lstatSync(p).size;
  }
  return n;
}

const diskFree = (dir: string) => (mounted ? statfsFreeBytes(dir) : Math.max(0, QUOTA - usedBytes(dir)));

/** Temp file, fsync, rename (the agent's layout); null when the disk is full (the real or the emulated one). */
function writeSnapshot(v: Violation): Violation['snapshot'] {
  const file = `snapshots/${v.eventId}-r${v.rev}.jpg`;
  const tmpFile = join(dataDir, `snapshots/.${v.eventId}-r${v.rev}.jpg.${randomBytes(4).toString('hex')}.tmp`);
  try {
    if (!mounted && usedBytes(dataDir) + SNAPSHOT_BYTES > QUOTA) throw Object.assign(new Error('ENOSPC (emulated)'), { code: 'ENOSPC' });
    const fd = openSync(tmpFile, 'wx');
    try {
      writeSync(fd, randomBytes(SNAPSHOT_BYTES));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmpFile, join(dataDir, file));
  } catch (e) {
    rmSync(tmpFile, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') return null;
    throw e;
  }
  return { sha256: 'b'.repeat(64), bytes: SNAPSHOT_BYTES, w: 640, h: 480, redaction: 'faces-blurred', file };
}

beforeAll(async () => {
  tmp = tempDir('disk-full');
  dataDir = join(tmp.dir, 'data');
  mkdirSync(dataDir);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${QUOTA}`, 'tmpfs', dataDir], { encoding: 'utf8' });
  mounted = m.status === 0;
  if (!mounted) process.stderr.write(`faults-disk-full: cannot mount a tmpfs (${(m.stderr || m.error?.message || '').trim()}); using an emulated quota\n`);
  mkdirSync(join(dataDir, 'snapshots'));
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
});

afterAll(async () => {
  await mosq.stop('SIGTERM');
  // A lazy unmount as the fallback, so a handle some failed assertion left open cannot leave the mount behind.
  if (mounted && spawnSync('umount', [dataDir]).status !== 0) spawnSync('umount', ['-l', dataDir]);
  tmp.cleanup();
});

it('survives a full disk: evicts acked data first, stops snapshots, alarms, keeps running, recovers when space returns', async () => {
  // Something else on the same filesystem, which an operator will delete later ("space returns").
  writeFileSync(join(dataDir, 'other-data.bin'), randomBytes(FILLER_BYTES));
  const alarms: DiskAlarmState[] = [];
  /** The agent's storage half. `pageCap` only in the fallback, where it stands in for the small disk. */
  const openAgent = (pageCap?: number) => {
    const store = Store.open({ dir: dataDir, clock: systemClock, logger: silentLogger(), ...(pageCap !== undefined && { maxPageCount: pageCap }) });
    const uplink = new Uplink({
      fid: FID,
      url: mosq.url,
      store,
      clock: systemClock,
      logger: silentLogger(),
      birth: () => BIRTH,
      backoff: { baseMs: 50, capMs: 300 },
      tickMs: 50,
      ackTimeoutMs: 2_000,
      replayRatePerS: 500,
    });
    const retention = new RetentionManager({
      store,
      dir: dataDir,
      clock: systemClock,
      logger: silentLogger(),
      snapshotRetentionDays: 14,
      eventRetentionDays: 90,
      minFreeMb: 2,
      hardFloorMb: 0.5,
      diskFree,
      onAlarm: (_k, st) => alarms.push(st),
    });
    return { store, uplink, retention };
  };
  let { store, uplink, retention } = openAgent(mounted ? undefined : 1_500);
  let hub: ReferenceHub | null = makeHub(mosq.url, { clientId: 'hub-disk', dbFile: join(tmp.dir, 'hub.db') });
  await hub.start();
  const recorded = new Map<string, number>();
  const totals = { evictedSnapshots: 0, evictedRows: 0, evictedUnacked: 0, full: 0, noSnapshot: 0 };
  let i = 0;
  /**
   * Records one event (with a snapshot when allowed and there is room); every 10th call runs retention.
   * `acked`: retention runs only once the hub has ACKed everything so far, so what phase A asserts (an acking
   * hub keeps the disk out of alarm) does not depend on how fast ACKs come back on a loaded machine.
   */
  const step = async (acked = false): Promise<void> => {
    const base = violation(i++);
    const v = { ...base, snapshot: retention.snapshotsAllowed() ? writeSnapshot(base) : null };
    if (v.snapshot === null) totals.noSnapshot++;
    try {
      uplink.enqueue(v);
      recorded.set(v.eventId, 1);
    } catch (e) {
      if (!(e instanceof StoreFullError)) throw e;
      totals.full++;
      if (v.snapshot) rmSync(join(dataDir, v.snapshot.file), { force: true }); // never recorded: not a snapshot of anything
    }
    if (i % 10 === 0) {
      if (acked) await until(() => expect(store.stats()).toMatchObject({ pending: 0, sent: 0 }));
      const r = await retention.run();
      totals.evictedSnapshots += r.evictedSnapshots;
      totals.evictedRows += r.evictedRows;
      totals.evictedUnacked += r.evictedUnackedSnapshots;
      await new Promise((res) => setImmediate(res));
    }
  };
  try {
    expect(await retention.sweepOrphans()).toMatchObject({ files: 0 });
    const up = new Promise<void>((r) => uplink.once('connected', () => r()));
    uplink.start();
    await up;

    // A. The hub ACKs: the disk fills with snapshots, and retention makes room by evicting acked ones.
    while (totals.evictedSnapshots === 0 && i < 400) await step(true);
    expect(totals.evictedSnapshots).toBeGreaterThan(0);
    expect(totals.full).toBe(0);
    expect(alarms).toEqual([]);

    // B. The hub is gone: nothing is acked any more. Acked data goes, snapshots stop, the alarm goes on;
    //    then the database itself runs out of space. The agent keeps running through all of it.
    await hub.stop();
    hub = null;
    while (totals.full < 5 && i < 20_000) await step();
    expect(totals.full).toBe(5);
    // The ladder in order: snapshots stopped (acked data already gone), then the hard floor, then SQLite full.
    expect(alarms.map((a) => [a.level, a.storeFull])).toEqual([
      ['snapshots_stopped', false],
      ['critical', false],
      ['critical', true],
    ]);
    expect(totals.evictedRows).toBeGreaterThan(0);
    expect(totals.evictedUnacked).toBeGreaterThan(0);
    expect(retention.snapshotsAllowed()).toBe(false);
    expect(store.fullSince()).not.toBeNull();
    expect((await retention.run()).state).toMatchObject({ active: true, storeFull: true });
    expect(uplink.stats().connected).toBe(true);
    const held = store.stats();
    expect(held.pending + held.sent).toBeGreaterThan(0);

    // C. Space returns (the other data is deleted) and the hub is back: everything drains, acked rows are
    //    evicted, recording works again, the alarm clears.
    rmSync(join(dataDir, 'other-data.bin'));
    if (!mounted) {
      // Fallback only: the page cap cannot be lifted on an open connection, so space returning is the agent
      // restarting without it (on the real tmpfs the same process simply carries on).
      await uplink.stop();
      store.close();
      ({ store, uplink, retention } = openAgent());
      uplink.start();
    }
    hub = makeHub(mosq.url, { clientId: 'hub-disk', dbFile: join(tmp.dir, 'hub.db') });
    await hub.start();
    await until(() => expect(store.stats()).toMatchObject({ pending: 0, sent: 0 }), 60_000);
    const fullBefore = totals.full;
    for (let k = 0; k < 20; k++) await step();
    expect(totals.full).toBe(fullBefore);
    expect(store.fullSince()).toBeNull();
    await until(async () => expect((await retention.run()).state).toMatchObject({ active: false, level: 'ok', storeFull: false }));
    if (mounted) expect(alarms.at(-1)).toMatchObject({ active: false });
    await until(() => expect(store.stats()).toMatchObject({ pending: 0, sent: 0 }));

    // Nothing lost: every recorded event at the hub once, no seq gap (acked rows were deleted locally, not there).
    expect(hub.deliveredSeqs(FID)).toEqual(Array.from({ length: store.lastSeq() }, (_, k) => k + 1));
    expect(new Set(hub.events(FID).map((e) => e.eventId))).toEqual(new Set(recorded.keys()));
    expect(totals.noSnapshot).toBeGreaterThan(0);
  } finally {
    await uplink.stop();
    store.close();
    await hub?.stop();
  }
}, 120_000);
