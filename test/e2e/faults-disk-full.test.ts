/**
 * The data dir on a small filesystem that fills up: a real 8 MiB tmpfs mounted by the test (root, as on CI and in
 * the dev sandbox), so free space comes from statfs, snapshot writes fail with a real ENOSPC, and SQLite's own
 * writes fail with a real SQLITE_FULL. Where mounting is not permitted the test is skipped, visibly, with the
 * reason in its name (an emulated quota would not exercise the agent's own writers).
 * The agent's parts as `agent/app.ts` wires them: rule events go through the real `ViolationLifecycle`, whose sink is
 * the pipeline's recorder, and each recorded revision asks the real `ViolationPictures` for its picture (the snapshot
 * worker's render, run in-process here: cropping, blurring, encoding and writing the JPEG atomically; asked
 * `retention.snapshotsAllowed()` before each), which follows as a revision of its own. Around it: Debian's mosquitto
 * and the reference hub (its database outside the small filesystem).
 * Counted, not timed: every event whose recording returned is at the hub exactly once, `seq` has no gap,
 * no un-acked event was deleted, no snapshot was written while snapshots were stopped, the disk alarm went
 * on and off again, and the agent never stopped.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ViolationLifecycle, ViolationSinkError } from '../../agent/events/index.js';
import { PictureQueue, ViolationPictures, answerJob, type PictureResult } from '../../agent/pipeline/index.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import type { ReferenceHub } from '../../hub/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import type { Detections, Frame, RuleEvent, SnapshotRef } from '../../agent/shared/types.js';
import { RetentionManager, SNAPSHOT_DIR, Store, StoreFullError, type DiskAlarmState } from '../../agent/store/index.js';
import { Uplink } from '../../agent/uplink/index.js';
import { tempDir } from '../store/fixtures.js';
import { makeHub, recorderFor } from '../uplink/harness.js';
import { BIRTH, FID } from '../uplink/identity.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { until } from './faults-harness.js';

const MIB = 2 ** 20;
const QUOTA = 8 * MIB;
const FILLER_BYTES = 2 * MIB;
/** Noise compresses badly: each snapshot of this frame is a JPEG of roughly 60 kB, so the disk fills in ~100. */
const FRAME: Frame = { cameraId: 'hall-1', seq: 0, ts: 0, wallTs: 0, width: 320, height: 240, format: 'rgb24', pixels: randomBytes(320 * 240 * 3) };
/** The frame's detections besides the event's own person: none (no other head to blur). */
const NO_OTHERS: Detections = { cameraId: FRAME.cameraId, frameSeq: 0, ts: 0, wallTs: 0, width: FRAME.width, height: FRAME.height, items: [] };

const tmp = tempDir('disk-full');
const dataDir = join(tmp.dir, 'data');
mkdirSync(dataDir);
const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${QUOTA}`, 'tmpfs', dataDir], { encoding: 'utf8' });
const mounted = mount.status === 0;
const cannotMount = mounted ? '' : (mount.stderr || mount.error?.message || `mount exited ${String(mount.status)}`).trim();
if (!mounted) {
  process.stderr.write(`faults-disk-full: SKIPPED, cannot mount an 8 MiB tmpfs (${cannotMount}); run as root to test a full disk\n`);
  tmp.cleanup(); // the hooks of a file whose tests are all skipped may not run
}
let mosq: Mosquitto;

/** A line crossing of one person filling the frame, as the rule engine emits it (instant: one complete revision). */
function crossing(i: number): RuleEvent {
  const wallTs = systemClock.wall();
  return {
    type: 'line_cross',
    phase: 'instant',
    key: `door:${i}`,
    rule: { id: 'door.line', version: 1 },
    cameraId: FRAME.cameraId,
    ts: systemClock.now(),
    wallTs,
    trackIds: [i],
    boxes: [{ x1: 20, y1: 10, x2: 300, y2: 230 }],
    people: 1,
    confidence: 0.9,
    lineId: 'door',
    direction: 'in',
  };
}

beforeAll(async () => {
  if (!mounted) return;
  mkdirSync(join(dataDir, SNAPSHOT_DIR));
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
});

afterAll(async () => {
  await mosq?.stop('SIGTERM');
  // A lazy unmount as the fallback, so a handle some failed assertion left open cannot leave the mount behind.
  if (mounted && spawnSync('umount', [dataDir]).status !== 0) spawnSync('umount', ['-l', dataDir]);
  tmp.cleanup();
});

it.skipIf(!mounted)(`survives a full disk: evicts acked data first, stops snapshots, alarms, keeps running, recovers when space returns${mounted ? '' : ` (SKIPPED: cannot mount a tmpfs: ${cannotMount})`}`, async () => {
  // Something else on the same filesystem, which an operator will delete later ("space returns").
  writeFileSync(join(dataDir, 'other-data.bin'), randomBytes(FILLER_BYTES));
  const alarms: DiskAlarmState[] = [];
  /** The agent's storage half and its violation path, wired as agent/app.ts wires them. */
  const openAgent = () => {
    const store = Store.open({ dir: dataDir, clock: systemClock, logger: silentLogger() });
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
      onAlarm: (_k, st) => alarms.push(st),
    });
    const lifecycle = new ViolationLifecycle({ sink: recorderFor(uplink, store) });
    const settled = new Map<string, PictureResult>();
    const pictures = new ViolationPictures({
      storageDir: dataDir,
      // The worker's own render, in this process (no face model: the frame is noise).
      queue: new PictureQueue({
        runner: { run: (job) => answerJob(job, null), restarts: 0, close: () => Promise.resolve() },
        clock: systemClock,
        logger: silentLogger(),
      }),
      lifecycle,
      metrics: new CameraMetrics(FRAME.cameraId),
      clock: systemClock,
      logger: silentLogger(),
      recordOutcome: (row) => {
        try {
          store.recordPictureOutcome(row);
        } catch (e) {
          if (!(e instanceof StoreFullError)) throw e;
        }
      },
      allowed: () => retention.snapshotsAllowed(),
      onSettled: (eventId, r) => settled.set(eventId, r),
    });
    return { store, uplink, retention, lifecycle, pictures, settled };
  };
  const { store, uplink, retention, lifecycle, pictures, settled } = openAgent();
  let hub: ReferenceHub | null = makeHub(mosq.url, { clientId: 'hub-disk', dbFile: join(tmp.dir, 'hub.db') });
  await hub.start();
  const recorded = new Map<string, number>();
  const totals = { evictedSnapshots: 0, evictedRows: 0, evictedUnacked: 0, full: 0, noSnapshot: 0, shotsWhileStopped: 0 };
  let i = 0;
  /**
   * Records one event (with a snapshot when allowed and there is room); every 10th call runs retention.
   * `acked`: retention runs only once the hub has ACKed everything so far, so what phase A asserts (an acking
   * hub keeps the disk out of alarm) does not depend on how fast ACKs come back on a loaded machine.
   */
  const step = async (acked = false): Promise<SnapshotRef | null> => {
    const ev = crossing(i++);
    const stopped = !retention.snapshotsAllowed();
    const filesBefore = readdirSync(join(dataDir, SNAPSHOT_DIR)).length;
    let snapshot: SnapshotRef | null = null;
    try {
      const v = lifecycle.handle(ev);
      if (v) {
        recorded.set(v.eventId, 1);
        pictures.request(ev, v, FRAME, NO_OTHERS);
        await pictures.drain();
        const r = settled.get(v.eventId);
        if (r?.outcome === 'made') snapshot = store.violation(v.eventId)?.snapshot ?? null;
      }
    } catch (e) {
      if (!(e instanceof ViolationSinkError && e.cause instanceof StoreFullError)) throw e;
      totals.full++;
    }
    // The folder itself, not the outcome: while snapshots are stopped no picture may be written at all.
    if (stopped && readdirSync(join(dataDir, SNAPSHOT_DIR)).length > filesBefore) totals.shotsWhileStopped++;
    if (snapshot === null) totals.noSnapshot++;
    if (i % 10 === 0) {
      if (acked) await until(() => expect(store.stats()).toMatchObject({ pending: 0, sent: 0 }));
      const r = await retention.run();
      totals.evictedSnapshots += r.evictedSnapshots;
      totals.evictedRows += r.evictedRows;
      totals.evictedUnacked += r.evictedUnackedSnapshots;
      await new Promise((res) => setImmediate(res));
    }
    return snapshot;
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
    // Retention runs every 10th step; the five refusals may all fall between two runs, so one run now sees the full
    // store (without it, whether the last alarm below was raised depended on where the store filled up).
    const fullRun = await retention.run();
    totals.evictedRows += fullRun.evictedRows;
    totals.evictedUnacked += fullRun.evictedUnackedSnapshots;
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
    hub = makeHub(mosq.url, { clientId: 'hub-disk', dbFile: join(tmp.dir, 'hub.db') });
    await hub.start();
    await until(() => expect(store.stats()).toMatchObject({ pending: 0, sent: 0 }), 60_000);
    const fullBefore = totals.full;
    for (let k = 0; k < 20; k++) await step();
    expect(totals.full).toBe(fullBefore);
    expect(store.fullSince()).toBeNull();
    await until(async () => expect((await retention.run()).state).toMatchObject({ active: false, level: 'ok', storeFull: false }));
    expect(alarms.at(-1)).toMatchObject({ active: false });
    // Snapshots resume with the space: the next violation's picture is written again.
    const resumed = await step();
    expect(resumed).not.toBeNull();
    expect(existsSync(join(dataDir, resumed!.file))).toBe(true);
    await until(() => expect(store.stats()).toMatchObject({ pending: 0, sent: 0 }));

    // Nothing lost: every recorded event at the hub once, no seq gap (acked rows were deleted locally, not there).
    expect(hub.deliveredSeqs(FID)).toEqual(Array.from({ length: store.lastSeq() }, (_, k) => k + 1));
    expect(new Set(hub.events(FID).map((e) => e.eventId))).toEqual(new Set(recorded.keys()));
    expect(totals.noSnapshot).toBeGreaterThan(0);
    expect(totals.shotsWhileStopped).toBe(0);
    // Every snapshot write that hit ENOSPC (or was interrupted) left no temp file behind.
    expect(readdirSync(join(dataDir, SNAPSHOT_DIR)).filter((f) => !f.endsWith('.jpg'))).toEqual([]);
  } finally {
    await uplink.stop();
    store.close();
    await hub?.stop();
  }
}, 120_000);
