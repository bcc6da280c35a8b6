/**
 * The red-team runs of issues #10, #14 and #21, replayed. First round (issue #10): each attack is one message (or a few) from a client that is not the
 * hub and not the agent, against Debian's real mosquitto (MQTT 5), a real agent (SQLite store + Uplink) and a
 * real ReferenceHub with its own SQLite file. Each test checks the attack is refused, counted, and that the
 * system keeps doing its job for everyone else within a bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_MAX_PACKET_BYTES,
  buildHubState,
  buildStatus,
  encodeEvent,
  facilityBudget,
  HUB_MAX_PACKET_BYTES,
  INBOUND_LIMITS,
  MESSAGES,
  openSigned,
  parseTopic,
  schemaFileOf,
  signerOf,
  topics,
  trustedKeys,
} from '../../contract/index.js';
import type { ReferenceHub } from '../../hub/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { runFleet, type FleetSummary } from '../../hub/sim/index.js';
import { simKey } from '../../hub/sim/keys.js';
import { standardValidator } from '../contract/standard-validator.js';
import { tempDir, violation } from '../store/fixtures.js';
import { FID, makeAgent, makeHub } from '../uplink/harness.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { agentAt, sleep, until } from './faults-harness.js';
import { AGENT_A, AGENT_B, DeployedRig, FLOODER, SIM_FIDS, SIM_PREFIX, type Captured } from './red-team-rig.js';

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
    await until(() => expect(hub.facilities().find((f) => f.fid === FID)).toMatchObject({ status: 'online', session: agent.uplink.stats().session }));
    expect(agent.uplink.stats().session).toBeGreaterThan(session);
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

/**
 * Issue #21, round two, on the hub as deployed: mosquitto on the project's template (TLS, certificate CN as the
 * username, the identity-bound ACL), `qmon hub run --ca/--cert/--key` as the only hub, two real agents (one in a
 * child process, to be SIGKILLed), `qmon sim` facilities, and a registered facility that misbehaves with valid
 * credentials. The observer records every message on the broker; the last test validates all of it against
 * docs/schemas with a standard validator.
 */
describe('the hub as deployed: template broker, qmon hub run --ca/--cert/--key (issue 21)', () => {
  const clockInfo = { synced: true, source: 'chrony' };
  let rig: DeployedRig;
  let agentB: ReturnType<typeof agentAt>;
  let childA: ChildProcess;
  let observer: MqttClient;
  let fleet: Promise<FleetSummary>;
  let bIndex = 20_000;

  const bAgent = (dir: string) =>
    agentAt(join(rig.dir, dir), rig.brokerUrl, systemClock, {
      fid: AGENT_B,
      tls: rig.tls(AGENT_B),
      signer: signerOf(rig.keys.get(AGENT_B)!),
      hubKeys: trustedKeys([rig.hubKey.publicKey]),
      heartbeatS: 1,
      replayRatePerS: 100,
    });
  const floodEvent = (seq: number) =>
    signerOf(simKey(FLOODER)).sign(topics.evt(FLOODER), encodeEvent(violation(60_000 + seq), { fid: FLOODER, session: 1, seq, replay: false, clock: clockInfo }));
  const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * q) - 1)]!;

  beforeAll(async () => {
    rig = await DeployedRig.start();
    await rig.provision();
    await rig.startHub();
    observer = await rig.observe();
    agentB = bAgent('agent-b');
    agentB.uplink.setCameraStatus('corridor-a', { state: 'online', since: Date.now() });
    const up = agentB.connected();
    agentB.uplink.start();
    await up;
    childA = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'red-team-agent.ts'), join(rig.dir, 'agent-a'), rig.brokerUrl, AGENT_A, rig.dir, join(rig.dir, `${AGENT_A}-key.pem`), join(rig.dir, 'hub-key.pub.pem')],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    childA.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await until(() => expect(out, 'agent A (child process) to be ACKed by the hub').toContain('ready'), 60_000);
    fleet = runFleet({ url: rig.brokerUrl, facilities: SIM_FIDS.length, prefix: SIM_PREFIX, seconds: 3, ratePerS: 2, outageS: 0, heartbeatMs: 1_000, drainTimeoutS: 60, tls: (fid) => rig.tls(fid) }).done;
  }, 120_000);

  afterAll(async () => {
    await agentB?.close();
    childA?.kill('SIGKILL');
    await rig?.close();
  });

  it('the hub connects with its certificate and no password; its files are private; no secret in any child’s argv or environment', async () => {
    // Online on the template, announced with its signature; agents and `qmon sim` facilities get their ACKs.
    await until(() => expect(rig.last(topics.hubState), 'the retained hub/state').toBeDefined());
    const state = rig.last(topics.hubState)!;
    expect(openSigned(topics.hubState, state.payload, trustedKeys([rig.hubKey.publicKey])).ok).toBe(true);
    expect(JSON.parse(state.payload.toString())).toMatchObject({ online: true, accepting: true });
    expect(await fleet).toMatchObject({ drained: true, unacked: 0, duplicate_acks: 0 });
    const { seq } = agentB.recorder.record(violation(bIndex++));
    await until(() => expect(agentB.store.rows({ fromSeq: seq, toSeq: seq })[0]?.status).toBe('acked'));
    // Private whatever the umask: its folder (made by the hub), the database and its WAL and shared memory.
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect(mode(rig.hubDataDir)).toBe('700');
    const files = readdirSync(rig.hubDataDir);
    expect(files).toEqual(expect.arrayContaining(['hub.db', 'hub.db-wal', 'hub.db-shm']));
    for (const f of files) expect(`${f} ${mode(join(rig.hubDataDir, f))}`).toBe(`${f} 600`);
    // Every child: the hub, agent A, the broker. No key, token or password in what `ps` and /proc show.
    const secrets = [
      rig.token,
      pemBody(rig.hubKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
      pemBody(rig.keys.get(AGENT_A)!.export({ format: 'pem', type: 'pkcs8' }).toString()),
      pemBody(readFileSync(join(rig.dir, 'hub.key'), 'utf8')),
    ];
    for (const pid of [rig.hub!.pid!, childA.pid!, rig.mosq.pid!]) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      for (const s of secrets) {
        expect(argv.includes(s), `a secret in the argv of ${pid}`).toBe(false);
        expect(env.includes(s), `a secret in the environment of ${pid}`).toBe(false);
      }
      expect(argv).not.toMatch(/:\/\/[^/\s]*:[^/\s@]*@/); // no user:password@ in a URL
      expect(env).not.toMatch(/PASSWORD|PGPASS|TOKEN/);
    }
  });

  // The stall this guards against was seconds long (5.4 s ACKs, 6.3 s HTTP). The flooder's first half second is its
  // burst allowance (facilityBudget().messages.burst, by design: a facility reconnecting after an outage replays that
  // fast): those messages are verified and committed, and on a 2-vCPU box running other test files beside this one the
  // other facility's first one or two samples then wait up to ~300 ms (seen in the full suite: ACK 203 ms, HTTP 281 and
  // 327 ms, the rest under 100). So: every sample under 1 s, and p95 under 200 ms once the burst is spent (from 0.5 s
  // of flood at 100× the rate). 3 s of flood (15,000 signed messages) keeps the test well inside its timeout.
  it('a facility flooding signed events at 100× its budget leaves another facility’s ACK p95 and the HTTP API under 200 ms, none over 1 s', async () => {
    const rate = facilityBudget().messages.perS * 100;
    const seconds = 3;
    const payloads = Array.from({ length: rate * seconds }, (_, i) => floodEvent(i + 1)); // signed before the clock starts
    const flooder = await rig.connectAs(FLOODER);
    const sentAt = new Map<number, number>();
    const ackMs: number[] = [];
    const httpMs: number[] = [];
    /** When each sample's request was made, ms after the flood began (its burst allowance is spent by 500 ms). */
    const ackStart: number[] = [];
    const httpStart: number[] = [];
    agentB.uplink.on('acked', ({ seqs }) => {
      for (const s of seqs) {
        const t = sentAt.get(s);
        if (t === undefined) continue;
        ackMs.push(performance.now() - t);
        ackStart.push(t - t0);
        sentAt.delete(s);
      }
    });
    let sent = 0;
    const t0 = performance.now();
    const flood = (async () => {
      while (sent < payloads.length) {
        const due = Math.min(payloads.length, Math.round(((performance.now() - t0) / 1000) * rate));
        for (; sent < due; sent++) flooder.publish(topics.evt(FLOODER), payloads[sent]!, { qos: 0 });
        await sleep(5);
      }
    })();
    const others = (async () => {
      while (sent < payloads.length) {
        sentAt.set(agentB.recorder.record(violation(bIndex++)).seq, performance.now());
        const asked = performance.now() - t0;
        httpMs.push((await rig.get('/facilities')).ms);
        httpStart.push(asked);
        await sleep(20);
      }
    })();
    await Promise.all([flood, others]);
    await until(() => expect(sentAt.size, 'every event of the other facility ACKed').toBe(0), 20_000);
    const acks = `ACK ms of the other facility: ${ackMs.map(Math.round).join(' ')}`;
    const https = `GET /facilities ms: ${httpMs.map(Math.round).join(' ')}`;
    const afterBurst = (ms: number[], start: number[]) => ms.filter((_, i) => start[i]! >= 500);
    expect(afterBurst(ackMs, ackStart).length, acks).toBeGreaterThan(20);
    expect(afterBurst(httpMs, httpStart).length, https).toBeGreaterThan(20);
    expect(quantile(afterBurst(ackMs, ackStart), 0.95), acks).toBeLessThan(200);
    expect(quantile(afterBurst(httpMs, httpStart), 0.95), https).toBeLessThan(200);
    expect(Math.max(...ackMs), acks).toBeLessThan(1_000);
    expect(Math.max(...httpMs), https).toBeLessThan(1_000);
    // The excess was dropped before it was verified or parsed, and said so (named, counted at the end).
    await until(() => expect(rig.drops('over_rate')[0]).toMatchObject({ fid: FLOODER }));
    const admitted = (await rig.facility(FLOODER))?.deliveries ?? 0;
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThan(payloads.length / 10);
  }, 90_000); // 15,000 messages signed, sent and counted: ~15 s alone, about twice that beside the rest of the suite

  it('a +999,999 seq jump from that facility’s own key is refused and flagged: not stored, the maximum unchanged', async () => {
    const flooder = await rig.connectAs(FLOODER);
    await sleep(1_500); // its budget refills
    let max = -1;
    await until(async () => {
      const [before, now] = [max, (await rig.facility(FLOODER))?.max_seq ?? 0];
      max = now;
      expect(now, 'the flood to be committed').toBe(before);
    }, 10_000);
    const jump = max + 999_999;
    flooder.publish(topics.evt(FLOODER), floodEvent(jump), { qos: 1 });
    await until(() => expect(rig.drops('seq_jump')).toContainEqual(expect.objectContaining({ fid: FLOODER, seq: jump })));
    expect((await rig.facility(FLOODER))?.max_seq).toBe(max);
    const events = (await rig.get<{ events: { seq: number }[] }>(`/events?fid=${FLOODER}&limit=1000`)).body.events;
    expect(events.map((e) => e.seq)).not.toContain(jump);
  });

  it('a replayed hub/state offline (signed by the hub) is corrected within one heartbeat', async () => {
    const heartbeatMs = 1_000;
    const stale = signerOf(rig.hubKey.privateKey).sign(topics.hubState, buildHubState(false, false, Date.now() - 3_600_000));
    const t0 = Date.now();
    await observer.publishAsync(topics.hubState, stale, { qos: 1, retain: true });
    const isCorrection = (m: Captured) => m.topic === topics.hubState && m.at >= t0 && (JSON.parse(m.payload.toString()) as { online: boolean }).online;
    await until(() => expect(rig.captured.some(isCorrection), 'the hub’s own hub/state after the replay').toBe(true), 10_000);
    const corrected = rig.captured.find(isCorrection)!;
    expect(corrected.at - t0).toBeLessThan(heartbeatMs);
    await until(() => expect(agentB.uplink.stats().hubState).toEqual({ online: true, accepting: true }));
    // A backlog is not held: a row recorded while disconnected goes out.
    await agentB.uplink.stop();
    const { seq } = agentB.recorder.record(violation(bIndex++));
    const up = agentB.connected();
    agentB.uplink.start();
    await up;
    await until(() => expect(agentB.store.rows({ fromSeq: seq, toSeq: seq })[0]?.status).toBe('acked'), 10_000);
  });

  it('an agent whose data dir was replaced keeps its facility online and its deliveries exact', async () => {
    await until(() => expect(agentB.store.stats()).toMatchObject({ pending: 0, sent: 0 }));
    const before = (await rig.facility(AGENT_B))!;
    expect(before).toMatchObject({ status: 'online', missing_seqs: 0 });
    await agentB.close();
    agentB = bAgent('agent-b-new-disk'); // a disk swap: an empty data dir, the same identity and keys
    const fresh = [violation(bIndex++), violation(bIndex++), violation(bIndex++)];
    agentB.recorder.recordMany(fresh); // recorded before it reaches the hub: seqs 1..3, long delivered from the old disk
    const up = agentB.connected();
    agentB.uplink.start();
    await up;
    const live = violation(bIndex++);
    await until(() => expect(agentB.uplink.isLive()).toBe(true));
    agentB.recorder.record(live);
    await until(() => expect(agentB.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 4 }), 30_000);
    await until(async () => expect(await rig.facility(AGENT_B)).toMatchObject({ status: 'online', deliveries: before.deliveries + 4 }));
    const after = (await rig.facility(AGENT_B))!;
    expect(after.session).toBeGreaterThan(before.session);
    expect(after).toMatchObject({ max_seq: (before.max_seq ?? 0) + 4, missing_seqs: 0, events: before.events + 4 });
    expect(agentB.store.lastSeq()).toBe((before.max_seq ?? 0) + 4);
    const stored = (await rig.get<{ events: { event_id: string }[] }>(`/events?fid=${AGENT_B}&limit=1000`)).body.events.map((e) => e.event_id);
    for (const v of [...fresh, live]) expect(stored).toContain(v.eventId);
  });

  it('a replayed heartbeat and status after SIGKILL do not keep the facility online past the heartbeat window', async () => {
    await until(() => expect(rig.captured.filter((m) => m.topic === topics.hb(AGENT_A)).length, 'heartbeats of agent A').toBeGreaterThanOrEqual(3));
    const hb = rig.last(topics.hb(AGENT_A))!;
    const online = rig.last(topics.status(AGENT_A), (b) => b.state === 'online')!;
    childA.kill('SIGKILL');
    await sleep(1_500); // the last real heartbeat is in
    const lastReal = (await rig.facility(AGENT_A))!.last_heartbeat_at;
    expect(lastReal).not.toBeNull();
    // Replayed by a client the ACL lets publish there (a stolen certificate, or a wrong ACL): the signature is A's.
    const replay = setInterval(() => {
      observer.publish(topics.hb(AGENT_A), hb.payload, { qos: 0 });
      observer.publish(topics.status(AGENT_A), online.payload, { qos: 1, retain: true });
    }, 500);
    try {
      // The Will (delay 30 s on MQTT 5) ends the session; replays before and after it change nothing.
      await until(async () => expect((await rig.facility(AGENT_A))?.status, 'agent A offline (its Will)').toBe('offline'), 45_000);
      await sleep(3_000);
      const f = (await rig.facility(AGENT_A))!;
      expect(f.status).toBe('offline');
      expect(f.last_heartbeat_at).toBe(lastReal); // so it goes stale 180 s after the real one, whatever is replayed
    } finally {
      clearInterval(replay);
    }
    // Each replay refused and counted as `stale` (the counters at the end); the log names the first of each minute.
    expect(rig.drops('stale').length).toBeGreaterThan(0);
  }, 60_000);

  it('every message of this run validates against docs/schemas with a standard validator', () => {
    const v = standardValidator();
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    for (const m of rig.captured) {
      if (m.payload.length === 0) continue; // a cleared retained message
      const t = parseTopic(m.topic);
      if (t === null || t.kind === 'snap') continue;
      const byTopic = MESSAGES.find((x) => 'schemaFile' in x && topicMatches(x.channel, m.topic));
      const body = JSON.parse(m.payload.toString()) as Record<string, unknown>;
      const files = [...(byTopic && 'schemaFile' in byTopic ? [byTopic.schemaFile] : []), ...(typeof body.schema === 'string' ? [schemaFileOf(body.schema)] : [])];
      if (files.length === 0) failures.push(`${m.topic}: no published schema names it`);
      for (const f of files) {
        if (!v.files.has(f)) failures.push(`${m.topic}: "${String(body.schema)}" names ${f}, which is not published`);
        else for (const e of v.validate(f, body)) failures.push(`${m.topic} against ${f}: ${e}`);
      }
      kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
    }
    expect(failures.slice(0, 20), v.name).toEqual([]);
    for (const k of ['evt', 'status', 'birth', 'hb', 'cam-status', 'res', 'ack', 'cmd', 'hub-state']) expect(kinds.get(k) ?? 0, k).toBeGreaterThan(0);
  });

  it('stops cleanly, and its counters say what it refused, by reason', async () => {
    const out = await rig.stopHub();
    const summary = out.split('\n').find((l) => l.includes('events received')) ?? '';
    for (const reason of ['over_rate', 'seq_jump', 'stale']) expect(summary).toMatch(new RegExp(`\\d+ ${reason}`));
  });
});

/** Whether a topic is an instance of a channel with `{param}` parts. */
function topicMatches(channel: string, topic: string): boolean {
  const a = channel.split('/');
  const b = topic.split('/');
  return a.length === b.length && a.every((p, i) => p.startsWith('{') || p === b[i]);
}

/** The base64 body of a PEM (what would leak), without its armour lines. */
function pemBody(pem: string): string {
  return pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join('');
}
