/**
 * Snapshot transfer end to end over the embedded broker: the reference hub stores an event, asks the
 * agent for the image the event names (`cmd/snapshot`), and keeps what arrives only when it hashes to
 * that sha256. Real Store, Uplink, ReferenceHub and files on disk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker, startHubHttp, type HubEvents, type ReferenceHub } from '../../hub/index.js';
import type { Violation } from '../../agent/shared/types.js';
import { readSnapshotFile } from '../../agent/store/index.js';
import { topics } from '../../contract/index.js';
import type { UplinkEvents } from '../../agent/uplink/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { FID, makeAgent, makeHub, probeClient, waitFor } from './harness.js';

let broker: EmbeddedBroker;
let url: string;
let hub: ReferenceHub;
let agent: ReturnType<typeof makeAgent>;
let agentFiles: { dir: string; cleanup: () => void };
let hubFiles: { dir: string; cleanup: () => void };
let probe: MqttClient | null;
let commands: UplinkEvents['command'][0][];
let received: HubEvents['snapshot'][0][];

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A violation whose snapshot file exists in the agent's storage dir with these bytes. */
function withImage(i: number, bytes: Buffer, over: Partial<Violation> = {}): Violation {
  const v = violation(i, over);
  const file = `snapshots/${v.eventId}-r${v.rev}.jpg`;
  mkdirSync(dirname(join(agentFiles.dir, file)), { recursive: true });
  writeFileSync(join(agentFiles.dir, file), bytes);
  return { ...v, snapshot: { ...v.snapshot!, file, sha256: sha(bytes), bytes: bytes.length } };
}

async function start(over: Parameters<typeof makeAgent>[1] = {}): Promise<void> {
  agent = makeAgent(url, { snapshotFiles: (f) => readSnapshotFile(agentFiles.dir, f), ...over });
  agent.uplink.on('command', (c) => commands.push(c));
  const up = new Promise<void>((resolve) => agent.uplink.once('connected', () => resolve()));
  agent.uplink.start();
  await up;
}

beforeEach(async () => {
  broker = new EmbeddedBroker();
  ({ url } = await broker.start());
  agentFiles = tempDir('snap-agent');
  hubFiles = tempDir('snap-hub');
  hub = makeHub(url, { snapshotDir: hubFiles.dir });
  received = [];
  hub.on('snapshot', (s) => received.push(s));
  await hub.start();
  commands = [];
  probe = null;
});

afterEach(async () => {
  await probe?.endAsync();
  await agent.close();
  await hub.stop();
  await broker.stop();
  agentFiles.cleanup();
  hubFiles.cleanup();
});

describe('snapshot transfer (cmd/snapshot → snap/{event_id})', () => {
  it('the hub fetches each event’s image once, byte for byte, and leaves nothing retained on the broker', async () => {
    await start();
    const images = [0, 1, 2].map(() => randomBytes(20_000));
    const vs = images.map((b, i) => withImage(i, b));
    for (const v of vs) agent.recorder.record(v);
    await waitFor(() => expect(received.filter((r) => r.ok)).toHaveLength(3));
    vs.forEach((v, i) => {
      const row = hub.snapshot(FID, v.eventId);
      expect(row).toMatchObject({ sha256: v.snapshot!.sha256, bytes: 20_000 });
      expect(readFileSync(join(hubFiles.dir, row!.file))).toEqual(images[i]);
    });
    const answers = commands.filter((c) => c.name === 'snapshot');
    expect(answers).toHaveLength(3);
    expect(answers.every((c) => c.ok && c.error === null && c.result?.via === 'mqtt' && c.result.bytes === 20_000)).toBe(true);

    // A retained marker of our own on the same topic filter: once it has arrived, the broker has delivered the
    // retained messages of that subscription (the agent's would be among them), so none is waited for by time.
    probe = await probeClient(url);
    const marker = `qmon/v1/${FID}/snap/retained-marker`;
    await probe.publishAsync(marker, Buffer.from('marker'), { qos: 1, retain: true });
    const retained: string[] = [];
    probe.on('message', (t, _payload, packet) => {
      if (packet.retain) retained.push(t);
    });
    await probe.subscribeAsync(`qmon/v1/${FID}/snap/+`, { qos: 1 });
    await waitFor(() => expect(retained).toContain(marker));
    expect(retained).toEqual([marker]);
  });

  it('a revision with a better image makes the hub fetch that one and replace the old', async () => {
    await start();
    const first = withImage(0, randomBytes(5_000));
    agent.recorder.record(first);
    await waitFor(() => expect(hub.snapshot(FID, first.eventId)?.sha256).toBe(first.snapshot!.sha256));
    const better = randomBytes(6_000);
    const rev2 = withImage(0, better, { eventId: first.eventId, rev: 2, state: 'update' });
    agent.recorder.record(rev2);
    await waitFor(() => expect(hub.snapshot(FID, first.eventId)?.sha256).toBe(sha(better)));
    expect(readFileSync(join(hubFiles.dir, hub.snapshot(FID, first.eventId)!.file))).toEqual(better);
  });

  it('with snapshot_upload off the agent refuses and sends no image', async () => {
    await start({ snapshotUpload: false });
    // The agent publishes its command response after whatever the command itself sent, on the same connection:
    // once a probe has the response, an image sent before it would have reached the probe (and the hub) too.
    probe = await probeClient(url);
    const seen: string[] = [];
    probe.on('message', (t) => seen.push(t));
    await probe.subscribeAsync([`qmon/v1/${FID}/snap/+`, topics.res(FID)], { qos: 1 });
    const v = withImage(0, randomBytes(1_000));
    agent.recorder.record(v);
    await waitFor(() => expect(commands).toHaveLength(1));
    expect(commands[0]).toMatchObject({ name: 'snapshot', ok: false, error: expect.stringMatching(/snapshot_upload=false/) as unknown });
    await waitFor(() => expect(seen).toContain(topics.res(FID)));
    expect(seen.filter((t) => t !== topics.res(FID))).toEqual([]);
    expect(received).toEqual([]);
    expect(hub.snapshot(FID, v.eventId)).toBeUndefined();
  });

  it('an image deleted by retention is answered "gone", not sent', async () => {
    await start();
    const v = withImage(0, randomBytes(1_000));
    rmSync(join(agentFiles.dir, v.snapshot!.file));
    agent.recorder.record(v);
    await waitFor(() => expect(commands).toHaveLength(1));
    expect(commands[0]!.error).toMatch(/is gone/);
    expect(received).toEqual([]);
  });

  it('the hub keeps no image it cannot verify: a forged one for a stored event, or one for an unknown event', async () => {
    await start({ snapshotUpload: false }); // the real agent sends nothing, so only the forgeries arrive
    const v = withImage(0, randomBytes(1_000));
    agent.recorder.record(v);
    await waitFor(() => expect(hub.events(FID)).toHaveLength(1));
    probe = await probeClient(url);
    await probe.publishAsync(topics.snap(FID, v.eventId), randomBytes(1_000), { qos: 1 });
    await probe.publishAsync(topics.snap(FID, violation(7).eventId), randomBytes(1_000), { qos: 1 });
    await waitFor(() => expect(received).toHaveLength(2));
    expect(received.map((r) => r.ok)).toEqual([false, false]);
    expect(received[0]!.error).toMatch(/is not the one event .* names/);
    expect(received[1]!.error).toMatch(/no stored event/);
    expect(hub.snapshot(FID, v.eventId)).toBeUndefined();
    expect(existsSync(join(hubFiles.dir, FID))).toBe(false);
  });

  it('the hub serves a kept image over HTTP with its sha256, and answers 404/400/405 otherwise', async () => {
    await start();
    const image = randomBytes(2_000);
    const v = withImage(0, image);
    agent.recorder.record(v);
    await waitFor(() => expect(hub.snapshot(FID, v.eventId)).toBeDefined());
    const http = await startHubHttp(hub, '127.0.0.1', 0);
    try {
      const ok = await fetch(`${http.url}/snapshots/${FID}/${v.eventId}`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('image/jpeg');
      expect(ok.headers.get('x-qmon-sha256')).toBe(sha(image));
      expect(Buffer.from(await ok.arrayBuffer())).toEqual(image);
      expect((await fetch(`${http.url}/snapshots/${FID}/${violation(5).eventId}`)).status).toBe(404);
      expect((await fetch(`${http.url}/snapshots/${FID}/..%2Fhub.db`)).status).toBe(400);
      expect((await fetch(`${http.url}/snapshots/${FID}/${v.eventId}`, { method: 'DELETE' })).status).toBe(405);
    } finally {
      await http.close();
    }
  });
});
