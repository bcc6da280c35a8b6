// The agent and the reference hub through Debian's real mosquitto (MQTT 5), restarted mid-stream.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceHub } from '../../hub/index.js';
import { readSnapshotFile } from '../../agent/store/index.js';
import { topics } from '../../contract/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { FID, makeAgent, makeHub, spyOnAgentPublishes, waitFor } from './harness.js';
import { Mosquitto, freePort } from './mosquitto.js';

let mosq: Mosquitto;
let tmp: { dir: string; cleanup: () => void };

beforeAll(async () => {
  tmp = tempDir('mosq');
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
});

afterAll(async () => {
  await mosq.stop('SIGTERM');
  tmp.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('uplink + hub over mosquitto', () => {
  it('delivers a stream of 200 events exactly once, without seq gaps, across a broker restart', async () => {
    const hub = makeHub(mosq.url, { clientId: 'hub-restart' });
    await hub.start();
    const agent = makeAgent(mosq.url, { replayRatePerS: 100 });
    const spy = spyOnAgentPublishes();
    try {
      const up = new Promise<void>((resolve) => agent.uplink.once('connected', () => resolve()));
      agent.uplink.start();
      await up;
      expect(agent.uplink.stats().protocolVersion).toBe(5);
      const ids = new Set<string>();
      for (let i = 0; i < 200; i++) {
        const v = violation(i);
        ids.add(v.eventId);
        agent.recorder.record(v);
        if (i === 80) await mosq.stop(); // SIGKILL while rows are in flight
        if (i === 130) await mosq.start(); // no persistence: sessions and retained messages are gone
        await sleep(3);
      }
      await waitFor(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 200 }), 40_000);
      expect(hub.deliveredSeqs(FID)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      const events = hub.events(FID);
      expect(events).toHaveLength(200);
      expect(new Set(events.map((e) => e.eventId))).toEqual(ids);
      expect(events.some((e) => e.replay)).toBe(true); // recorded while the broker was down
      expect(hub.stats().invalid).toBe(0);
      expect(spy.whileDisconnected()).toBe(0);
    } finally {
      spy.restore();
      await agent.close();
      await hub.stop();
    }
  });

  it('keeps a row pending when the broker says no one subscribes (PUBACK 0x10), and sends it once a hub is there', async () => {
    // A restart (no persistence) clears the earlier hub's persistent session, which would
    // otherwise still subscribe and have the broker queue events for it.
    await mosq.stop();
    await mosq.start();
    const agent = makeAgent(mosq.url);
    let hub: ReferenceHub | null = null;
    try {
      const noSubs: number[] = [];
      agent.uplink.on('no_subscribers', (e) => noSubs.push(e.seq));
      const up = new Promise<void>((resolve) => agent.uplink.once('connected', () => resolve()));
      agent.uplink.start();
      await up;
      agent.recorder.record(violation(1));
      await waitFor(() => expect(noSubs).toEqual([1]));
      expect(agent.store.rows({ fromSeq: 1, toSeq: 1 })[0]).toMatchObject({ status: 'pending', attempts: 1 });
      hub = makeHub(mosq.url, { clientId: 'hub-late' });
      await hub.start();
      await waitFor(() => expect(agent.store.stats()).toMatchObject({ pending: 0, acked: 1 }), 15_000);
      expect(hub.deliveredSeqs(FID)).toEqual([1]);
    } finally {
      await agent.close();
      await hub?.stop();
    }
  });

  it('spreads events over two hub consumers with a shared subscription, each delivered once', async () => {
    await mosq.stop();
    await mosq.start();
    const hubA = makeHub(mosq.url, { clientId: 'hub-a', shared: true });
    const hubB = makeHub(mosq.url, { clientId: 'hub-b', shared: true });
    await hubA.start();
    await hubB.start();
    const agent = makeAgent(mosq.url);
    try {
      const up = new Promise<void>((resolve) => agent.uplink.once('connected', () => resolve()));
      agent.uplink.start();
      await up;
      for (let i = 0; i < 40; i++) agent.recorder.record(violation(i));
      await waitFor(() => expect(agent.store.stats()).toMatchObject({ pending: 0, sent: 0, acked: 40 }));
      const a = hubA.deliveredSeqs(FID);
      const b = hubB.deliveredSeqs(FID);
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(a.length).toBeGreaterThan(0);
      expect(b.length).toBeGreaterThan(0);
    } finally {
      await agent.close();
      await hubA.stop();
      await hubB.stop();
    }
  });

  it('echoes MQTT 5 correlation data on command responses', async () => {
    const agent = makeAgent(mosq.url);
    const probe = await mqtt.connectAsync(mosq.url, { protocolVersion: 5, clientId: 'probe-v5', reconnectPeriod: 0 });
    try {
      const up = new Promise<void>((resolve) => agent.uplink.once('connected', () => resolve()));
      agent.uplink.start();
      await up;
      const got: { body: Record<string, unknown>; corr?: Buffer }[] = [];
      probe.on('message', (_t, payload, packet) =>
        got.push({ body: JSON.parse(payload.toString()) as Record<string, unknown>, corr: packet.properties?.correlationData }),
      );
      await probe.subscribeAsync(topics.res(FID), { qos: 1 });
      await probe.publishAsync(topics.cmd(FID, 'self-destruct'), '{}', {
        qos: 1,
        properties: { responseTopic: topics.res(FID), correlationData: Buffer.from('req-42') },
      });
      await probe.publishAsync(topics.cmd(FID, 'set-policy'), '{"heartbeat_s":30}', {
        qos: 1,
        properties: { responseTopic: topics.res(FID), correlationData: Buffer.from('req-43') },
      });
      await waitFor(() => expect(got).toHaveLength(2));
      expect(got[0]?.body).toMatchObject({ ok: false, error: 'unknown command "self-destruct"' });
      expect(got[0]?.corr?.toString()).toBe('req-42');
      expect(got[1]?.body).toMatchObject({ ok: true, cmd: 'set-policy', result: { heartbeat_s: 30 } });
      expect(got[1]?.corr?.toString()).toBe('req-43');
    } finally {
      await probe.endAsync();
      await agent.close();
    }
  });

  it('sends a requested snapshot over MQTT 5 not retained and with an expiry, and the hub keeps the verified bytes', async () => {
    const files = tempDir('mosq-snap');
    const image = randomBytes(30_000);
    const v0 = violation(1);
    const file = `snapshots/${v0.eventId}-r1.jpg`;
    mkdirSync(join(files.dir, 'snapshots'));
    writeFileSync(join(files.dir, file), image);
    const v = { ...v0, snapshot: { ...v0.snapshot!, file, sha256: createHash('sha256').update(image).digest('hex'), bytes: image.length } };
    // Its own facility: FID's earlier tests left the file's hub holding its seqs, and a fresh store under that fid
    // would be re-based (cmd/rebase: a reconnect) while the snapshot is asked for.
    const fid = 'snap-0001';
    const hub = makeHub(mosq.url, { clientId: 'hub-snap', snapshotDir: join(files.dir, 'hub'), facilities: [fid] });
    const agent = makeAgent(mosq.url, { fid, snapshotFiles: (f) => readSnapshotFile(files.dir, f) });
    const probe = await mqtt.connectAsync(mosq.url, { protocolVersion: 5, clientId: 'probe-snap', reconnectPeriod: 0 });
    try {
      const seen: { retain: boolean; expiry?: number; bytes: number }[] = [];
      probe.on('message', (_t, payload, packet) =>
        seen.push({ retain: packet.retain, expiry: packet.properties?.messageExpiryInterval, bytes: payload.length }),
      );
      await probe.subscribeAsync(topics.snap(fid, v.eventId), { qos: 1 });
      await hub.start();
      const up = new Promise<void>((resolve) => agent.uplink.once('connected', () => resolve()));
      agent.uplink.start();
      await up;
      agent.recorder.record(v);
      await waitFor(() => expect(hub.snapshot(fid, v.eventId)?.sha256).toBe(v.snapshot.sha256), 15_000);
      expect(readFileSync(join(files.dir, 'hub', hub.snapshot(fid, v.eventId)!.file))).toEqual(image);
      await waitFor(() => expect(seen).toHaveLength(1));
      expect(seen[0]!.retain).toBe(false);
      expect(seen[0]!.bytes).toBe(image.length);
      expect(seen[0]!.expiry).toBeGreaterThan(0);
      expect(seen[0]!.expiry).toBeLessThanOrEqual(600);
    } finally {
      await probe.endAsync();
      await agent.close();
      await hub.stop();
      files.cleanup();
    }
  });
});
