import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopbackAddress, metricsAllowed } from '../../agent/local/metrics-access.js';
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
