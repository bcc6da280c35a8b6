/**
 * The broker template of packaging/broker/mosquitto (docs/broker.md) on Debian's real mosquitto, with a
 * throwaway openssl CA: a facility's certificate (CN = its fid) may touch only its own topics, whatever
 * client id it connects with. Issue #14 saw the old `%c` (client id) ACL let a client authenticated as A that
 * called itself B publish on B's `ack` and `evt`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAck, buildHubState, topics } from '../../contract/index.js';
import { tempDir } from '../store/fixtures.js';
import { makeCa } from '../uplink/certs.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { templateSettings, writeTemplateAcl } from './broker-template.js';
import { until } from './faults-harness.js';

const A = 'hn-0001';
const B = 'hn-0002';

let tmp: { dir: string; cleanup: () => void };
let mosq: Mosquitto;
let pki: ReturnType<typeof makeCa>;
const clients: MqttClient[] = [];
/** Everything the hub and B receive, by topic. */
const seenByHub: string[] = [];
const seenByB: string[] = [];

async function connect(cn: string, clientId: string, protocolVersion: 4 | 5 = 5): Promise<MqttClient> {
  const { cert, key } = { cert: join(tmp.dir, `${cn}.pem`), key: join(tmp.dir, `${cn}.key`) };
  const opts: IClientOptions = {
    protocolVersion,
    clientId,
    reconnectPeriod: 0,
    ca: readFileSync(pki.ca),
    cert: readFileSync(cert),
    key: readFileSync(key),
    rejectUnauthorized: true,
  };
  const c = await mqtt.connectAsync(`mqtts://localhost:${mosq.port}`, opts);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  tmp = tempDir('broker-acl');
  pki = makeCa(tmp.dir, 'ca');
  pki.issue('broker', 'DNS:localhost,IP:127.0.0.1');
  for (const cn of [A, B, 'hub']) pki.issue(cn);
  writeTemplateAcl(tmp.dir);
  mosq = new Mosquitto(await freePort(), tmp.dir, templateSettings(tmp.dir), 'mqtts');
  await mosq.start();
  const hub = await connect('hub', 'qmon-hub');
  hub.on('message', (t) => seenByHub.push(t));
  await hub.subscribeAsync([topics.evt('+'), topics.status('+')], { qos: 1 });
  const b = await connect(B, B);
  b.on('message', (t) => seenByB.push(t));
  await b.subscribeAsync([topics.ack(B), topics.cmdFilter(B), topics.hubState], { qos: 1 });
}, 30_000);

afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => undefined);
  await mosq?.stop('SIGTERM');
  tmp?.cleanup();
});

/** PUBACK reason code of a QoS 1 publish on MQTT 5 (MQTT.js rejects a publish whose PUBACK code is >= 0x80). */
async function pubackCode(c: MqttClient, topic: string, payload: Buffer | string): Promise<number> {
  try {
    const packet = await c.publishAsync(topic, payload, { qos: 1 });
    return (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

describe('packaging/broker/mosquitto: the ACL is keyed on the certificate, not the client id', () => {
  it('facility A (even connected with client id B) cannot publish on B’s evt or ack, nor hub/state: PUBACK 0x87 on MQTT 5', async () => {
    for (const clientId of [`${A}-agent`, B]) {
      const a = await connect(A, clientId);
      expect(await pubackCode(a, topics.evt(B), '{"forged":true}')).toBe(0x87);
      expect(await pubackCode(a, topics.ack(B), buildAck([1]))).toBe(0x87);
      expect(await pubackCode(a, topics.hubState, buildHubState(true, false, Date.now()))).toBe(0x87);
      // Its own topics work: the hub sees A's event.
      expect(await pubackCode(a, topics.evt(A), '{"own":true}')).toBe(0);
      await a.endAsync();
    }
    await until(() => expect(seenByHub.filter((t) => t === topics.evt(A))).toHaveLength(2));
    expect(seenByHub).not.toContain(topics.evt(B));
    expect(seenByB).toEqual([]);
    expect(clients[1]!.connected).toBe(true); // B itself, not disconnected by A using its client id
  });

  it('on MQTT 3.1.1 the same publishes are dropped silently (PUBACK without a code), and never delivered', async () => {
    const a = await connect(A, B, 4);
    await a.publishAsync(topics.evt(B), '{"forged":3}', { qos: 1 });
    await a.publishAsync(topics.ack(B), buildAck([2]), { qos: 1 });
    await a.publishAsync(topics.hubState, buildHubState(true, false, Date.now()), { qos: 1 });
    await a.publishAsync(topics.evt(A), '{"own":3}', { qos: 1 }); // ordered after the forgeries on one connection
    await until(() => expect(seenByHub.filter((t) => t === topics.evt(A))).toHaveLength(3));
    expect(seenByHub).not.toContain(topics.evt(B));
    expect(seenByB).toEqual([]);
  });

  it('facility A may send SUBSCRIBE for B’s commands and ACKs (mosquitto 2.0.11 grants it) but is delivered nothing', async () => {
    const a = await connect(A, B);
    const aGot: string[] = [];
    a.on('message', (t) => aGot.push(t));
    const granted = await a.subscribeAsync([topics.cmdFilter(B), topics.ack(B), topics.evt('+'), topics.cmdFilter(A)], { qos: 1 });
    expect(granted).toHaveLength(4); // the read ACL is applied per message, at delivery
    const hub = clients[0]!;
    expect(await pubackCode(hub, topics.ack(B), buildAck([3]))).toBe(0);
    expect(await pubackCode(hub, topics.cmd(B, 'rebirth'), '{}')).toBe(0);
    expect(await pubackCode(hub, topics.cmd(A, 'rebirth'), '{}')).toBe(0);
    // B was not taken over by A's connection with B's client id (use_username_as_clientid): it still gets its own.
    await until(() => expect(seenByB).toEqual([topics.ack(B), topics.cmd(B, 'rebirth')]));
    await until(() => expect(aGot).toEqual([topics.cmd(A, 'rebirth')]));
    expect(await pubackCode(hub, topics.hubState, buildHubState(true, true, Date.now()))).toBe(0);
    await until(() => expect(seenByB).toContain(topics.hubState));
    expect(aGot).not.toContain(topics.ack(B));
  });
});
