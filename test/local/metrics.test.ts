import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../agent/config/index.js';
import { isLoopbackAddress, metricsAllowed } from '../../agent/local/metrics-access.js';
import { BASE, tempDir } from '../config/helpers.js';
import { call, startRig, type Rig } from './harness.js';

const TOKEN = 's3cret-scrape-token';

describe('who may scrape /metrics without a session', () => {
  it('a loopback client may, with or without a token', () => {
    for (const addr of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      expect(metricsAllowed(addr, undefined, undefined), addr).toBe(true);
      expect(metricsAllowed(addr, 'Bearer wrong', TOKEN), addr).toBe(true);
    }
  });

  it('a LAN client needs the configured bearer token, exactly', () => {
    const lan = '192.168.1.50';
    expect(metricsAllowed(lan, undefined, TOKEN)).toBe(false);
    expect(metricsAllowed(lan, 'Bearer wrong', TOKEN)).toBe(false);
    expect(metricsAllowed(lan, `Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(metricsAllowed(lan, `Basic ${TOKEN}`, TOKEN)).toBe(false);
    expect(metricsAllowed(lan, TOKEN, TOKEN)).toBe(false);
    expect(metricsAllowed(lan, `Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(metricsAllowed('::ffff:10.0.0.7', `bearer ${TOKEN}`, TOKEN)).toBe(true);
  });

  it('without a configured token, no LAN client may, whatever it sends', () => {
    expect(metricsAllowed('10.0.0.7', 'Bearer ', undefined)).toBe(false);
    expect(metricsAllowed('10.0.0.7', 'Bearer undefined', undefined)).toBe(false);
    expect(metricsAllowed(undefined, undefined, undefined)).toBe(false);
  });

  it('loopback means 127.0.0.0/8 and ::1 only', () => {
    expect(isLoopbackAddress('128.0.0.1')).toBe(false);
    expect(isLoopbackAddress('::2')).toBe(false);
    expect(isLoopbackAddress('::ffff:10.0.0.1')).toBe(false);
    expect(isLoopbackAddress('fe80::1')).toBe(false);
    expect(isLoopbackAddress('localhost')).toBe(false);
  });
});

describe('GET /metrics on the dashboard listener', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  const text = 'qmon_hub_connected 1\n';
  const metrics = () => Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: text });

  it('answers a loopback scraper without a session, in the Prometheus text format', async () => {
    rig = await startRig({ metrics, local: { metrics_token: TOKEN } });
    const a = await call(rig.port, '/metrics');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(a.text).toBe(text);
  });

  it('still checks the Host header (DNS rebinding) and the method', async () => {
    rig = await startRig({ metrics });
    expect((await call(rig.port, '/metrics', { host: 'evil.example:80' })).status).toBe(421);
    expect((await call(rig.port, '/metrics', { method: 'POST' })).status).toBe(405);
  });

  // A real LAN client: the server listens on this machine's own non-loopback address and the test connects to it,
  // so the server sees a non-loopback remote address.
  const lan = Object.values(networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4')?.address;
  it.skipIf(lan === undefined)('refuses a LAN scraper without the token or with a wrong one (401), answers the right one', async () => {
    const host = lan!;
    rig = await startRig({ metrics, local: { host, listen: `${host}:0`, metrics_token: TOKEN } });
    const at = { address: host, host: `${host}:${rig.port}` };
    const none = await call(rig.port, '/metrics', at);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.text).not.toContain('qmon_');
    expect((await call(rig.port, '/metrics', { ...at, headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const ok = await call(rig.port, '/metrics', { ...at, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe(text);
  });

  it('is 404 when the agent gives no metrics source', async () => {
    rig = await startRig();
    expect((await call(rig.port, '/metrics')).status).toBe(404);
  });
});

/** A port free on 127.0.0.1 right now (bound, closed again), for a listen address that must name its port. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('/metrics and /healthz on this machine while the dashboard listens on a LAN address', () => {
  let rig: Rig | undefined;
  const dir = tempDir();
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });
  const text = 'qmon_hub_connected 1\n';
  const metrics = () => Promise.resolve({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: text });

  // 127.0.0.2 stands in for the LAN address: like one, it is not 127.0.0.1, so a scraper on the box that asks
  // 127.0.0.1:PORT was refused the connection. The config is loaded as the agent loads it (metrics_listen derived).
  it('a scraper on the box gets GET http://127.0.0.1:PORT/metrics (the loopback listener on the dashboard port)', async () => {
    const port = await freePort();
    const file = join(dir, 'lan.yaml');
    writeFileSync(file, `${BASE}local:\n  listen: 127.0.0.2:${port}\n  tls: off\n`);
    const { local } = await loadConfig(file, { env: {} });
    rig = await startRig({ metrics, local, port });
    expect(rig.loopbackUrl).toBe(`http://127.0.0.1:${port}/`);
    const scrape = await call(port, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.text).toBe(text);
    const health = await call(port, '/healthz');
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ agent: 'qmon', facility: 'test-01', dashboard: `http://127.0.0.2:${port}/`, healthy: true, problems: [] });
    expect(rig.said.join('\n')).toContain(`http://127.0.0.1:${port}/metrics`);
    // Only those two routes, only under this machine's names.
    expect((await call(port, '/api/session')).status).toBe(404);
    expect((await call(port, '/')).status).toBe(404);
    expect((await call(port, '/metrics', { host: 'evil.example' })).status).toBe(421);
    expect((await call(port, '/metrics', { host: `localhost:${port}` })).status).toBe(200);
    expect((await call(port, '/metrics', { method: 'POST' })).status).toBe(405);
    // The dashboard itself stays on the LAN address.
    expect((await call(port, '/metrics', { address: '127.0.0.2', host: `127.0.0.2:${port}` })).status).toBe(200);
  });

  it('says which port is taken when the loopback listener cannot bind, and leaves nothing listening', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      await expect(startRig({ metrics, local: { host: '127.0.0.2', listen: '127.0.0.2:0', metrics_listen: { host: '127.0.0.1', port: taken } } })).rejects.toThrow(
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${taken} for /metrics and /healthz \\(local\\.metrics_listen; off turns it off\\): .*EADDRINUSE`),
      );
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('/healthz lists what is wrong: an offline camera, an overloaded one, no hub connection, a full disk', async () => {
    rig = await startRig({
      metrics,
      health: () => ({
        uplink: { connected: false, hubOnline: null, backlog: 3, oldestPendingAt: null },
        diskFreeMb: 50,
        minFreeMb: 500,
        models: [],
        clock: { synced: null, source: 'unknown' },
        detection: [
          { id: 'cam-1', priority: 'low', configuredFps: 5, effectiveFps: 2.5, slowedToFps: 2.5, decoded: 100, dropped: { handoff: 0, scheduler: 0, budget: 50 }, pictures: { made: 0, failed: 0, skipped: 0, cpuP95Ms: null } },
        ],
      }),
    });
    rig.states.set('cam-1', { state: 'offline', reason: 'connection refused', since: 0, quality: 'unknown' });
    const h = (await call(rig.port, '/healthz')).json<{ healthy: boolean; problems: string[]; cameras: Record<string, number> }>();
    expect(h.healthy).toBe(false);
    expect(h.problems).toEqual([
      'camera cam-1 offline: connection refused',
      'camera cam-1 slowed to 2.5 of 5 detect-fps (overload: the box cannot carry every camera)',
      'not connected to the hub (3 alert revision(s) waiting on disk)',
      'disk: 50 MB free, below storage.min_free_mb 500',
    ]);
    expect(h.cameras).toMatchObject({ offline: 1 });
  });
});
