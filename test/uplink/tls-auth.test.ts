// The production path: mqtts with the hub CA pinned and a per-facility client certificate, against
// Debian's mosquitto with require_certificate; and a broker that refuses the agent's credentials.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/ops/index.js';
import { tempDir } from '../store/fixtures.js';
import { FID, makeAgent, waitFor } from './harness.js';
import { makeCa, read } from './certs.js';
import { Mosquitto, freePort } from './mosquitto.js';

let tmp: { dir: string; cleanup: () => void };
let tlsBroker: Mosquitto;
let authBroker: Mosquitto;
let hubCa: ReturnType<typeof makeCa>;
let client: { cert: string; key: string };
let rogueCa: ReturnType<typeof makeCa>;

const PASSWORD = 'S3cret-Pa55';

/** A real logger writing to memory, so tests can read what would reach the journal. */
function capturingLogger() {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { logger: createLogger({ destination, level: 'debug' }), text: () => text };
}

beforeAll(async () => {
  tmp = tempDir('tls');
  hubCa = makeCa(tmp.dir, 'hub-ca');
  const server = hubCa.issue('hub-server', 'DNS:localhost,IP:127.0.0.1');
  client = hubCa.issue(FID);
  rogueCa = makeCa(tmp.dir, 'rogue-ca');
  tlsBroker = new Mosquitto(
    await freePort(),
    tmp.dir,
    [`cafile ${hubCa.ca}`, `certfile ${server.cert}`, `keyfile ${server.key}`, 'require_certificate true', 'use_identity_as_username true'],
    'mqtts',
  );
  authBroker = new Mosquitto(await freePort(), tmp.dir, ['allow_anonymous false']);
  await tlsBroker.start();
  await authBroker.start();
});

afterAll(async () => {
  await tlsBroker?.stop('SIGTERM');
  await authBroker?.stop('SIGTERM');
  tmp.cleanup();
});

describe('TLS and credentials', () => {
  it('connects over mqtts with the pinned hub CA and the facility certificate', async () => {
    const agent = makeAgent(tlsBroker.url, { tls: { ca: read(hubCa.ca), cert: read(client.cert), key: read(client.key) } });
    try {
      const up = new Promise<{ protocolVersion: number }>((resolve) => agent.uplink.once('connected', resolve));
      agent.uplink.start();
      expect((await up).protocolVersion).toBe(5);
      expect(agent.uplink.isLive()).toBe(true);
    } finally {
      await agent.close();
    }
  });

  it.each([
    ['a hub certificate from another CA', () => ({ ca: read(rogueCa.ca), cert: read(client.cert), key: read(client.key) }), /self[- ]signed|unable to (get|verify)|certificate/i],
    ['a hub certificate for another name', () => ({ ca: read(hubCa.ca), cert: read(client.cert), key: read(client.key), servername: 'hub.example.gov.vn' }), /altnames|does not match|Hostname/i],
  ])('refuses %s and never connects', async (_name, tls, reason) => {
    const log = capturingLogger();
    const agent = makeAgent(tlsBroker.url, { tls: tls(), logger: log.logger });
    let connected = false;
    agent.uplink.on('connected', () => (connected = true));
    try {
      agent.uplink.start();
      await waitFor(() => expect(log.text()).toMatch(/hub connection attempt failed/));
      expect(log.text()).toMatch(reason);
      expect(connected).toBe(false);
      expect(log.text()).not.toContain('PRIVATE KEY');
    } finally {
      await agent.close();
    }
  });

  it('raises "refused" on a CONNACK refusal, keeps retrying slowly, and never logs the password', async () => {
    const log = capturingLogger();
    const agent = makeAgent(authBroker.url, { username: FID, password: PASSWORD, logger: log.logger, backoff: { baseMs: 50, capMs: 60_000, random: () => 0.5 } });
    try {
      const refused = new Promise<{ code: number }>((resolve) => agent.uplink.once('refused', resolve));
      agent.uplink.start();
      expect([5, 135]).toContain((await refused).code);
      await waitFor(() => expect(log.text()).toMatch(/next hub connection attempt/));
      const waits = [...log.text().matchAll(/"ms":(\d+)[^\n]*next hub connection attempt/g)].map((m) => Number(m[1]));
      // A plain failure would wait 25 ms (0.5 × 50); a refusal jumps to the slow end: 0.5 × 60 s.
      expect(waits[0]).toBe(30_000);
      expect(log.text()).not.toContain(PASSWORD);
      expect(agent.uplink.isLive()).toBe(false);
    } finally {
      await agent.close();
    }
  });
});
