import { afterEach, describe, expect, it, vi } from 'vitest';
import { AGENT_CAMERA_ID, Housekeeping, SWEEP_EVERY_MS } from '../../agent/app/housekeeping.js';
import { ViolationLifecycle } from '../../agent/events/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import type { Violation } from '../../agent/shared/types.js';
import { Store } from '../../agent/store/index.js';
import { ManualTimers } from '../camera/manual-timers.js';
import { capturingLogger } from '../support/capturing-logger.js';
import { tempDir } from '../store/fixtures.js';

const MIB = 1024 * 1024;
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function setup(opts: { refuseAlarms?: boolean } = {}) {
  const tmp = tempDir('housekeeping');
  const clock = new ManualClock(1_000_000);
  const timers = new ManualTimers(clock);
  const log = capturingLogger();
  const store = Store.open({ dir: tmp.dir, clock, logger: log.logger });
  cleanups.push(() => {
    store.close();
    tmp.cleanup();
  });
  const recorded: Violation[] = [];
  const alarms = new ViolationLifecycle({
    sink: {
      record: (v) => {
        if (opts.refuseAlarms) throw new Error('database or disk is full');
        recorded.push(v);
      },
    },
  });
  const told: Violation[] = [];
  let freeMb = 10_000;
  const sweeps = { count: 0 };
  const hk = new Housekeeping(
    store,
    { dir: tmp.dir, snapshot_retention_days: 14, event_retention_days: 90, min_free_mb: 500 },
    clock,
    log.logger,
    alarms,
    (v) => told.push(v),
    {
      timers,
      diskFree: () => {
        sweeps.count++;
        return freeMb * MIB;
      },
    },
  );
  return { hk, clock, timers, log, recorded, told, sweeps, setFreeMb: (mb: number) => (freeMb = mb) };
}

describe('Housekeeping', () => {
  it('sweeps at start, then once a minute on the injected timers, and stops cleanly', async () => {
    const t = setup();
    await t.hk.start();
    const atStart = t.sweeps.count;
    expect(atStart).toBeGreaterThan(0);
    expect(t.timers.delays()).toEqual([SWEEP_EVERY_MS]);
    expect(t.hk.retention.diskFreeMb()).toBe(10_000);

    t.timers.advance(SWEEP_EVERY_MS - 1);
    expect(t.sweeps.count).toBe(atStart);
    t.timers.advance(1);
    await vi.waitFor(() => expect(t.timers.delays(), 'the next sweep is scheduled once this one ended').toEqual([SWEEP_EVERY_MS]), { timeout: 5_000 });
    expect(t.sweeps.count).toBeGreaterThan(atStart);

    await t.hk.stop();
    expect(t.timers.delays()).toEqual([]);
    expect(t.told).toEqual([]);
  });

  it('raises disk_low as an agent alarm through the violation path, stops snapshots, and ends the alarm when space returns', async () => {
    const t = setup();
    t.setFreeMb(100); // under min_free_mb = 500, nothing to evict
    await t.hk.start();
    expect(t.told).toHaveLength(1);
    expect(t.told[0]).toMatchObject({ type: 'agent_alarm', cameraId: AGENT_CAMERA_ID, state: 'new', reason: 'disk_low' });
    expect(t.recorded).toEqual(t.told);
    expect(t.hk.retention.snapshotsAllowed()).toBe(false);

    t.setFreeMb(10_000);
    t.timers.advance(SWEEP_EVERY_MS);
    await vi.waitFor(() => expect(t.told.map((v) => v.state), 'the next sweep ends the alarm').toEqual(['new', 'end']), { timeout: 5_000 });
    expect(t.told[1]!.eventId).toBe(t.told[0]!.eventId);
    // The alarm's times come from the injected clock: the end is one sweep interval after the start.
    expect(t.told[1]!.endedAt! - t.told[0]!.startedAt).toBe(SWEEP_EVERY_MS);
    expect(t.hk.retention.snapshotsAllowed()).toBe(true);
    await t.hk.stop();
  });

  it('an alarm that cannot be recorded (the disk is what fails) is logged, not thrown', async () => {
    const t = setup({ refuseAlarms: true });
    t.setFreeMb(100);
    await expect(t.hk.start()).resolves.toBeUndefined();
    expect(t.told).toEqual([]);
    expect(t.log.errors()).toEqual([expect.stringContaining('agent alarm could not be recorded')]);
    await t.hk.stop();
  });
});
