// The contract's message table (contract/messages.ts, published as docs/asyncapi.yaml and the topic
// table of docs/hub-contract.md) says which QoS, retain flag and expiry each message has. This checks
// that the real agent and the real reference hub publish exactly that, as seen by an MQTT 5 client on
// Debian's mosquitto (retain-as-published, so the retain flag is the publisher's).
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES, parseTopic, topics, type ContractMessage } from '../../contract/index.js';
import type { ReferenceHub } from '../../hub/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { FID, makeAgent, makeHub, waitFor } from './harness.js';
import { Mosquitto, freePort } from './mosquitto.js';

let mosq: Mosquitto;
let tmp: { dir: string; cleanup: () => void };
let probe: MqttClient;
let hub: ReferenceHub;
let agent: ReturnType<typeof makeAgent>;
const seen: { name: string; packet: IPublishPacket }[] = [];

/** The message table's entry for a topic (commands by their name). */
function messageOf(topic: string): ContractMessage | undefined {
  const t = parseTopic(topic);
  if (!t) return undefined;
  const name = t.kind === 'evt' ? 'event' : t.kind === 'cmd' ? `cmd-${t.cmd}` : t.kind;
  return MESSAGES.find((m) => m.name === name);
}

beforeAll(async () => {
  tmp = tempDir('conformance');
  mosq = new Mosquitto(await freePort(), tmp.dir);
  await mosq.start();
  probe = await mqtt.connectAsync(mosq.url, { protocolVersion: 5, clientId: 'probe-conformance', reconnectPeriod: 0 });
  probe.on('message', (topic, _payload, packet) => {
    const m = messageOf(topic);
    if (m) seen.push({ name: m.name, packet });
  });
  await probe.subscribeAsync('qmon/v1/#', { qos: 1, rap: true });
  hub = makeHub(mosq.url, { clientId: 'hub-conformance' });
  await hub.start();
  agent = makeAgent(mosq.url);
});

afterAll(async () => {
  await agent.close();
  await hub.stop();
  await probe.endAsync();
  await mosq.stop('SIGTERM');
  tmp.cleanup();
});

describe('what the agent and the reference hub publish matches the contract table', () => {
  it('QoS, retain and MQTT 5 message expiry of status, birth, hb, cam-status, evt, res, ack and hub/state', async () => {
    const up = new Promise<void>((resolve) => agent.uplink.once('connected', () => resolve()));
    agent.uplink.start();
    await up;
    expect(agent.uplink.stats().protocolVersion).toBe(5);
    agent.uplink.setCameraStatus('corridor-a', { state: 'offline', reason: 'stall', since: Date.now() });
    agent.recorder.record(violation(1));
    await probe.publishAsync(topics.cmd(FID, 'rebirth'), JSON.stringify({ id: 'c1' }), { qos: 1 });
    const names = ['status', 'birth', 'hb', 'cam-status', 'event', 'ack', 'hub-state', 'cmd-rebirth', 'res'];
    await waitFor(() => expect(new Set(seen.map((s) => s.name))).toEqual(new Set(names)));

    for (const { name, packet } of seen.filter((s) => s.name !== 'cmd-rebirth')) { // that one the probe sent
      const m: ContractMessage = MESSAGES.find((x) => x.name === name)!;
      expect(packet.qos, `${name} QoS`).toBe(m.qos);
      expect(packet.retain, `${name} retain`).toBe(m.retain);
      const expiry = packet.properties?.messageExpiryInterval;
      if (m.expiryS === undefined) expect(expiry, `${name} expiry`).toBeUndefined();
      else {
        expect(expiry, `${name} expiry`).toBeLessThanOrEqual(m.expiryS);
        expect(expiry, `${name} expiry`).toBeGreaterThan(m.expiryS - 10); // the broker counts it down
      }
    }
  });
});
