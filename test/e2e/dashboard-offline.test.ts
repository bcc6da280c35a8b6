/**
 * The guards' dashboard keeps working when the uplink is down: the whole agent (vtest.avi through ffmpeg, the
 * ONNX detector, the line rule, SQLite) runs against Debian's real mosquitto; once the broker is killed, new alerts
 * still reach an open event stream and the event list, and health reports the link down with a growing backlog.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/app.js';
import { loadConfig, type AppConfig } from '../../agent/config/index.js';
import { hashPassword } from '../../agent/local/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { Store } from '../../agent/store/index.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { PASSWORD, call, login } from '../local/harness.js';

const REPO = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'qmon-dash-e2e-'));
let agent: Agent | null = null;
let mosq: Mosquitto | null = null;
afterAll(async () => {
  await agent?.stop();
  await mosq?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Health {
  uplink: { connected: boolean; backlog: number };
}

/** Polls `fn` until it returns a value, naming what it waited for when the bound runs out. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('dashboard with the broker down', () => {
  it('still streams and lists new alerts, and says the uplink is down', { timeout: 240_000 }, async () => {
    mosq = new Mosquitto(await freePort(), dir);
    await mosq.start();
    const demo = await loadConfig(join(REPO, 'config/demo.yaml'));
    const config: AppConfig = {
      ...demo,
      hub: { ...demo.hub, url: mosq.url, mode: 'mqtt', host: '127.0.0.1', port: mosq.port, tls: null },
      storage: { ...demo.storage, dir: join(dir, 'data') },
      local: { ...demo.local, port: 0 },
    };
    // A guard, created the way `qmon user add` does it: straight into the store the agent will open.
    const pre = Store.open({ dir: config.storage.dir, clock: systemClock, logger: silentLogger() });
    const hash = await hashPassword(PASSWORD);
    pre.dashboard('test user', (q) => q.addUser('guard1', 'guard', hash, Date.now()), true);
    pre.close();

    const said: string[] = [];
    agent = new Agent({ config, logger: silentLogger(), say: (l) => said.push(l) });
    await agent.start();
    const port = Number(/dashboard http:\/\/127\.0\.0\.1:(\d+)\//.exec(said.join('\n'))?.[1]);
    expect(port).toBeGreaterThan(0);
    const s = await login(port, 'guard1');
    const health = async (): Promise<Health> => (await call(port, '/api/health', { cookie: s.cookie })).json<Health>();
    await until('the uplink to connect to mosquitto', async () => ((await health()).uplink.connected ? true : undefined), 60_000);

    const stream = sseMessages(port, s.cookie);
    await mosq.stop();
    await until('health to report the uplink down', async () => ((await health()).uplink.connected ? undefined : true), 30_000);
    const before = Date.now();
    const firstAfter = await until('an alert on the stream after the broker died', () => Promise.resolve(stream.messages.find((m) => m.at > before)), 150_000);
    const alert = JSON.parse(firstAfter.data) as { event_id: string; type: string; camera_id: string };
    expect(alert).toMatchObject({ type: 'line_cross', camera_id: 'walkway' });
    const listed = (await call(port, `/api/events/${alert.event_id}`, { cookie: s.cookie })).json();
    expect(listed).toMatchObject({ event_id: alert.event_id, acked_by: null });
    expect((await health()).uplink.connected).toBe(false);
    expect((await health()).uplink.backlog).toBeGreaterThan(0);
    stream.close();
  });
});

/** Default-type SSE messages (events) with the time each arrived. */
function sseMessages(port: number, cookie: string) {
  const messages: { at: number; data: string }[] = [];
  let buf = '';
  const req = request({ host: '127.0.0.1', port, path: '/api/stream', headers: { host: `127.0.0.1:${port}`, cookie } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i).split('\n');
        buf = buf.slice(i + 2);
        const data = block.find((l) => l.startsWith('data: '));
        if (data && !block.some((l) => l.startsWith('event: '))) messages.push({ at: Date.now(), data: data.slice(6) });
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { messages, close: () => req.destroy() };
}
