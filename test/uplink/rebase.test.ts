/**
 * Issue #21 item 4: a facility whose store is replaced (a disk swap, a purge and reinstall) starts again at seq 1
 * and, on a clock no further on, at the session it had. Real mosquitto (MQTT 5), a real ReferenceHub, the agent's
 * real Store + Uplink on a ManualClock that does not move between the two stores (the worst case for sessions).
 * Before: the hub showed the running facility offline and logged its new seqs as duplicate deliveries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceHub } from '../../hub/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { tempDir, violation } from '../store/fixtures.js';
import { agentAt, until } from '../e2e/faults-harness.js';
import { FID, makeHub } from './harness.js';
import { Mosquitto, freePort } from './mosquitto.js';

let tmp: { dir: string; cleanup: () => void };
let mosq: Mosquitto;
let hub: ReferenceHub;

beforeAll(async () => {
  tmp = tempDir('rebase');
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
  hub = makeHub(mosq.url, { clientId: 'hub-rebase', dbFile: `${tmp.dir}/hub.db` });
  await hub.start();
});

afterAll(async () => {
  await hub?.stop();
  await mosq?.stop('SIGTERM');
  tmp?.cleanup();
});

describe('a facility whose store was replaced', () => {
  it('is re-based by the hub: online again under a newer session, every event delivered once, seqs above the old ones', async () => {
    const clock = new ManualClock(0, Date.UTC(2026, 0, 1, 8));
    const first = agentAt(`${tmp.dir}/store-1`, mosq.url, clock, { replayRatePerS: 1000 });
    let up = first.connected();
    first.uplink.start();
    await up;
    const old = Array.from({ length: 5 }, (_, i) => violation(i + 1));
    first.recorder.recordMany(old);
    await until(() => expect(first.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 5 }));
    const oldSession = first.uplink.stats().session;
    await first.close(); // the disk is swapped: a clean stop, then a new empty data dir

    const second = agentAt(`${tmp.dir}/store-2`, mosq.url, clock, { replayRatePerS: 1000 });
    const rebased: { session: number; seq: number; renumbered: number }[] = [];
    second.uplink.on('rebased', (r) => rebased.push(r));
    const fresh = Array.from({ length: 3 }, (_, i) => violation(100 + i));
    second.recorder.recordMany(fresh); // recorded before the hub was reached: seqs 1..3, the old store's seqs
    up = second.connected();
    second.uplink.start();
    await up;
    expect(second.uplink.stats().session).toBeLessThanOrEqual(oldSession); // the same clock: not newer by itself
    await until(() => expect(rebased[0], 'the cmd/rebase of the hub').toMatchObject({ session: oldSession, seq: 5 }), 10_000);
    const live = violation(200);
    await until(() => expect(second.uplink.stats().session).toBeGreaterThan(oldSession));
    second.recorder.record(live);
    await until(() => expect(second.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 4 }), 20_000);
    // Exactly once, no gap, nothing counted twice: seqs 1..5 of the old store, 6..9 of the new one.
    expect(hub.deliveredSeqs(FID)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(hub.stats().duplicates).toBe(0);
    expect(hub.events(FID).map((e) => e.eventId).sort()).toEqual([...old, ...fresh, live].map((v) => v.eventId).sort());
    await until(() => expect(hub.facilities().find((f) => f.fid === FID)).toMatchObject({ status: 'online', session: second.uplink.stats().session }));
    await second.close();
  });
});
