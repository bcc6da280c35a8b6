/**
 * Snapshot upload over the hub's one-time HTTPS URL (the contract's first way), against the real
 * upload service with a throwaway CA made by openssl: the agent PUTs only to the hub's own host,
 * checks the server certificate against the pinned CA, and falls back to MQTT when the upload fails.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker, startHubUpload, type HubUpload, type ReferenceHub } from '../../hub/index.js';
import type { Violation } from '../../agent/shared/types.js';
import { readSnapshotFile } from '../../agent/store/index.js';
import { encodeEvent, topics } from '../../contract/index.js';
import type { UplinkEvents } from '../../agent/uplink/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { makeCa } from './certs.js';
import { FID, makeAgent, makeHub, probeClient, waitFor } from './harness.js';

let broker: EmbeddedBroker;
let url: string;
let tmp: { dir: string; cleanup: () => void };
let pki: { ca: Buffer; cert: Buffer; key: Buffer; otherCa: Buffer };
let upload: HubUpload;
let hub: ReferenceHub;
let agent: ReturnType<typeof makeAgent> | null;
let probe: MqttClient;
let overMqtt: string[];
let commands: UplinkEvents['command'][0][];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function withImage(i: number, bytes: Buffer): Violation {
  const v = violation(i);
  const file = `snapshots/${v.eventId}-r1.jpg`;
  mkdirSync(join(tmp.dir, 'agent', 'snapshots'), { recursive: true });
  writeFileSync(join(tmp.dir, 'agent', file), bytes);
  return { ...v, snapshot: { ...v.snapshot!, file, sha256: sha(bytes), bytes: bytes.length } };
}

/** Hub with its upload service at `base` (the URL it hands out), and an agent pinning `ca`. */
async function start(base: (uploadUrl: string) => string, ca: Buffer): Promise<void> {
  upload = await startHubUpload({ acceptUpload: (...a) => hub.acceptUpload(...a) }, { host: '127.0.0.1', port: 0, cert: pki.cert, key: pki.key });
  hub = makeHub(url, { snapshotDir: join(tmp.dir, 'hub'), uploadUrl: base(upload.url) });
  await hub.start();
  // The agent pins the upload service's port (hub.upload_port), here the one the service got.
  const uploadPort = Number(new URL(upload.url).port);
  agent = makeAgent(url, { snapshotFiles: (f) => readSnapshotFile(join(tmp.dir, 'agent'), f), tls: { ca }, uploadPort });
  agent.uplink.on('command', (c) => commands.push(c));
  const up = new Promise<void>((resolve) => agent!.uplink.once('connected', () => resolve()));
  agent.uplink.start();
  await up;
}

beforeEach(async () => {
  tmp = tempDir('snap-https');
  const ca = makeCa(tmp.dir, 'hub-ca');
  const leaf = ca.issue('hub-upload', 'IP:127.0.0.1');
  const other = makeCa(tmp.dir, 'other-ca');
  pki = { ca: readFileSync(ca.ca), cert: readFileSync(leaf.cert), key: readFileSync(leaf.key), otherCa: readFileSync(other.ca) };
  broker = new EmbeddedBroker();
  ({ url } = await broker.start());
  probe = await probeClient(url);
  overMqtt = [];
  probe.on('message', (t) => overMqtt.push(t));
  await probe.subscribeAsync(`qmon/v1/${FID}/snap/+`, { qos: 1 });
  commands = [];
  agent = null;
});

afterEach(async () => {
  await agent?.close();
  await hub.stop();
  await upload.close();
  await probe.endAsync();
  await broker.stop();
  tmp.cleanup();
});

describe('snapshot upload over a one-time HTTPS URL', () => {
  it('PUTs the image to the hub, which keeps it; nothing goes over MQTT', async () => {
    await start((u) => u, pki.ca);
    const image = randomBytes(50_000);
    const v = withImage(0, image);
    agent!.recorder.record(v);
    await waitFor(() => expect(hub.snapshot(FID, v.eventId)?.sha256).toBe(sha(image)));
    expect(readFileSync(join(tmp.dir, 'hub', hub.snapshot(FID, v.eventId)!.file))).toEqual(image);
    await waitFor(() => expect(commands).toHaveLength(1));
    expect(commands[0]).toMatchObject({ ok: true, result: { via: 'https', status: 201, bytes: 50_000 } });
    expect(overMqtt).toEqual([]);
  });

  it('falls back to MQTT when the upload server’s certificate is not from the pinned CA', async () => {
    await start((u) => u, pki.otherCa);
    const image = randomBytes(1_000);
    const v = withImage(0, image);
    agent!.recorder.record(v);
    await waitFor(() => expect(hub.snapshot(FID, v.eventId)?.sha256).toBe(sha(image)));
    expect(commands[0]).toMatchObject({ ok: true, result: { via: 'mqtt', upload_error: expect.stringMatching(/certificate/) as unknown } });
    expect(commands[0]!.result!.upload_error).not.toMatch(/token=/);
    expect(overMqtt).toEqual([topics.snap(FID, v.eventId)]);
  });

  it('refuses an upload URL on another host than the hub’s, and sends nothing anywhere', async () => {
    await start((u) => u.replace('127.0.0.1', 'localhost'), pki.ca);
    const v = withImage(0, randomBytes(1_000));
    agent!.recorder.record(v);
    await waitFor(() => expect(commands).toHaveLength(1));
    expect(commands[0]).toMatchObject({ ok: false, error: expect.stringMatching(/host localhost is not the hub's \(127\.0\.0\.1\)/) as unknown });
    expect(hub.snapshot(FID, v.eventId)).toBeUndefined();
    expect(overMqtt).toEqual([]);
  });

  it('refuses an upload URL on the hub’s host but another port (another service there), sends nothing, counts it', async () => {
    const decoy = await startHubUpload({ acceptUpload: () => Promise.resolve({ ok: false, status: 500, error: 'decoy' }) }, { host: '127.0.0.1', port: 0, cert: pki.cert, key: pki.key });
    try {
      await start(() => decoy.url, pki.ca);
      const v = withImage(0, randomBytes(1_000));
      agent!.recorder.record(v);
      await waitFor(() => expect(commands).toHaveLength(1));
      const decoyPort = new URL(decoy.url).port;
      expect(commands[0]).toMatchObject({ ok: false, error: expect.stringMatching(new RegExp(`port ${decoyPort} is not the hub's upload port`)) as unknown });
      expect(commands[0]!.error).not.toMatch(/token/);
      expect(agent!.uplink.stats().uploadRefused).toBe(1);
      expect(hub.snapshot(FID, v.eventId)).toBeUndefined();
      expect(overMqtt).toEqual([]);
    } finally {
      await decoy.close();
    }
  });

  it('the upload service takes a token once, for its own event and bytes only', async () => {
    await start((u) => u, pki.ca);
    // The hub's own request for an event, read off the broker; the agent is gone, so the PUTs below are ours.
    const image = randomBytes(1_000);
    const v = withImage(0, image);
    const asked: string[] = [];
    probe.on('message', (t, p) => t.endsWith('/cmd/snapshot') && asked.push((JSON.parse(p.toString()) as { upload_url: string }).upload_url));
    await probe.subscribeAsync(topics.cmd(FID, 'snapshot'), { qos: 1 });
    await agent!.close();
    agent = null;
    await probe.publishAsync(topics.evt(FID), encodeEvent(v, { fid: FID, session: 1, seq: 1, replay: false, clock: { synced: true, source: 'test' } }), { qos: 1 });
    await waitFor(() => expect(asked).toHaveLength(1));
    const put = (u: string, body: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const req = request(u, { method: 'PUT', ca: pki.ca }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
    const good = asked[0]!;
    expect(await put(good.replace(v.eventId, violation(3).eventId), image)).toBe(403); // token of another event
    expect(await put(good, randomBytes(1_000))).toBe(422); // not the bytes the event names (token now spent)
    expect(await put(good, image)).toBe(403); // spent
    expect(await put(good.replace(/token=.*/, 'token=' + 'x'.repeat(32)), image)).toBe(403);
    expect(await put(good.replace('/upload/', '/nope/'), image)).toBe(404);
    expect(hub.snapshot(FID, v.eventId)).toBeUndefined();
  });
});
