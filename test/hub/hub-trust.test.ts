// What one facility with valid credentials can no longer do to the reference hub (issue 21): exceed its budget,
// replay its liveness, replay the hub's own `offline`, reuse seqs after its store went back, jump its seqs.
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildBirth,
  buildHeartbeat,
  buildHubState,
  buildStatus,
  encodeEvent,
  facilityBudget,
  SEQ_JUMP_SLACK,
  topics,
} from '../../contract/index.js';
import { EmbeddedBroker, ReferenceHub } from '../../hub/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import type { Violation } from '../../agent/shared/types.js';
import { tempDir, violation } from '../store/fixtures.js';
import { BIRTH, FID, probeClient, waitFor } from '../uplink/harness.js';

const OTHER = 'other-01';
let broker: EmbeddedBroker;
let clock: ManualClock;
let hub: ReferenceHub;
let agent: MqttClient;
let received: { topic: string; body: Record<string, unknown> }[];
let tmp: { dir: string; cleanup: () => void };

const evt = (v: Violation, seq: number, fid = FID) => encodeEvent(v, { fid, session: 1, seq, replay: false, clock: { synced: true, source: 'chrony' } });
const send = (topic: string, payload: Buffer | string) => agent.publishAsync(topic, payload, { qos: 1 });
const acks = (fid = FID) => received.filter((m) => m.topic === topics.ack(fid)).flatMap((m) => m.body.seqs as number[]);
const hb = (session: number, n: number) =>
  buildHeartbeat({
    fid: FID, session, wall: clock.wall(), uptimeS: 1, outbox: { pending: 0, sent: 0, oldestPendingAt: null }, cameras: [], diskFreeMb: 1,
    clock: { synced: true, source: 'chrony' }, n,
  });

beforeEach(async () => {
  broker = new EmbeddedBroker();
  const { url } = await broker.start();
  clock = new ManualClock(0, Date.UTC(2026, 0, 1));
  tmp = tempDir('hub-trust');
  hub = new ReferenceHub({ url, dbFile: `${tmp.dir}/hub.db`, clock, logger: silentLogger(), reconnectMs: 50, facilities: [FID, OTHER] });
  await hub.start();
  agent = await probeClient(url);
  received = [];
  agent.on('message', (topic, payload) => received.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
  await agent.subscribeAsync([topics.ack(FID), topics.ack(OTHER), topics.cmdFilter(FID), topics.hubState], { qos: 1 });
});

afterEach(async () => {
  await agent.endAsync();
  await hub.stop();
  await broker.stop();
  tmp.cleanup();
});

describe('the per-facility budget', () => {
  it('drops what a facility sends beyond its message burst (counted), and the other facility is served as before', async () => {
    const { burst } = facilityBudget().messages;
    const flood = Array.from({ length: burst + 50 }, (_, i) => evt(violation(i + 1), i + 1));
    await Promise.all(flood.map((p) => agent.publishAsync(topics.evt(FID), p, { qos: 0 })));
    await send(topics.evt(OTHER), evt(violation(9000), 1, OTHER));
    await waitFor(() => expect(acks(OTHER)).toEqual([1]));
    await waitFor(() => expect(hub.stats().dropped.over_rate).toBe(50));
    await waitFor(() => expect(acks()).toHaveLength(burst));
    // Tokens come back with time (the manual clock): the facility may send again.
    clock.advance(1000);
    await send(topics.evt(FID), evt(violation(5000), burst + 51));
    await waitFor(() => expect(acks()).toContain(burst + 51));
  });

  it('counts bytes too: sixty 0.9 MB births pass one, not sixty', async () => {
    const rules = Array.from({ length: 4096 }, (_, i) => ({ id: `r-${i}-${'x'.repeat(40)}`, type: 'line_cross' as const, version: 1 }));
    const big = buildBirth(FID, 5, clock.wall(), { ...BIRTH, rules }, 0, 1);
    expect(big.length).toBeGreaterThan(300_000);
    for (let i = 0; i < 60; i++) await agent.publishAsync(topics.birth(FID), big, { qos: 0 });
    await waitFor(() => expect((hub.stats().dropped.over_bytes ?? 0) + (hub.stats().dropped.over_rate ?? 0)).toBeGreaterThanOrEqual(55));
    expect(hub.stats().dropped.over_bytes).toBeGreaterThan(0);
  });

  it('can be turned off (to measure its cost): nothing is dropped for rate', async () => {
    await hub.stop();
    hub = new ReferenceHub({ url: broker.url, dbFile: `${tmp.dir}/hub.db`, clock, logger: silentLogger(), reconnectMs: 50, facilityBudget: null });
    await hub.start();
    const flood = Array.from({ length: 300 }, (_, i) => evt(violation(i + 1), i + 1));
    await Promise.all(flood.map((p) => agent.publishAsync(topics.evt(FID), p, { qos: 0 })));
    await waitFor(() => expect(acks()).toHaveLength(300));
    expect(hub.stats().dropped.over_rate).toBeUndefined();
  });
});

describe('freshness and going back', () => {
  it('a replayed heartbeat or status is refused (stale): liveness moves only forward', async () => {
    const S = 1_767_225_600;
    await send(topics.status(FID), buildStatus(FID, 'online', S, clock.wall(), 2));
    await send(topics.hb(FID), hb(S, 3));
    await waitFor(() => expect(hub.facilities()[0]).toMatchObject({ status: 'online', heartbeatStale: false }));
    await send(topics.status(FID), buildStatus(FID, 'offline', S, clock.wall(), 0)); // the Will
    await waitFor(() => expect(hub.facilities()[0]?.status).toBe('offline'));
    clock.advance(60_000);
    await send(topics.status(FID), buildStatus(FID, 'online', S, clock.wall(), 2));
    await send(topics.hb(FID), hb(S, 3));
    await send(topics.hb(FID), hb(S, 50));
    await waitFor(() => expect(hub.stats().dropped.stale).toBe(3));
    expect(hub.facilities()[0]?.status).toBe('offline');
    clock.advance(120_001); // three minutes after the last real heartbeat
    expect(hub.facilities()[0]?.heartbeatStale).toBe(true);
  });

  it('answers a replayed (hub-signed or not) hub/state offline with its own state at once', async () => {
    const states: boolean[] = [];
    agent.on('message', (t, p) => t === topics.hubState && states.push((JSON.parse(p.toString()) as { online: boolean }).online));
    const reannounced = new Promise<void>((resolve) => hub.once('reannounced', () => resolve()));
    await agent.publishAsync(topics.hubState, buildHubState(false, false, clock.wall() - 3_600_000), { qos: 1, retain: true });
    await reannounced;
    await waitFor(() => expect(states.slice(states.lastIndexOf(false))).toEqual([false, true]));
    // The retained message is the hub's again: a new subscriber learns `online`.
    const late = await probeClient(broker.url);
    const seen: boolean[] = [];
    late.on('message', (_t, p) => seen.push((JSON.parse(p.toString()) as { online: boolean }).online));
    await late.subscribeAsync(topics.hubState, { qos: 1 });
    await waitFor(() => expect(seen).toEqual([true]));
    await late.endAsync();
  });

  it('a seq it holds for another revision is neither stored nor ACKed, and the agent is told to re-base', async () => {
    await send(topics.status(FID), buildStatus(FID, 'online', 1_767_225_600, clock.wall(), 2));
    for (const seq of [1, 2, 3]) await send(topics.evt(FID), evt(violation(seq), seq));
    await waitFor(() => expect(acks()).toEqual([1, 2, 3]));
    const rebases: unknown[] = [];
    hub.on('rebase', (r) => rebases.push(r));
    await send(topics.evt(FID), evt(violation(77), 2)); // a new store's seq 2
    await waitFor(() => expect(hub.stats().dropped.seq_reused).toBe(1));
    await waitFor(() => expect(received.filter((m) => m.topic === topics.cmd(FID, 'rebase')).map((m) => m.body)).toEqual([{ schema: 'qmon.cmd/1', session: 1_767_225_600, seq: 3 }]));
    expect(rebases).toEqual([{ fid: FID, session: 1_767_225_600, seq: 3, why: 'seq_reused' }]);
    expect(acks()).toEqual([1, 2, 3]);
    expect(hub.events(FID).map((e) => e.eventId)).not.toContain(violation(77).eventId);
  });

  it('a birth whose last_seq is below what it holds means the store went back: re-base (once per 10 s)', async () => {
    for (const seq of [1, 2]) await send(topics.evt(FID), evt(violation(seq), seq));
    await waitFor(() => expect(acks()).toEqual([1, 2]));
    await send(topics.birth(FID), buildBirth(FID, 1_767_225_600, clock.wall(), BIRTH, 0, 1));
    await send(topics.birth(FID), buildBirth(FID, 1_767_225_601, clock.wall(), BIRTH, 0, 1));
    await waitFor(() => expect(received.filter((m) => m.topic === topics.cmd(FID, 'rebase'))).toHaveLength(1));
    expect(received.find((m) => m.topic === topics.cmd(FID, 'rebase'))?.body).toMatchObject({ seq: 2 });
  });

  it('a +999,999 seq jump is refused and flagged: not stored, not ACKed, the maximum unchanged', async () => {
    await send(topics.evt(FID), evt(violation(1), 1));
    await waitFor(() => expect(acks()).toEqual([1]));
    await send(topics.evt(FID), evt(violation(2), 1 + 999_999));
    await waitFor(() => expect(hub.stats().dropped.seq_jump).toBe(1));
    await send(topics.evt(FID), evt(violation(3), 1 + SEQ_JUMP_SLACK)); // within the slack: a burst
    await waitFor(() => expect(acks()).toEqual([1, 1 + SEQ_JUMP_SLACK]));
    expect(hub.facilities()[0]?.maxSeq).toBe(1 + SEQ_JUMP_SLACK);
  });
});
