/**
 * A TCP proxy between the agent and Debian's mosquitto (MQTT 5) that pauses the link, drops every connection,
 * and resets a connection in the middle of a PUBLISH of an event (after 6 bytes: inside the topic; after 300:
 * inside the payload). The reference hub connects to mosquitto directly. Counted, not timed: afterwards every
 * event the agent recorded is at the hub exactly once after de-dup, and `seq` has no gap.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../agent/shared/clock.js';
import type { ReferenceHub } from '../../hub/index.js';
import { topics } from '../../contract/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { CountingTimers } from '../uplink/fake-timers.js';
import { makeHub } from '../uplink/harness.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { FID, agentAt, expectAllDelivered, sleep, spyOnAgentPublishes, until } from './faults-harness.js';
import { TcpProxy } from './tcp-proxy.js';

let tmp: { dir: string; cleanup: () => void };
let mosq: Mosquitto;
let proxy: TcpProxy;
let hub: ReferenceHub;

beforeAll(async () => {
  tmp = tempDir('proxy');
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
  proxy = new TcpProxy(mosq.port);
  await proxy.start();
  hub = makeHub(mosq.url, { clientId: 'hub-proxy' });
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  await proxy.stop();
  await mosq.stop('SIGTERM');
  tmp.cleanup();
});

it('loses and doubles nothing when the link stalls, drops, and is reset mid-PUBLISH', async () => {
  const timers = new CountingTimers(45);
  const agent = agentAt(`${tmp.dir}/agent`, proxy.url, systemClock, { replayRatePerS: 500, ackTimeoutMs: 2_000, timers, tickMs: timers.ms });
  const spy = spyOnAgentPublishes();
  const recorded = new Map<string, number>();
  let disconnects = 0;
  agent.uplink.on('disconnected', () => disconnects++);
  const record = (i: number) => {
    const v = violation(i);
    agent.recorder.record(v);
    recorded.set(v.eventId, 1);
    // Every third violation gets a second revision: two outbox rows, one event at the hub (rev 2).
    if (i % 3 === 0) {
      agent.recorder.record({ ...v, rev: 2, state: 'end', updatedAt: v.updatedAt + 1_000 });
      recorded.set(v.eventId, 2);
    }
  };
  try {
    const up = agent.connected();
    agent.uplink.start();
    await up;

    // 1. Stall: nothing is forwarded, the connection stays up. The agent keeps at most its window in flight.
    for (let i = 0; i < 20; i++) record(i);
    await until(() => expect(agent.store.stats().acked).toBe(agent.store.lastSeq()));
    proxy.pause();
    const before = spy.events();
    for (let i = 20; i < 60; i++) record(i);
    // The window fills (16 in flight, no PUBACK comes back), then stays full however often the relay ticks.
    await until(() => expect(spy.events() - before).toBe(16));
    await timers.ticks(5);
    expect(spy.events() - before).toBe(16);
    proxy.resume();
    await until(() => expect(agent.store.stats().acked).toBe(agent.store.lastSeq()));

    // 2. Drop every connection while events are in flight.
    for (let i = 60; i < 100; i++) {
      record(i);
      if (i === 70) proxy.drop();
      await sleep(2);
    }
    await until(() => expect(agent.store.stats().acked).toBe(agent.store.lastSeq()));

    // 3. Reset in the middle of an event PUBLISH: once inside the topic, once inside the payload.
    for (const cut of [6, 300]) {
      proxy.resetNextPublish(topics.evt(FID), cut);
      const resets = proxy.counters.resets;
      for (let i = 100 + cut; i < 130 + cut; i++) record(i);
      await until(() => expect(proxy.counters.resets).toBe(resets + 1));
      await until(() => expect(agent.store.stats().acked).toBe(agent.store.lastSeq()));
    }

    // 4. Refused while records pile up (they go to the backlog lane), then let through.
    proxy.refuse(true);
    const down = new Promise<void>((r) => agent.uplink.once('disconnected', () => r()));
    proxy.drop();
    await down;
    const firstHeld = agent.store.lastSeq() + 1;
    for (let i = 500; i < 540; i++) record(i);
    await until(() => expect(proxy.counters.refused).toBeGreaterThan(1)); // it kept trying
    expect(agent.store.rows({ fromSeq: firstHeld, toSeq: agent.store.lastSeq() }).map((r) => r.lane)).toEqual(Array(53).fill('backlog'));
    proxy.refuse(false);
    await until(() => expect(agent.store.stats().acked).toBe(agent.store.lastSeq()));

    expect(proxy.counters.resets).toBe(2);
    expect(disconnects).toBeGreaterThanOrEqual(4);
    expect(spy.whileDisconnected()).toBe(0);
    expectAllDelivered(hub, agent.store, recorded);
    expect(hub.stats().invalid).toBe(0);
    // Something was really sent twice (a row in flight when its connection died) and de-duplicated.
    expect(spy.events()).toBeGreaterThan(agent.store.lastSeq());
  } finally {
    spy.restore();
    await agent.close();
  }
});
