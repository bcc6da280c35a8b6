// The national set-up as deployed, for the red-team run of issue #21: Debian's mosquitto on the project's broker
// template (packaging/broker/mosquitto: TLS, the certificate's CN as username, the identity-bound ACL), `qmon hub
// run --ca/--cert/--key` as the only hub (a child process, signing with its key, its own SQLite file and HTTP API),
// registered facilities with their keys, and an observer that records every message on the broker.
import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { generateSigningKey, publicKeyBase64 } from '../../contract/index.js';
import { provisionFleet } from '../../agent/cli/sim.js';
import { ApiAccess, SqliteHubStore, type FacilitySummary } from '../../hub/index.js';
import type { TlsOptions } from '../../agent/uplink/link.js';
import { tempDir } from '../store/fixtures.js';
import { makeCa, read } from '../uplink/certs.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { templateSettings, writeTemplateAcl } from './broker-template.js';

const REPO = join(import.meta.dirname, '../..');

/** Two real agents, a facility that misbehaves with valid credentials, and `qmon sim` facilities. */
export const AGENT_A = 'hn-0001';
export const AGENT_B = 'hn-0002';
export const FLOODER = 'fl-0001';
export const SIM_PREFIX = 'rt';
export const SIM_FIDS = ['rt-0001', 'rt-0002', 'rt-0003'];
/** The observer's certificate CN. The test ACL lets it read and write every qmon topic: it replays captured messages. */
export const OBSERVER = 'observer';

export interface Captured {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
  /** Local time it arrived (ms). */
  readonly at: number;
}

export class DeployedRig {
  readonly captured: Captured[] = [];
  hubOut = '';
  hubErr = '';
  /** The hub's HTTP API base URL and a national API token for it. */
  httpUrl = '';
  token = '';
  hub: ChildProcess | null = null;
  private readonly clients: MqttClient[] = [];

  private constructor(
    readonly dir: string,
    readonly mosq: Mosquitto,
    readonly hubKey: { privateKey: KeyObject; publicKey: KeyObject },
    /** The agents' private signing keys by fid. */
    readonly keys: ReadonlyMap<string, KeyObject>,
    private readonly cleanup: () => void,
  ) {}

  /** The folder of the hub's data (created by the hub itself, which must make it 0700). */
  get hubDataDir(): string {
    return join(this.dir, 'hub-data');
  }

  get hubDb(): string {
    return join(this.hubDataDir, 'hub.db');
  }

  get brokerUrl(): string {
    return `mqtts://localhost:${this.mosq.port}`;
  }

  /** The pinned CA and the client certificate of `cn` (a fid, `hub`, the observer). */
  tls(cn: string): TlsOptions & { ca: Buffer; cert: Buffer; key: Buffer } {
    return { ca: read(join(this.dir, 'ca.pem')), cert: read(join(this.dir, `${cn}.pem`)), key: read(join(this.dir, `${cn}.key`)) };
  }

  static async start(): Promise<DeployedRig> {
    const tmp = tempDir('red-team-deployed');
    const dir = tmp.dir;
    const pki = makeCa(dir, 'ca');
    pki.issue('broker', 'DNS:localhost,IP:127.0.0.1');
    for (const cn of ['hub', AGENT_A, AGENT_B, FLOODER, ...SIM_FIDS, OBSERVER]) pki.issue(cn);
    // Test only: an observer identity that may read and write every qmon topic (it records, and it replays what it
    // recorded). The template's own ACL keeps facilities off each other's topics; the replays here test that
    // signatures and freshness hold without it.
    writeTemplateAcl(dir, ['', '# test only: the red-team observer', `user ${OBSERVER}`, 'topic readwrite qmon/v1/#']);
    const mosq = new Mosquitto(await freePort(), dir, templateSettings(dir), 'mqtts');
    await mosq.start();
    const hubKey = generateSigningKey();
    writeFileSync(join(dir, 'hub-key.pem'), hubKey.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    writeFileSync(join(dir, 'hub-key.pub.pem'), createPublicKey(hubKey.privateKey).export({ format: 'pem', type: 'spki' }));
    const keys = new Map<string, KeyObject>();
    for (const fid of [AGENT_A, AGENT_B]) {
      const k = generateSigningKey();
      keys.set(fid, k.privateKey);
      writeFileSync(join(dir, `${fid}-key.pem`), k.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    }
    return new DeployedRig(dir, mosq, hubKey, keys, tmp.cleanup);
  }

  /** The operator's set-up: facilities registered with their keys (the fleet's derived ones too), an API token. */
  async provision(): Promise<void> {
    const store = new SqliteHubStore(this.hubDb);
    try {
      for (const [fid, key] of this.keys) await store.register(fid, fid, publicKeyBase64(createPublicKey(key)), Date.now());
    } finally {
      await store.close();
    }
    await provisionFleet(this.hubDb, [FLOODER, ...SIM_FIDS]);
    const access = new ApiAccess(this.hubDb);
    try {
      this.token = access.addToken('red-team', 'national', null, Date.now());
    } finally {
      access.close();
    }
  }

  /**
   * `qmon hub run` as an operator starts it against the template: its certificate and key files, its signing key
   * file, nothing secret in argv and an environment with nothing but PATH. Resolves once it says it is online.
   */
  async startHub(): Promise<void> {
    const httpPort = await freePort();
    this.httpUrl = `http://127.0.0.1:${httpPort}`;
    const args = [
      '--import', 'tsx', join(REPO, 'agent/cli.ts'), 'hub', 'run',
      '--broker', this.brokerUrl, '--ca', join(this.dir, 'ca.pem'), '--cert', join(this.dir, 'hub.pem'), '--key', join(this.dir, 'hub.key'),
      '--db', this.hubDb, '--http', `127.0.0.1:${httpPort}`, '--signing-key', join(this.dir, 'hub-key.pem'),
    ];
    const hub = spawn(process.execPath, args, { cwd: REPO, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.hub = hub;
    hub.stdout.on('data', (d: Buffer) => (this.hubOut += d.toString()));
    hub.stderr.on('data', (d: Buffer) => (this.hubErr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`qmon hub run not online within 60 s:\n${this.hubOut}\n${this.hubErr}`)), 60_000);
      const check = () => {
        if (!this.hubOut.includes('hub online')) return;
        clearTimeout(timer);
        hub.stdout.off('data', check);
        resolve();
      };
      hub.stdout.on('data', check);
      hub.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`qmon hub run exited (${code}):\n${this.hubOut}\n${this.hubErr}`));
      });
    });
  }

  /** An MQTT 5 client with `cn`'s certificate (its client id is the CN: use_username_as_clientid). */
  async connectAs(cn: string): Promise<MqttClient> {
    const c = await mqtt.connectAsync(this.brokerUrl, { protocolVersion: 5, clientId: cn, reconnectPeriod: 0, rejectUnauthorized: true, ...this.tls(cn) });
    this.clients.push(c);
    return c;
  }

  /** The observer: records every qmon message (retained ones too) from now on. */
  async observe(): Promise<MqttClient> {
    const c = await this.connectAs(OBSERVER);
    c.on('message', (topic, payload, packet) => this.captured.push({ topic, payload: Buffer.from(payload), retain: packet.retain, at: Date.now() }));
    await c.subscribeAsync('qmon/v1/#', { qos: 1, rap: true });
    return c;
  }

  /** The newest captured message on `topic` whose payload satisfies `pick`, or undefined. */
  last(topic: string, pick: (body: Record<string, unknown>) => boolean = () => true): Captured | undefined {
    for (let i = this.captured.length - 1; i >= 0; i--) {
      const m = this.captured[i]!;
      if (m.topic === topic && pick(JSON.parse(m.payload.toString()) as Record<string, unknown>)) return m;
    }
    return undefined;
  }

  /** A GET on the hub's HTTP API with the national token, and how long it took. */
  async get<T>(path: string): Promise<{ status: number; body: T; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`${this.httpUrl}${path}`, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as T;
    return { status: res.status, body, ms: performance.now() - t0 };
  }

  async facility(fid: string): Promise<FacilitySummary | undefined> {
    return (await this.get<{ facilities: FacilitySummary[] }>('/facilities')).body.facilities.find((f) => f.fid === fid);
  }

  /** The hub's log lines (JSON, stderr) of drops for `reason`. */
  drops(reason: string): Record<string, unknown>[] {
    return this.hubErr
      .split('\n')
      .filter((l) => l.includes(`"reason":"${reason}"`))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** SIGTERM: the hub stops cleanly and prints its counters; resolves with everything it printed. */
  async stopHub(): Promise<string> {
    const hub = this.hub;
    if (!hub || hub.exitCode !== null) return this.hubOut;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => hub.kill('SIGKILL'), 20_000);
      hub.once('exit', () => (clearTimeout(timer), resolve()));
      hub.kill('SIGTERM');
    });
    return this.hubOut;
  }

  async close(): Promise<void> {
    for (const c of this.clients) await c.endAsync(true).catch(() => undefined);
    await this.stopHub();
    await this.mosq.stop('SIGTERM');
    this.cleanup();
  }
}
