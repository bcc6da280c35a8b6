/**
 * ACKs that come late, twice, or for seqs the agent never had, and a stale Will that arrives after the agent's
 * new `online`. Real parts: Debian's mosquitto (MQTT 5), the agent's SQLite file, the reference hub with its own
 * SQLite file. The hub reaches the broker through a TCP proxy that stalls its link, so the agent's ACK timeout
 * (simulated: the agent's clock is a ManualClock) expires and the rows are resent while the first copies are
 * still on their way: the hub then receives both, de-duplicates, and ACKs both.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../agent/shared/clock.js';
import type { ReferenceHub } from '../../hub/index.js';
import { buildStatus, topics } from '../../contract/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { makeHub } from '../uplink/harness.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { FID, agentAt, expectAllDelivered, spyOnAgentPublishes, until } from './faults-harness.js';
import { TcpProxy } from './tcp-proxy.js';

let tmp: { dir: string; cleanup: () => void };
let mosq: Mosquitto;
let hubLink: TcpProxy;
let hub: ReferenceHub;
const hubDb = () => `${tmp.dir}/hub.db`;

beforeAll(async () => {
  tmp = tempDir('acks');
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
  hubLink = new TcpProxy(mosq.port);
  await hubLink.start();
  hub = makeHub(hubLink.url, { clientId: 'hub-acks', dbFile: hubDb() });
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  await hubLink.stop();
  await mosq.stop('SIGTERM');
  tmp.cleanup();
});

it('counts late, duplicate and unknown ACKs, changes nothing wrongly, and ignores a stale Will', async () => {
  const clock = new ManualClock(0, Date.UTC(2026, 0, 1, 8));
  const agent = agentAt(`${tmp.dir}/agent`, mosq.url, clock, { ackTimeoutMs: 60_000 });
  const spy = spyOnAgentPublishes();
  const probe = await mqtt.connectAsync(mosq.url, { protocolVersion: 5, clientId: 'probe-acks', reconnectPeriod: 0 });
  const recorded = new Map<string, number>();
  const acks = { acked: 0, duplicate: 0, unknown: 0 };
  agent.uplink.on('acked', (a) => {
    acks.acked += a.acked;
    acks.duplicate += a.duplicate;
    acks.unknown += a.unknown;
  });
  const record = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const v = violation(i);
      agent.recorder.record(v);
      recorded.set(v.eventId, 1);
    }
  };
  try {
    const up = agent.connected();
    agent.uplink.start();
    await up;
    record(0, 10);
    await until(() => expect(acks).toEqual({ acked: 10, duplicate: 0, unknown: 0 }));

    // The hub's link stalls: the broker takes the events (PUBACK) but no ACK can come back.
    hubLink.pause();
    record(10, 20);
    await until(() => expect(agent.store.stats()).toMatchObject({ sent: 10, pending: 0 }));
    clock.advance(60_001); // ACK timeout: back to pending, retry in 5 s
    await until(() => expect(agent.store.stats()).toMatchObject({ sent: 0, pending: 10 }));
    const before = spy.events();
    clock.advance(5_000);
    await until(() => expect(agent.store.stats()).toMatchObject({ sent: 10, pending: 0 }));
    expect(spy.events() - before).toBe(10);

    // The link recovers: the hub gets every event twice, stores it once, and ACKs both copies.
    hubLink.resume();
    await until(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 20 }));
    await until(() => expect(acks).toEqual({ acked: 20, duplicate: 10, unknown: 0 }));
    expect(hub.stats()).toMatchObject({ received: 30, duplicates: 10 });

    // Garbage and seqs this agent never had: counted, ignored, nothing changes.
    await probe.publishAsync(topics.ack(FID), JSON.stringify({ schema: 'qmon.ack/1', seqs: [5, 5, 9_999, 10_000] }), { qos: 1 });
    await probe.publishAsync(topics.ack(FID), '{"schema":"qmon.ack/1","seqs":[0]}', { qos: 1 });
    await probe.publishAsync(topics.ack(FID), 'ack!', { qos: 1 });
    await until(() => expect(acks).toEqual({ acked: 20, duplicate: 12, unknown: 2 }));
    expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 20, lastSeq: 20 });

    // A stale Will: a dead connection of session N-1 whose Will the broker delivers after session N's online.
    const session = agent.uplink.stats().session;
    await until(() => expect(hub.facilities()[0]).toMatchObject({ status: 'online', session }));
    const statuses: { state: string; session: number; ignored: boolean }[] = [];
    hub.on('status', (s) => statuses.push(s));
    const ghost = await mqtt.connectAsync(mosq.url, {
      protocolVersion: 5,
      clientId: 'ghost-of-old-session',
      reconnectPeriod: 0,
      will: { topic: topics.status(FID), payload: buildStatus(FID, 'offline', session - 1, clock.wall()), qos: 1, retain: true },
    });
    ghost.stream.destroy(); // no DISCONNECT: the broker sends the Will at once
    await until(() => expect(statuses).toContainEqual({ fid: FID, state: 'offline', session: session - 1, ignored: true }));
    expect(hub.facilities()[0]).toMatchObject({ status: 'online', session });

    // The Will is now the broker's retained status. A hub that restarts gets it before the (newer) birth,
    // and must still end up showing the facility online.
    await hub.stop();
    hub = makeHub(hubLink.url, { clientId: 'hub-acks', dbFile: hubDb() });
    await hub.start();
    await until(() => expect(hub.facilities()[0]).toMatchObject({ status: 'online', session }));

    record(20, 25);
    await until(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 25 }));
    expectAllDelivered(hub, agent.store, recorded);
    expect(spy.whileDisconnected()).toBe(0);
  } finally {
    spy.restore();
    await probe.endAsync();
    await agent.close();
  }
});
