/**
 * The red-team run of issue #10, replayed: each attack is one message (or a few) from a client that is not the
 * hub and not the agent, against Debian's real mosquitto (MQTT 5), a real agent (SQLite store + Uplink) and a
 * real ReferenceHub with its own SQLite file. Each test checks the attack is refused, counted, and that the
 * system keeps doing its job for everyone else within a bound.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_MAX_PACKET_BYTES,
  buildStatus,
  encodeEvent,
  HUB_MAX_PACKET_BYTES,
  INBOUND_LIMITS,
  topics,
} from '../../agent/contract/index.js';
import type { ReferenceHub } from '../../agent/hub/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { FID, makeAgent, makeHub } from '../uplink/harness.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { until } from './faults-harness.js';

/** Another registered facility: what "everyone else" sees while one topic is attacked. */
const OTHER = 'hn-0002';
/** How long the hub may take to ACK an honest event, or the agent to answer a command, under attack. */
const SERVICE_BOUND_MS = 3_000;
const MB10 = 10 * 1024 * 1024;

let tmp: { dir: string; cleanup: () => void };
let mosq: Mosquitto;
let hub: ReferenceHub;
let agent: ReturnType<typeof makeAgent>;
let attacker: MqttClient;
let other: MqttClient;
const otherAcks: number[] = [];
let otherSeq = 0;

const nested = (bytes: number) => Buffer.from('['.repeat(bytes / 2) + ']'.repeat(bytes / 2));
const eventOf = (fid: string, i: number, seq: number, session = 1) =>
  encodeEvent(violation(i), { fid, session, seq, replay: false, clock: { synced: true, source: 'chrony' } });

/** Publishes one honest event as the other facility and returns how long the hub took to ACK it. */
async function otherEventAckedIn(): Promise<number> {
  const seq = ++otherSeq;
  const t0 = performance.now();
  await other.publishAsync(topics.evt(OTHER), eventOf(OTHER, 1000 + seq, seq), { qos: 1 });
  await until(() => expect(otherAcks).toContain(seq), 10_000);
  return performance.now() - t0;
}

beforeAll(async () => {
  tmp = tempDir('red-team');
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
  hub = makeHub(mosq.url, { clientId: 'hub-red', dbFile: `${tmp.dir}/hub.db`, facilities: [FID, OTHER] });
  await hub.start();
  agent = makeAgent(mosq.url);
  const up = new Promise<void>((r) => agent.uplink.once('connected', () => r()));
  agent.uplink.start();
  await up;
  attacker = await mqtt.connectAsync(mosq.url, { protocolVersion: 5, clientId: 'intruder', reconnectPeriod: 0 });
  other = await mqtt.connectAsync(mosq.url, { protocolVersion: 5, clientId: OTHER, reconnectPeriod: 0 });
  other.on('message', (_t, p) => otherAcks.push(...(JSON.parse(p.toString()) as { seqs: number[] }).seqs));
  await other.subscribeAsync(topics.ack(OTHER), { qos: 1 });
}, 30_000);

afterAll(async () => {
  await attacker?.endAsync();
  await other?.endAsync();
  await agent?.close();
  await hub?.stop();
  await mosq?.stop('SIGTERM');
  tmp?.cleanup();
});

describe('no size, no parse', () => {
  it('a 10 MB nested array on a facility’s evt topic does not stall the hub: it keeps ACKing everyone', async () => {
    const before = hub.stats().dropped.oversized ?? 0;
    // Over the hub's MQTT 5 maximumPacketSize: the broker itself must not deliver it to the hub.
    await attacker.publishAsync(topics.evt(FID), nested(MB10), { qos: 1 });
    // Under the packet limit but over the evt limit (16 KiB): reaches the hub, dropped unread and counted.
    await attacker.publishAsync(topics.evt(FID), nested(512 * 1024), { qos: 1 });
    expect(HUB_MAX_PACKET_BYTES).toBeLessThan(MB10);
    expect(await otherEventAckedIn()).toBeLessThan(SERVICE_BOUND_MS);
    await until(() => expect(hub.stats().dropped.oversized).toBe(before + 1));
    agent.recorder.record(violation(1));
    await until(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0 }), SERVICE_BOUND_MS);
    expect(hub.stats().invalid).toBe(0); // dropped before any parse, not "invalid after parsing"
  });

  it('a 10 MB message on the agent’s ack topic does not stall command handling', async () => {
    const responses: { id: string | null; ok: boolean }[] = [];
    attacker.on('message', (t, p) => t === topics.res(FID) && responses.push(JSON.parse(p.toString()) as { id: string | null; ok: boolean }));
    await attacker.subscribeAsync(topics.res(FID), { qos: 1 });
    await attacker.publishAsync(topics.ack(FID), nested(MB10), { qos: 1 }); // over the agent's maximumPacketSize
    // Under the packet limit but nested 10,000 deep: reaches the agent, dropped unread.
    const deep = nested(20_000);
    expect(deep.length).toBeLessThan(AGENT_MAX_PACKET_BYTES);
    await attacker.publishAsync(topics.ack(FID), deep, { qos: 1 });
    const t0 = performance.now();
    await attacker.publishAsync(topics.cmd(FID, 'rebirth'), JSON.stringify({ id: 'after-flood' }), { qos: 1 });
    await until(() => expect(responses).toContainEqual(expect.objectContaining({ id: 'after-flood', ok: true })), 10_000);
    expect(performance.now() - t0).toBeLessThan(SERVICE_BOUND_MS);
    await until(() => expect(agent.uplink.stats().dropped.oversized).toBe(1));
    expect(INBOUND_LIMITS.ack).toBeLessThan(AGENT_MAX_PACKET_BYTES);
  });
});

describe('trust: what one forged message can no longer do', () => {
  it('an ACK from a client that is not the hub cannot confirm rows that were never sent', async () => {
    await hub.setAccepting(false); // the backlog waits: its rows stay unsent
    await agent.uplink.stop();
    const seqs = agent.recorder.recordMany([violation(20), violation(21), violation(22)]).map((r) => r.seq);
    const up = new Promise<void>((r) => agent.uplink.once('connected', () => r()));
    agent.uplink.start();
    await up;
    await until(() => expect(agent.uplink.stats().hubState).toEqual({ online: true, accepting: false }));
    await attacker.publishAsync(topics.ack(FID), JSON.stringify({ schema: 'qmon.ack/1', seqs }), { qos: 1 });
    await until(() => expect(agent.uplink.stats().ackedUnsent).toBe(3));
    expect(agent.store.rows({ fromSeq: seqs[0]!, toSeq: seqs[2]! }).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
    await hub.setAccepting(true); // now the real hub gets them, and its ACKs count
    await until(() => expect(agent.store.rows({ fromSeq: seqs[0]!, toSeq: seqs[2]! }).map((r) => r.status)).toEqual(['acked', 'acked', 'acked']), 10_000);
    expect(hub.deliveredSeqs(FID)).toEqual(expect.arrayContaining(seqs));
  });

  it('a retained set-policy is never obeyed: not when published, not queued, not on any reconnect', async () => {
    const responses: string[] = [];
    const onRes = (t: string, p: Buffer) => t === topics.res(FID) && responses.push(p.toString());
    attacker.on('message', onRes);
    await attacker.subscribeAsync(topics.res(FID), { qos: 1 });
    const evil = JSON.stringify({ id: 'evil', snapshot_upload: false });
    try {
      await attacker.publishAsync(topics.cmd(FID, 'set-policy'), evil, { qos: 1, retain: true }); // agent online: forwarded live
      await until(() => expect(agent.uplink.stats().dropped.retained_cmd).toBe(1));
      await agent.uplink.stop();
      await attacker.publishAsync(topics.cmd(FID, 'set-policy'), evil, { qos: 1, retain: true }); // agent away: queued for its session
      for (let round = 1; round <= 2; round++) {
        const up = new Promise<void>((r) => agent.uplink.once('connected', () => r()));
        agent.uplink.start();
        await up;
        // Round 1: the queued copy and the stored retained one; round 2: the retained one again.
        await until(() => expect(agent.uplink.stats().dropped.retained_cmd).toBe(round === 1 ? 3 : 4));
        expect(agent.uplink.policy().snapshotUpload).toBe(true);
        if (round === 1) await agent.uplink.stop();
      }
      expect(responses.filter((r) => r.includes('"evil"'))).toEqual([]); // ignored: no response either
    } finally {
      attacker.off('message', onRes);
      await attacker.publishAsync(topics.cmd(FID, 'set-policy'), '', { qos: 1, retain: true }); // clears it
    }
  });

  it('a forged seq 2^53 − 1 is refused: not stored, not acked, and gap detection keeps the real maximum', async () => {
    const acksSeen: number[] = [];
    const onAck = (t: string, p: Buffer) => t === topics.ack(FID) && acksSeen.push(...(JSON.parse(p.toString()) as { seqs: number[] }).seqs);
    attacker.on('message', onAck);
    await attacker.subscribeAsync(topics.ack(FID), { qos: 1 });
    const realMax = agent.store.stats().lastSeq;
    await until(() => expect(hub.facilities().find((f) => f.fid === FID)?.maxSeq).toBe(realMax));
    await attacker.publishAsync(topics.evt(FID), eventOf(FID, 99, Number.MAX_SAFE_INTEGER), { qos: 1 });
    await until(() => expect(hub.stats().dropped.seq_jump).toBe(1));
    const v = violation(30);
    agent.recorder.record(v); // the real agent goes on; its seq is tracked as before
    await until(() => expect(hub.facilities().find((f) => f.fid === FID)?.maxSeq).toBe(realMax + 1));
    expect(hub.deliveredSeqs(FID)).not.toContain(Number.MAX_SAFE_INTEGER);
    expect(acksSeen).not.toContain(Number.MAX_SAFE_INTEGER);
    expect(Math.max(...hub.deliveredSeqs(FID))).toBe(realMax + 1);
    attacker.off('message', onAck);
  });

  it('a forged retained status with session 2^53 − 1 is refused: the live facility stays online', async () => {
    await until(() => expect(hub.facilities().find((f) => f.fid === FID)?.status).toBe('online'));
    const session = hub.facilities().find((f) => f.fid === FID)!.session;
    await attacker.publishAsync(topics.status(FID), buildStatus(FID, 'offline', Number.MAX_SAFE_INTEGER, Date.now()), { qos: 1, retain: true });
    await until(() => expect(hub.stats().dropped.session_jump).toBe(1));
    expect(hub.facilities().find((f) => f.fid === FID)).toMatchObject({ status: 'online', session });
    // The agent's own next status (a reconnect) is still accepted as newer.
    await agent.uplink.stop();
    const up = new Promise<void>((r) => agent.uplink.once('connected', () => r()));
    agent.uplink.start();
    await up;
    await until(() => expect(hub.facilities().find((f) => f.fid === FID)).toMatchObject({ status: 'online', session: session + 1 }));
  });

  it('events from an unregistered facility create nothing: no facility, no event, no ACK', async () => {
    const before = hub.stats().dropped.unregistered ?? 0;
    const phantoms = ['zz-0001', 'zz-0002', 'zz-0003'];
    for (const fid of phantoms) {
      await attacker.publishAsync(topics.status(fid), buildStatus(fid, 'online', 1, Date.now()), { qos: 1 });
      await attacker.publishAsync(topics.evt(fid), eventOf(fid, 50, 1), { qos: 1 });
    }
    await until(() => expect(hub.stats().dropped.unregistered).toBe(before + 6));
    const known = (await hub.summaries()).map((f) => f.fid);
    for (const fid of phantoms) {
      expect(known).not.toContain(fid);
      expect(hub.events(fid)).toEqual([]);
    }
    expect(hub.facilities().map((f) => f.fid).sort()).toEqual([FID, OTHER].sort());
    expect(await otherEventAckedIn()).toBeLessThan(SERVICE_BOUND_MS);
  });
});
