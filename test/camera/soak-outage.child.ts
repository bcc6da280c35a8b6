/**
 * Child process of soak-outage.test.ts (run with `node --expose-gc --import tsx`): one camera that
 * stays down for simulated days, driven by a ManualClock and manual timers, every ffmpeg "start"
 * failing at once (a fake source; real processes would make this take days). Every 5th source
 * first delivers one frame and then dies, so the frame, reconnect and quality paths run too.
 * Prints one JSON line with the measurements; the test asserts on them.
 */
import { CameraSupervisor } from '../../agent/camera/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { FakeSource, settle } from './fake-source.js';
import { ManualTimers } from './manual-timers.js';

const DAY = 86_400_000;
const DAYS = Number(process.env.SOAK_DAYS ?? 7);

const maybeGc = (globalThis as { gc?: () => void }).gc;
if (!maybeGc) throw new Error('run with node --expose-gc');
const gc: () => void = maybeGc;

function settledHeap(): { heap: number; rss: number } {
  for (let i = 0; i < 4; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

// A deterministic PRNG for the jitter (mulberry32), so a run is reproducible.
let seed = 12345;
const random = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

async function main(): Promise<void> {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  let made = 0;
  const sample: WeakRef<FakeSource>[] = [];
  const sup = new CameraSupervisor({
    cameraId: 'soak',
    input: { kind: 'rtsp', url: 'rtsp://10.0.0.5/stream1' },
    output: { width: 32, height: 24, fps: 5 },
    backoff: { random },
    clock,
    timers,
    createSource: (o) => {
      const s = new FakeSource(o);
      const n = made++;
      if (n % 100 === 0) sample.push(new WeakRef(s));
      queueMicrotask(() => {
        if (n % 5 === 4) s.frame(n);
        s.fail('refused');
      });
      return s;
    },
  });
  let stateChanges = 0;
  sup.on('state', () => stateChanges++);
  let delivered = 0;
  const reader = (async () => {
    for await (const _f of sup.frames()) delivered++;
  })();
  sup.start();

  let maxTimers = 0;
  const marks: Record<string, unknown>[] = [];
  const mark = (label: string): void => {
    const m = settledHeap();
    marks.push({
      label,
      hours: clock.now() / 3_600_000,
      spawns: made,
      restarts: sup.metrics.restarts,
      heap: m.heap,
      rss: m.rss,
      timers: timers.delays().length,
      quality: sup.quality(),
    });
  };

  for (let day = 1; day <= DAYS; day++) {
    while (clock.now() < day * DAY) {
      const next = timers.delays()[0];
      if (next === undefined) throw new Error('no timer pending: the supervisor stopped retrying');
      timers.advance(next);
      await settle();
      maxTimers = Math.max(maxTimers, timers.delays().length);
    }
    if (day === 1 || day === DAYS) mark(`day ${day}`);
  }
  await sup.stop();
  await reader;
  gc();
  await settle();
  gc();
  const alive = sample.filter((w) => w.deref() !== undefined).length;
  process.stdout.write(
    `${JSON.stringify({ marks, maxTimers, delivered, stateChanges, sampled: sample.length, sampledAlive: alive, state: sup.state.state, counters: { decoded: sup.metrics.decoded, restarts: sup.metrics.restarts } })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
