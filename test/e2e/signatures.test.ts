/**
 * Issue #14's red-team finding, replayed with signatures on (docs/hub-contract.md, "Signatures"): a client
 * that can publish on a facility's topics (a wrong broker ACL, a stolen broker password) forges events and
 * ACKs. Real mosquitto (MQTT 5), a real agent (SQLite store + Uplink signing with its facility key, pinning the
 * hub's key) and a real ReferenceHub (signing with its key, verifying against its registry).
 * Before: forged events were stored and ACKed, and 19 real events never reached the hub.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildAck,
  buildHubState,
  encodeEvent,
  generateSigningKey,
  publicKeyBase64,
  signerOf,
  topics,
  trustedKeys,
  type Signer,
} from '../../contract/index.js';
import type { ReferenceHub } from '../../hub/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { FID, makeAgent, makeHub } from '../uplink/harness.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { until } from './faults-harness.js';

const OTHER = 'hn-0002';
const REAL_EVENTS = 20;

const hubKey = generateSigningKey();
const facilityKey = generateSigningKey();
const otherKey = generateSigningKey();
const attackerSigner = signerOf(generateSigningKey().privateKey);
const facilitySigner = signerOf(facilityKey.privateKey);
const otherSigner = signerOf(otherKey.privateKey);

let tmp: { dir: string; cleanup: () => void };
let mosq: Mosquitto;
let hub: ReferenceHub;
let agent: ReturnType<typeof makeAgent>;
let attacker: MqttClient;
const acksSeen: number[] = [];

const eventOf = (fid: string, i: number, seq: number, signer: Signer | null) => {
  const body = encodeEvent(violation(i), { fid, session: 1, seq, replay: false, clock: { synced: true, source: 'chrony' } });
  return signer ? signer.sign(topics.evt(fid), body) : body;
};

beforeAll(async () => {
  tmp = tempDir('signatures');
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
  hub = makeHub(mosq.url, {
    clientId: 'hub-sig',
    dbFile: `${tmp.dir}/hub.db`,
    facilities: [],
    facilityKeys: new Map([
      [FID, publicKeyBase64(facilityKey.publicKey)],
      [OTHER, publicKeyBase64(otherKey.publicKey)],
    ]),
    signingKey: hubKey.privateKey,
    requireSignatures: true,
  });
  await hub.start();
  attacker = await mqtt.connectAsync(mosq.url, { protocolVersion: 5, clientId: 'intruder', reconnectPeriod: 0 });
  attacker.on('message', (t, p) => t === topics.ack(FID) && acksSeen.push(...(JSON.parse(p.toString()) as { seqs: number[] }).seqs));
  await attacker.subscribeAsync(topics.ack(FID), { qos: 1 });
}, 30_000);

afterAll(async () => {
  await attacker?.endAsync();
  await agent?.close();
  await hub?.stop();
  await mosq?.stop('SIGTERM');
  tmp?.cleanup();
});

describe('forged events are neither stored nor ACKed', () => {
  it('unsigned, foreign-key and tampered events on a facility’s evt topic are dropped and counted', async () => {
    // The seqs the real agent is about to use: before signatures these forgeries were ACKed, and the
    // agent then marked its own rows with those seqs acked without ever sending them.
    for (let seq = 1; seq <= REAL_EVENTS; seq++) await attacker.publishAsync(topics.evt(FID), eventOf(FID, 500 + seq, seq, null), { qos: 1 });
    await attacker.publishAsync(topics.evt(FID), eventOf(FID, 600, 1, attackerSigner), { qos: 1 });
    const genuine = eventOf(FID, 601, 2, facilitySigner);
    const tampered = Buffer.from(genuine.toString('utf8').replace('"people":1', '"people":9'));
    expect(tampered.equals(genuine)).toBe(false);
    await attacker.publishAsync(topics.evt(FID), tampered, { qos: 1 });
    await until(() => expect(hub.stats().dropped).toMatchObject({ unsigned: REAL_EVENTS, unknown_key: 1, bad_signature: 1 }));
    expect(hub.events(FID)).toEqual([]);
    expect(hub.deliveredSeqs(FID)).toEqual([]);
    expect(hub.stats()).toMatchObject({ received: 0, acked: 0 });
    expect(acksSeen).toEqual([]);
  });

  it('a real signed event of one facility replayed on another facility’s topic is refused', async () => {
    const before = hub.stats().dropped.unknown_key ?? 0;
    const real = eventOf(OTHER, 700, 1, otherSigner); // captured from OTHER's topic
    await attacker.publishAsync(topics.evt(FID), real, { qos: 1 });
    await until(() => expect(hub.stats().dropped.unknown_key).toBe(before + 1));
    expect(hub.events(FID)).toEqual([]);
  });

  it('then all the real agent’s events arrive, each stored once and ACKed', async () => {
    agent = makeAgent(mosq.url, { signer: facilitySigner, hubKeys: trustedKeys([createPublicKey(hubKey.privateKey)]) });
    const up = new Promise<void>((r) => agent.uplink.once('connected', () => r()));
    agent.uplink.start();
    await up;
    const vs = Array.from({ length: REAL_EVENTS }, (_, i) => violation(i + 1));
    agent.recorder.recordMany(vs);
    await until(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: REAL_EVENTS }), 15_000);
    const stored = hub.events(FID);
    expect(stored.map((e) => e.eventId).sort()).toEqual(vs.map((v) => v.eventId).sort());
    expect(hub.deliveredSeqs(FID)).toEqual(Array.from({ length: REAL_EVENTS }, (_, i) => i + 1));
    expect(agent.uplink.stats().dropped).toEqual({}); // every ACK and the hub/state verified
  });
});

describe('the agent ignores what the hub did not sign', () => {
  it('a forged ACK, hub/state and command are dropped and counted; rows stay pending, nothing answered', async () => {
    const responses: string[] = [];
    attacker.on('message', (t, p) => t === topics.res(FID) && responses.push(p.toString()));
    await attacker.subscribeAsync(topics.res(FID), { qos: 1 });
    await hub.setAccepting(false); // the backlog waits, so its rows stay pending while the forgeries arrive
    await agent.uplink.stop();
    const seqs = agent.recorder.recordMany([violation(40), violation(41)]).map((r) => r.seq);
    const up = new Promise<void>((r) => agent.uplink.once('connected', () => r()));
    agent.uplink.start();
    await up;
    await until(() => expect(agent.uplink.stats().hubState).toEqual({ online: true, accepting: false }));
    await attacker.publishAsync(topics.ack(FID), buildAck(seqs), { qos: 1 });
    await attacker.publishAsync(topics.ack(FID), attackerSigner.sign(topics.ack(FID), buildAck(seqs)), { qos: 1 });
    // A real hub ACK for FID replayed from OTHER's ack topic: signed by the hub, but over the other topic.
    const otherAck = signerOf(hubKey.privateKey).sign(topics.ack(OTHER), buildAck(seqs));
    await attacker.publishAsync(topics.ack(FID), otherAck, { qos: 1 });
    await attacker.publishAsync(topics.hubState, buildHubState(true, true, Date.now()), { qos: 1 });
    await attacker.publishAsync(topics.cmd(FID, 'rebirth'), JSON.stringify({ id: 'forged' }), { qos: 1 });
    await until(() => expect(agent.uplink.stats().dropped).toMatchObject({ unsigned: 3, unknown_key: 1, bad_signature: 1 }));
    expect(agent.uplink.stats().hubState).toEqual({ online: true, accepting: false });
    expect(agent.uplink.stats().ackedUnsent).toBe(0); // refused before the ACK was even read
    expect(agent.store.rows({ fromSeq: seqs[0]!, toSeq: seqs[1]! }).map((r) => r.status)).toEqual(['pending', 'pending']);
    await hub.setAccepting(true); // the real, signed hub/state and ACKs still work
    await until(() => expect(agent.store.rows({ fromSeq: seqs[0]!, toSeq: seqs[1]! }).map((r) => r.status)).toEqual(['acked', 'acked']), 10_000);
    expect(responses.filter((r) => r.includes('"forged"'))).toEqual([]);
  });
});
