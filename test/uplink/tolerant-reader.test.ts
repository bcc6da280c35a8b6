// A hub that adds fields of its own (a timestamp on its ACKs, a note on hub/state, a reason on a
// command) still works with this agent: the agent ignores unknown fields (versioning rule of qmon/v1)
// and still refuses wrong types. Agent = real SQLite store + Uplink; hub = a probe client written
// the way another team would write it; broker = the real EmbeddedBroker over TCP.
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../hub/index.js';
import { topics } from '../../contract/index.js';
import { violation } from '../store/fixtures.js';
import { FID, makeAgent, probeClient, waitFor } from './harness.js';

let broker: EmbeddedBroker;
let agent: ReturnType<typeof makeAgent>;
let hub: MqttClient;
let events: { seq: number }[];
let responses: Record<string, unknown>[];

const TS = '2026-01-01T00:00:00.000Z';
const publish = (topic: string, body: unknown, retain = false) => hub.publishAsync(topic, JSON.stringify(body), { qos: 1, retain });

beforeEach(async () => {
  broker = new EmbeddedBroker();
  const { url } = await broker.start();
  hub = await probeClient(url);
  events = [];
  responses = [];
  hub.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString()) as Record<string, unknown>;
    if (topic === topics.evt(FID)) events.push(body as { seq: number });
    if (topic === topics.res(FID)) responses.push(body);
  });
  await hub.subscribeAsync([topics.evt(FID), topics.res(FID)], { qos: 1 });
  agent = makeAgent(url);
  const up = new Promise<void>((resolve) => agent.uplink.once('connected', () => resolve()));
  agent.uplink.start();
  await up;
});

afterEach(async () => {
  await hub.endAsync();
  await agent.close();
  await broker.stop();
});

describe('the agent reads what the hub sends tolerantly', () => {
  it('applies an ACK that carries an extra "ts" field (and ignores one with a wrong type)', async () => {
    for (let i = 0; i < 3; i++) agent.recorder.record(violation(i));
    await waitFor(() => expect(events.map((e) => e.seq).sort()).toEqual([1, 2, 3]));
    await waitFor(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 3, acked: 0 }));

    await publish(topics.ack(FID), { schema: 'qmon.ack/1', seqs: [1], ts: 'not even a timestamp' });
    await publish(topics.ack(FID), { schema: 'qmon.ack/1', seqs: ['2'], ts: TS }); // wrong type: ignored
    await publish(topics.ack(FID), { schema: 'qmon.ack/1', seqs: [3], ts: TS, hub: { node: 'b' } });
    await waitFor(() => expect(agent.store.stats()).toMatchObject({ sent: 1, acked: 2 }));
    expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 1, acked: 2 });
  });

  it('takes a hub/state with extra fields, so the backlog flows', async () => {
    // Enqueued while not live would need a disconnect; instead the backlog lane is entered through
    // a resend, which the hub asks for with an extra field of its own.
    agent.recorder.record(violation(0));
    await waitFor(() => expect(events).toHaveLength(1));
    await publish(topics.ack(FID), { schema: 'qmon.ack/1', seqs: [1], ts: TS });
    await waitFor(() => expect(agent.store.stats().acked).toBe(1));

    await publish(topics.cmd(FID, 'resend'), { schema: 'qmon.cmd/1', id: 'r1', from_seq: 1, to_seq: 1, reason: 'gap', ts: TS });
    await waitFor(() => expect(responses).toContainEqual(expect.objectContaining({ cmd: 'resend', id: 'r1', ok: true, result: { requeued: 1 } })));
    expect(events).toHaveLength(1); // backlog lane: held until the hub says it accepts

    await publish(topics.hubState, { schema: 'qmon.hub-state/1', online: true, accepting: true, ts: TS, region: 'north' }, true);
    await waitFor(() => expect(events).toHaveLength(2));
    expect(events[1]?.seq).toBe(1); // the same row, sent again
    expect(agent.uplink.stats().hubState).toEqual({ online: true, accepting: true });
  });

  it('still refuses a command with a wrong type, and a set-policy naming a policy it does not have', async () => {
    await publish(topics.cmd(FID, 'resend'), { id: 'r2', from_seq: '1', to_seq: 1, ts: TS });
    await publish(topics.cmd(FID, 'set-policy'), { id: 'p1', heartbeat_s: 30, max_in_flight: 64 });
    await publish(topics.cmd(FID, 'rebirth'), { id: 'b1', ts: TS });
    await waitFor(() => expect(responses).toHaveLength(3));
    const byId = Object.fromEntries(responses.map((r) => [r.id as string, r]));
    expect(byId.r2).toMatchObject({ ok: false, error: expect.stringMatching(/from_seq/) as unknown });
    expect(byId.p1).toMatchObject({ ok: false, error: expect.stringMatching(/unknown policy key\(s\) max_in_flight/) as unknown });
    expect(byId.b1).toMatchObject({ ok: true });
    expect(agent.uplink.policy().heartbeatS).not.toBe(30); // refused as a whole, nothing applied
  });
});
