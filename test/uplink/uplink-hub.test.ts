// Agent (real SQLite store + Uplink) and ReferenceHub over the real EmbeddedBroker (aedes, TCP).
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedBroker, type ReferenceHub } from '../../hub/index.js';
import { topics } from '../../contract/index.js';
import { createLogger } from '../../agent/ops/index.js';
import { StoreFullError } from '../../agent/store/index.js';
import { violation } from '../store/fixtures.js';
import { CountingTimers } from './fake-timers.js';
import { FID, makeAgent, makeHub, probeClient, spyOnAgentPublishes, waitFor } from './harness.js';

let broker: EmbeddedBroker;
let url: string;
let hub: ReferenceHub;
let agent: ReturnType<typeof makeAgent>;
let probe: MqttClient | null;

beforeEach(async () => {
  broker = new EmbeddedBroker();
  ({ url } = await broker.start());
  hub = makeHub(url);
  await hub.start();
  agent = makeAgent(url);
  probe = null;
});

afterEach(async () => {
  await probe?.endAsync();
  await agent.close();
  await hub.stop();
  await broker.stop();
});

const connected = () => new Promise<void>((resolve) => agent.uplink.once('connected', () => resolve()));

describe('uplink → hub over the embedded broker', () => {
  it('delivers every revision exactly once and ends with every outbox row acked', async () => {
    const up = connected();
    agent.uplink.start();
    await up;
    expect(agent.uplink.stats().protocolVersion).toBe(4); // aedes speaks 3.1.1: the fallback worked
    const acked: number[] = [];
    agent.uplink.on('acked', (a) => acked.push(...a.seqs));
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const v = violation(i);
      ids.push(v.eventId);
      expect(agent.recorder.record(v).lane).toBe('live');
      if (i % 3 === 0) agent.recorder.record({ ...v, rev: 2, state: 'end', people: 2, updatedAt: v.updatedAt + 5_000 });
    }
    await waitFor(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 40 }));
    expect(hub.deliveredSeqs(FID)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(hub.stats()).toMatchObject({ received: 40, duplicates: 0, invalid: 0, acked: 40 });
    const events = hub.events(FID);
    expect(events.map((e) => e.eventId).sort()).toEqual([...ids].sort());
    for (const e of events) expect(e.rev).toBe(ids.indexOf(e.eventId) % 3 === 0 ? 2 : 1);
    expect(events.every((e) => !e.replay && e.payload.session === agent.uplink.stats().session)).toBe(true);
    expect(acked.sort((a, b) => a - b)).toEqual(hub.deliveredSeqs(FID));
    await waitFor(() => {
      const [f] = hub.facilities();
      expect(f).toMatchObject({ fid: FID, status: 'online', session: agent.uplink.stats().session, heartbeatStale: false });
      expect(f?.birth?.last_seq).toBe(0);
      expect(f?.lastHeartbeat?.cameras[0]?.id).toBe('corridor-a');
    });
  });

  it('holds events while the broker is down (no publish while disconnected), then replays them', async () => {
    // Failed connection attempts are counted from the agent's own log, to wait for them instead of for a time.
    let failedAttempts = 0;
    const logger = createLogger({ destination: { write: (s: string) => void (failedAttempts += s.split('"msg":"hub connection attempt failed"').length - 1) } });
    await agent.close();
    agent = makeAgent(url, { logger });
    const spy = spyOnAgentPublishes();
    try {
      const up = connected();
      agent.uplink.start();
      await up;
      agent.recorder.record(violation(0));
      await waitFor(() => expect(agent.store.stats().acked).toBe(1));

      const down = new Promise<void>((resolve) => agent.uplink.once('disconnected', () => resolve()));
      await broker.stop();
      await down;
      expect(agent.uplink.isLive()).toBe(false);
      const held = [1, 2, 3, 4, 5].map((i) => agent.recorder.record(violation(i)));
      expect(held.every((h) => h.lane === 'backlog')).toBe(true);
      const failedBefore = failedAttempts;
      await waitFor(() => expect(failedAttempts - failedBefore, 'failed reconnect attempts').toBeGreaterThanOrEqual(3));
      expect(agent.store.stats()).toMatchObject({ pending: 5, acked: 1 });
      expect(agent.store.rows({ fromSeq: 2, toSeq: 6 }).every((r) => r.attempts === 0 && r.sentAt === null)).toBe(true);

      await broker.start(); // same port, empty state: a restart without persistence
      await waitFor(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 6 }));
      const replayed = hub.events(FID).filter((e) => e.seq >= 2);
      expect(replayed.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6]);
      expect(replayed.every((e) => e.replay && e.payload.replay)).toBe(true);
      expect(hub.events(FID).find((e) => e.seq === 1)?.replay).toBe(false);
      expect(spy.total()).toBeGreaterThan(6);
      expect(spy.whileDisconnected()).toBe(0);
    } finally {
      spy.restore();
    }
  });

  it('keeps running when the store cannot record PUBACKs or ACKs (disk full): pauses, never spins, loses nothing', async () => {
    await agent.close();
    const timers = new CountingTimers(45);
    agent = makeAgent(url, { storeRetryMs: 300, timers, tickMs: timers.ms });
    const spy = spyOnAgentPublishes();
    try {
      const up = connected();
      agent.uplink.start();
      await up;
      const full = () => {
        throw new StoreFullError(agent.store.file, 'test');
      };
      const markSent = vi.spyOn(agent.store, 'markSentMany').mockImplementation(full);
      const markAcked = vi.spyOn(agent.store, 'markAcked').mockImplementation(full);
      for (let i = 0; i < 5; i++) agent.recorder.record(violation(i));
      await waitFor(() => expect(hub.deliveredSeqs(FID)).toEqual([1, 2, 3, 4, 5]));
      await timers.ticks(10); // over 400 ms of ticks, each of which would republish if nothing paused
      // Without the pause, each failed `sent` mark would republish its row at once, in a tight loop.
      expect(spy.total()).toBeLessThan(30);
      expect(agent.store.stats()).toMatchObject({ pending: 5, acked: 0 });
      markSent.mockRestore();
      markAcked.mockRestore();
      await waitFor(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 5 }));
      expect(hub.events(FID)).toHaveLength(5);
      expect(hub.deliveredSeqs(FID)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      spy.restore();
    }
  });

  it('ignores duplicate, unknown and malformed ACKs and keeps working', async () => {
    const up = connected();
    agent.uplink.start();
    await up;
    agent.recorder.record(violation(1));
    agent.recorder.record(violation(2));
    await waitFor(() => expect(agent.store.stats().acked).toBe(2));
    probe = await probeClient(url);
    const results: { acked: number; duplicate: number; unknown: number; unsent: number }[] = [];
    agent.uplink.on('acked', (a) => results.push(a));
    await probe.publishAsync(topics.ack(FID), JSON.stringify({ schema: 'qmon.ack/1', seqs: [1, 1, 2, 999_999] }), { qos: 1 });
    await probe.publishAsync(topics.ack(FID), '{"schema":"qmon.ack/1","seqs":"all"}', { qos: 1 });
    await probe.publishAsync(topics.ack(FID), Buffer.from([0xde, 0xad]), { qos: 1 });
    await waitFor(() => expect(results).toEqual([{ seqs: [1, 1, 2, 999_999], acked: 0, duplicate: 3, unknown: 1, unsent: 0 }]));
    await waitFor(() => expect(agent.uplink.stats().dropped).toEqual({ malformed: 2 }));
    expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 2, lastSeq: 2 });
    agent.recorder.record(violation(3));
    await waitFor(() => expect(agent.store.stats().acked).toBe(3));
    expect(hub.deliveredSeqs(FID)).toEqual([1, 2, 3]);
  });

  it('answers malformed and unknown commands with an error, runs resend and rebirth, and keeps working', async () => {
    const up = connected();
    agent.uplink.start();
    await up;
    for (let i = 1; i <= 3; i++) agent.recorder.record(violation(i));
    await waitFor(() => expect(agent.store.stats().acked).toBe(3));
    probe = await probeClient(url);
    const responses: Record<string, unknown>[] = [];
    const births: Record<string, unknown>[] = [];
    probe.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString()) as Record<string, unknown>;
      if (topic === topics.res(FID)) responses.push(body);
      if (topic === topics.birth(FID)) births.push(body);
    });
    await probe.subscribeAsync([topics.res(FID), topics.birth(FID)], { qos: 1 });
    await waitFor(() => expect(births).toHaveLength(1)); // the retained one

    await probe.publishAsync(topics.cmd(FID, 'x'), 'not json at all', { qos: 1 });
    await probe.publishAsync(topics.cmd(FID, 'resend'), JSON.stringify({ id: 'r1', from_seq: 'a' }), { qos: 1 });
    await probe.publishAsync(topics.cmd(FID, 'resend'), JSON.stringify({ id: 'r2', from_seq: 1, to_seq: 2 }), { qos: 1 });
    await probe.publishAsync(topics.cmd(FID, 'rebirth'), '', { qos: 1 });
    await waitFor(() => expect(responses).toHaveLength(4));
    expect(responses[0]).toMatchObject({ schema: 'qmon.res/1', fid: FID, cmd: 'x', ok: false, id: null, error: 'unknown command "x"' });
    expect(responses[1]).toMatchObject({ cmd: 'resend', ok: false, id: 'r1' });
    expect(String(responses[1]?.error)).toMatch(/from_seq/);
    expect(responses[2]).toMatchObject({ cmd: 'resend', ok: true, id: 'r2', error: null, result: { requeued: 2 } });
    expect(responses[3]).toMatchObject({ cmd: 'rebirth', ok: true });
    await waitFor(() => expect(births).toHaveLength(2));
    expect(births[1]).toMatchObject({ schema: 'qmon.birth/1', fid: FID, last_seq: 3 });

    // The resent rows arrive again (byte-identical), are de-duplicated by the hub and re-acked.
    await waitFor(() => expect(hub.stats()).toMatchObject({ received: 5, duplicates: 2 }));
    await waitFor(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 3 }));
    expect(hub.events(FID)).toHaveLength(3);
    agent.recorder.record(violation(4));
    await waitFor(() => expect(hub.deliveredSeqs(FID)).toEqual([1, 2, 3, 4]));
  });

  it('holds the backlog while the hub says accepting:false, but still sends live events', async () => {
    await agent.close();
    const timers = new CountingTimers(45);
    agent = makeAgent(url, { timers, tickMs: timers.ms });
    const up = connected();
    agent.uplink.start();
    await up;
    await hub.setAccepting(false);
    const down = new Promise<void>((resolve) => agent.uplink.once('disconnected', () => resolve()));
    await broker.stop();
    await down;
    for (let i = 1; i <= 4; i++) expect(agent.recorder.record(violation(i)).lane).toBe('backlog');
    const back = connected();
    await broker.start();
    await back;
    await waitFor(() => expect(agent.uplink.stats().hubState).toEqual({ online: true, accepting: false }));
    expect(agent.recorder.record(violation(5)).lane).toBe('live');
    await waitFor(() => expect(hub.deliveredSeqs(FID)).toEqual([5]));
    await timers.ticks(5); // ticks pass; the backlog must stay put
    expect(hub.deliveredSeqs(FID)).toEqual([5]);
    expect(agent.store.stats()).toMatchObject({ pending: 4, acked: 1 });

    await hub.setAccepting(true);
    await waitFor(() => expect(hub.deliveredSeqs(FID)).toEqual([1, 2, 3, 4, 5]));
    await waitFor(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 5 }));
  });

  it('sends heartbeats every heartbeat_s with outbox, camera and uptime fields, and camera statuses on connect and on change', async () => {
    await agent.close();
    agent = makeAgent(url, { heartbeatS: 0.1 });
    agent.uplink.setCameraStatus('corridor-a', { state: 'degraded', reason: 'frozen', since: Date.UTC(2026, 0, 1) });
    probe = await probeClient(url);
    const hbs: Buffer[] = [];
    const cams: Record<string, unknown>[] = [];
    probe.on('message', (topic, payload) => {
      if (topic === topics.hb(FID)) hbs.push(payload);
      else cams.push(JSON.parse(payload.toString()) as Record<string, unknown>);
    });
    await probe.subscribeAsync([topics.hb(FID), topics.camStatus(FID, '+')], { qos: 1 });
    const up = connected();
    agent.uplink.start();
    await up;
    await waitFor(() => expect(hbs.length).toBeGreaterThanOrEqual(3));
    const uptimes = hbs.map((raw) => (JSON.parse(raw.toString()) as { uptime_s: number }).uptime_s);
    expect(uptimes).toEqual([...uptimes].sort((x, y) => x - y));
    for (const raw of hbs) {
      expect(raw.length).toBeLessThan(2048);
      const hb = JSON.parse(raw.toString()) as Record<string, unknown>;
      expect(hb).toMatchObject({
        schema: 'qmon.hb/1',
        fid: FID,
        outbox: { pending: 0, sent: 0, oldest_age_s: null },
        cameras: [{ id: 'corridor-a', state: 'online', fps_in: 10, fps_detect: 5, last_frame_age_s: 0.1, quality: 'fair' }],
        clock: { synced: false, source: 'unknown' },
      });
    }
    await waitFor(() => expect(cams).toHaveLength(1));
    expect(cams[0]).toMatchObject({ schema: 'qmon.cam-status/1', camera_id: 'corridor-a', state: 'degraded', reason: 'frozen' });
    agent.uplink.setCameraStatus('corridor-a', { state: 'offline', reason: 'stall', since: Date.UTC(2026, 0, 1, 1) });
    await waitFor(() => expect(cams).toHaveLength(2));
    expect(cams[1]).toMatchObject({ state: 'offline', reason: 'stall', since: '2026-01-01T01:00:00.000Z' });
    await waitFor(() => expect(hub.facilities()[0]?.cameras[0]?.state).toBe('offline'));
  });

  it('announces offline (retained) on a clean stop', async () => {
    const up = connected();
    agent.uplink.start();
    await up;
    const session = agent.uplink.stats().session;
    await waitFor(() => expect(hub.facilities()[0]?.status).toBe('online'));
    await agent.uplink.stop();
    await waitFor(() => expect(hub.facilities()[0]).toMatchObject({ status: 'offline', session }));
  });
});
