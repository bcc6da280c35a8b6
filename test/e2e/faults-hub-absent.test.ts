/**
 * No hub consumer: Debian's mosquitto (MQTT 5) is up, the reference hub is not. First no consumer has ever
 * subscribed (every event PUBACK carries 0x10 "no matching subscribers"); then the hub has said, in the retained
 * `qmon/v1/hub/state`, that it is offline. In both cases the agent holds its rows, drops nothing, and delivers
 * everything exactly once when the hub is back. The agent's clock is a ManualClock (retry backoffs of 5 and
 * 10 s are simulated); the agent reaches the broker through a TCP proxy so it can be cut off on purpose.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../agent/shared/clock.js';
import type { ReferenceHub } from '../../hub/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { CountingTimers } from '../uplink/fake-timers.js';
import { makeHub } from '../uplink/harness.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { FID, agentAt, expectAllDelivered, spyOnAgentPublishes, until } from './faults-harness.js';
import { TcpProxy } from './tcp-proxy.js';

let tmp: { dir: string; cleanup: () => void };
let mosq: Mosquitto;
let proxy: TcpProxy;

beforeAll(async () => {
  tmp = tempDir('hub-absent');
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
  proxy = new TcpProxy(mosq.port);
  await proxy.start();
});

afterAll(async () => {
  await proxy.stop();
  await mosq.stop('SIGTERM');
  tmp.cleanup();
});

it('holds the backlog, drops nothing, while no hub consumer is there (0x10) or the hub says offline', async () => {
  const clock = new ManualClock(0, Date.UTC(2026, 0, 1, 8));
  const timers = new CountingTimers(45);
  const agent = agentAt(`${tmp.dir}/agent`, proxy.url, clock, { replayRatePerS: 50, ackTimeoutMs: 60_000, timers, tickMs: timers.ms });
  const spy = spyOnAgentPublishes();
  const recorded = new Map<string, number>();
  const noSubscribers: number[] = [];
  agent.uplink.on('no_subscribers', (e) => noSubscribers.push(e.seq));
  let hub: ReferenceHub | null = null;
  try {
    const up = agent.connected();
    agent.uplink.start();
    await up;

    // 1. Nobody subscribes to events: every PUBACK says 0x10. The rows stay pending and are retried with backoff.
    for (let i = 0; i < 20; i++) {
      const v = violation(i);
      expect(agent.recorder.record(v).lane).toBe('live');
      recorded.set(v.eventId, 1);
    }
    await until(() => expect(noSubscribers).toHaveLength(20));
    expect(agent.store.rows({ fromSeq: 1, toSeq: 20 }).every((r) => r.status === 'pending' && r.attempts === 1)).toBe(true);
    clock.advance(5_000); // the first retry is due
    await until(() => expect(noSubscribers).toHaveLength(40));
    expect(agent.store.stats()).toMatchObject({ pending: 20, sent: 0, acked: 0 });

    hub = makeHub(mosq.url, { clientId: 'hub-absent', dbFile: `${tmp.dir}/hub.db` });
    await hub.start();
    clock.advance(10_000); // the second retry is due, and now someone listens
    await until(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 20 }));
    expect(hub.stats()).toMatchObject({ received: 20, duplicates: 0 });

    // 2. The hub goes away cleanly: retained hub/state {online: false}. The agent loses its link meanwhile and
    //    records a backlog; back online, it must hold that backlog while the hub says offline.
    await hub.stop();
    hub = null;
    await until(() => expect(agent.uplink.stats().hubState).toEqual({ online: false, accepting: false }));
    proxy.refuse(true);
    const down = new Promise<void>((r) => agent.uplink.once('disconnected', () => r()));
    proxy.drop();
    await down;
    for (let i = 20; i < 50; i++) {
      const v = violation(i);
      expect(agent.recorder.record(v).lane).toBe('backlog');
      recorded.set(v.eventId, 1);
    }
    const back = agent.connected();
    proxy.refuse(false);
    await back;
    await until(() => expect(agent.uplink.stats().hubState).toEqual({ online: false, accepting: false }));
    const eventsAtReconnect = spy.events();
    for (let s = 0; s < 20; s++) {
      clock.advance(60_000); // 20 simulated minutes: tokens, retries and ACK timeouts all come due
      await timers.ticks(2); // the relay looked at the due rows (at least one whole tick after the advance)
    }
    expect(spy.events()).toBe(eventsAtReconnect);
    expect(agent.store.stats()).toMatchObject({ pending: 30, sent: 0, acked: 20 });

    hub = makeHub(mosq.url, { clientId: 'hub-absent', dbFile: `${tmp.dir}/hub.db` });
    await hub.start();
    await until(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 50 }));
    expectAllDelivered(hub, agent.store, recorded);
    expect(hub.events(FID).filter((e) => e.seq > 20).every((e) => e.replay)).toBe(true);
    expect(spy.whileDisconnected()).toBe(0);
  } finally {
    spy.restore();
    await agent.close();
    await hub?.stop();
  }
});
