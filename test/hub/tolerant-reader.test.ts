// The reference hub reads what agents send tolerantly (a newer v1 agent may add fields) but keeps and
// forwards only the fields it validated; wrong types are still refused and not ACKed.
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildHeartbeat, encodeEvent, topics } from '../../contract/index.js';
import { EmbeddedBroker, ReferenceHub } from '../../hub/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { violation } from '../store/fixtures.js';
import { FID, probeClient, waitFor } from '../uplink/harness.js';

let broker: EmbeddedBroker;
let hub: ReferenceHub;
let agent: MqttClient;
let acked: number[];
let invalid: string[];
const clock = new ManualClock(0, Date.UTC(2026, 0, 1));

const CLOCK = { synced: true, source: 'chrony' };
const eventJson = (i: number, seq: number) =>
  JSON.parse(encodeEvent(violation(i), { fid: FID, session: 1, seq, replay: false, clock: CLOCK }).toString()) as Record<string, unknown>;
const send = (topic: string, body: unknown) => agent.publishAsync(topic, JSON.stringify(body), { qos: 1 });

beforeEach(async () => {
  broker = new EmbeddedBroker();
  const { url } = await broker.start();
  hub = new ReferenceHub({ url, dbFile: ':memory:', clock, logger: silentLogger(), reconnectMs: 50, facilities: [FID] });
  invalid = [];
  hub.on('invalid', (i) => invalid.push(i.error));
  await hub.start();
  agent = await probeClient(url);
  acked = [];
  agent.on('message', (_topic, payload) => acked.push(...(JSON.parse(payload.toString()) as { seqs: number[] }).seqs));
  await agent.subscribeAsync(topics.ack(FID), { qos: 1 });
});

afterEach(async () => {
  await agent.endAsync();
  await hub.stop();
  await broker.stop();
});

describe('ReferenceHub reading a newer agent', () => {
  it('stores and ACKs an event with unknown fields, keeping only the validated ones', async () => {
    const plain = eventJson(1, 1);
    const newer = { ...plain, track_count: 3, clock: { ...CLOCK, offset_ms: 4 }, snapshot: { ...(plain.snapshot as object), format: 'jpeg' } };
    await send(topics.evt(FID), newer);
    await send(topics.evt(FID), { ...eventJson(2, 2), people: 'two', track_count: 3 }); // wrong type: refused
    await waitFor(() => expect(acked).toEqual([1]));
    await waitFor(() => expect(invalid).toHaveLength(1));
    expect(invalid[0]).toMatch(/people/);
    const [stored] = hub.events(FID);
    expect(stored?.payload).toEqual(plain); // no track_count, offset_ms or format
    expect(hub.stats()).toMatchObject({ received: 1, invalid: 1, acked: 1 });
  });

  it('keeps a heartbeat with unknown fields, without them', async () => {
    const hb = JSON.parse(
      buildHeartbeat({
        fid: FID,
        session: 1,
        wall: clock.wall(),
        uptimeS: 5,
        outbox: { pending: 0, sent: 0, oldestPendingAt: null },
        cameras: [{ id: 'gate', state: 'online', fpsIn: 10, fpsDetect: 5, lastFrameAgeS: 0.1 }],
        diskFreeMb: 100,
        clock: CLOCK,
      }).toString(),
    ) as Record<string, unknown>;
    await send(topics.hb(FID), { ...hb, cpu_load: 0.4, cameras: [{ ...(hb.cameras as object[])[0], temp_c: 41 }] });
    await waitFor(() => expect(hub.facilities()[0]?.lastHeartbeat).toEqual(hb));
    expect(invalid).toEqual([]);
  });
});
