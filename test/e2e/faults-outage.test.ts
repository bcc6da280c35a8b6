/**
 * Broker down while 100,000 events are produced, then back. Real parts: Debian's mosquitto (killed with SIGKILL,
 * persistence off), the agent's SQLite file, the reference hub. The agent's clock is a ManualClock: the outage
 * spans ~2.8 simulated hours and the drain's rate cap is checked against simulated time, so nothing is timed.
 * Events are recorded with the recorder's `recordMany` (1,000 per transaction): with a commit per event, synchronous=FULL
 * would make producing them alone take longer than this test's budget on CI.
 * Asserted: no publish call at all while the broker is down; every event at the hub exactly once with no seq
 * gap, all flagged `replay: true`; the backlog never went faster than the cap; RSS roughly flat while the
 * backlog grew (it lives in SQLite, not in memory).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../agent/shared/clock.js';
import type { ReferenceHub } from '../../hub/index.js';
import type { Violation } from '../../agent/shared/types.js';
import { tempDir, violation } from '../store/fixtures.js';
import { makeHub } from '../uplink/harness.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { agentAt, expectAllDelivered, sleep, spyOnAgentPublishes, until } from './faults-harness.js';

const EVENTS = 100_000;
const BATCH = 1_000;
/** A cap well above the default 5/s so the drain fits the test; the cap logic is the same at any rate. */
const RATE = 4_000;
const STEP_MS = 250;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rssMb = () => {
  gc();
  return process.memoryUsage().rss / 2 ** 20;
};

let tmp: { dir: string; cleanup: () => void };
let mosq: Mosquitto;
let hub: ReferenceHub;

beforeAll(async () => {
  tmp = tempDir('outage');
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
  // The agent replays at RATE of its manual clock, which this test moves far faster than real time: the hub's
  // per-facility budget (real time, sized for a real facility) is off here; this test is about the agent.
  hub = makeHub(mosq.url, { clientId: 'hub-outage', facilityBudget: null });
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  await mosq.stop('SIGTERM');
  tmp.cleanup();
});

it('holds 100,000 events through a broker outage with no publish and flat RSS, then drains them under the rate cap', async () => {
  const clock = new ManualClock(0, Date.UTC(2026, 0, 1, 6));
  const agent = agentAt(`${tmp.dir}/agent`, mosq.url, clock, { replayRatePerS: RATE, ackTimeoutMs: 60_000 });
  const spy = spyOnAgentPublishes();
  const recorded = new Map<string, number>();
  try {
    const up = agent.connected();
    agent.uplink.start();
    await up;
    for (let i = 0; i < 10; i++) {
      const v = violation(i);
      expect(agent.recorder.record(v).lane).toBe('live');
      recorded.set(v.eventId, 1);
    }
    await until(() => expect(agent.store.stats().acked).toBe(10));

    const down = new Promise<void>((r) => agent.uplink.once('disconnected', () => r()));
    await mosq.stop(); // SIGKILL
    await down;
    const publishesBefore = spy.calls.length;

    // RSS after a forced GC every 10,000 events: without the GCs V8 lets its heap (and RSS) grow with garbage
    // it has not collected yet, which says nothing about what the agent keeps.
    const rss: number[] = [];
    for (let b = 0; b < EVENTS / BATCH; b++) {
      const vs: Violation[] = [];
      for (let k = 0; k < BATCH; k++) {
        const v = violation(10 + b * BATCH + k);
        vs.push(v);
        recorded.set(v.eventId, 1);
      }
      const out = agent.recorder.recordMany(vs);
      expect(out.every((o) => o.lane === 'backlog')).toBe(true);
      clock.advance(BATCH * 100); // one event every 100 ms of simulated time
      if (b % 10 === 9) rss.push(rssMb());
      if (b % 10 === 0) await sleep(1); // let the reconnect loop try (and fail) meanwhile
    }
    expect(spy.calls.length).toBe(publishesBefore); // not one publish call while the broker was down
    expect(agent.store.stats()).toMatchObject({ pending: EVENTS, acked: 10, lastSeq: EVENTS + 10 });
    // 90,000 more events held after the first sample; in memory they would be > 90 MB (each payload is ~1 kB).
    // They are on disk: RSS stays within a small band (the test's own map of 100,000 ids is in it too).
    expect(rss).toHaveLength(10);
    expect(Math.max(...rss) - rss[0]!).toBeLessThan(40);

    // Counted from the ACK events, not store.stats(): a GROUP BY over 100,000 rows per poll would be the bottleneck.
    let acked = 10;
    agent.uplink.on('acked', (r) => (acked += r.acked));
    const back = agent.connected();
    await mosq.start();
    await back;
    const t0 = clock.now();
    const eventsAtReconnect = spy.events();
    let maxOverCap = -Infinity;
    while (acked < EVENTS + 10) {
      clock.advance(STEP_MS);
      const target = Math.min(EVENTS, Math.floor(((clock.now() - t0) * RATE) / 1000));
      // Give the relay real time to use this step's tokens (it may also be held by the in-flight window).
      await sleep(1);
      for (let i = 0; i < 500 && spy.events() - eventsAtReconnect < target && acked < EVENTS + 10; i++) await sleep(1);
      const sent = spy.events() - eventsAtReconnect;
      maxOverCap = Math.max(maxOverCap, sent - (RATE + ((clock.now() - t0) * RATE) / 1000));
    }
    // Never more than one bucket (RATE) plus RATE per simulated second since the reconnect.
    expect(maxOverCap).toBeLessThanOrEqual(0);
    // And the cap was what paced the drain: it took at least the simulated time the cap implies.
    expect(clock.now() - t0).toBeGreaterThanOrEqual(((EVENTS - RATE) / RATE) * 1000);
    expect(spy.whileDisconnected()).toBe(0);

    const replayed = expectAllDelivered(hub, agent.store, recorded).filter((e) => e.seq > 10);
    expect(replayed).toHaveLength(EVENTS);
    expect(replayed.every((e) => e.replay)).toBe(true);
  } finally {
    spy.restore();
    await agent.close();
  }
}, 120_000);
