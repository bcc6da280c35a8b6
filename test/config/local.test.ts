/** The `local` section (guard dashboard): TLS choices, the loopback-only plain-HTTP rule, Host names, sessions. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig, redactConfig } from '../../agent/config/index.js';
import { BASE, tempDir, writeConfig } from './helpers.js';

const dir = tempDir();
const withLocal = (local: string): string => `${BASE}local:\n${local}`;

describe('local', () => {
  it('defaults to HTTPS with a generated certificate on 127.0.0.1:8080, 30 min idle / 12 h sessions', async () => {
    const c = await loadConfig(writeConfig(dir, BASE), { env: {} });
    expect(c.local).toEqual({
      listen: '127.0.0.1:8080',
      host: '127.0.0.1',
      port: 8080,
      language: 'vi',
      tls: 'generate',
      public_hosts: [],
      session_idle_min: 30,
      session_max_h: 12,
      review_window_s: 120,
      shift_h: 12,
      escalate_after_min: 5,
      mute_max_min: 60,
    });
  });

  it('allows plain HTTP on loopback only', async () => {
    expect((await checkConfig(writeConfig(dir, withLocal('  listen: 127.0.0.1:8080\n  tls: off\n')), { env: {} })).ok).toBe(true);
    const file = writeConfig(dir, withLocal('  listen: 192.168.10.5:8080\n  tls: off\n'));
    const r = await checkConfig(file, { env: {} });
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([expect.stringMatching(/local\.tls: "off" \(plain HTTP\) is allowed only on a loopback listen address; 192\.168\.10\.5:8080 is reachable from the network/)]);
  });

  it('reads given certificate files and keeps the key out of the redacted config', async () => {
    writeFileSync(join(dir, 'dash.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'dash.key'), '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n');
    const c = await loadConfig(writeConfig(dir, withLocal('  listen: 0.0.0.0:8443\n  tls: { cert: dash.crt, key: dash.key }\n  public_hosts: [qmon-pc.local]\n')), { env: {} });
    expect(c.local.tls).toEqual({ cert: expect.stringContaining('BEGIN CERTIFICATE') as string, key: expect.stringContaining('secret') as string });
    expect(JSON.stringify(redactConfig(c))).not.toContain('secret');
    const missing = await checkConfig(writeConfig(dir, withLocal('  tls: { cert: nope.crt, key: dash.key }\n')), { env: {} });
    expect(missing.errors).toEqual([expect.stringMatching(/local\.tls\.cert: cannot read .*nope\.crt/)]);
  });

  it('refuses a host name with a scheme or port in public_hosts, and out-of-range session times', async () => {
    const r = await checkConfig(writeConfig(dir, withLocal('  public_hosts: ["http://x:80"]\n  session_idle_min: 0\n')), { env: {} });
    expect(r.errors).toEqual([
      expect.stringMatching(/local\.public_hosts\[0\]: expected a host name or IP such as qmon-pc\.local/),
      expect.stringMatching(/local\.session_idle_min/),
    ]);
  });

  describe('metrics_listen: where this machine reaches /metrics and /healthz', () => {
    const machine = async (local: string) => (await loadConfig(writeConfig(dir, withLocal(local)), { env: {} })).local.metrics_listen;

    it('is 127.0.0.1 on the dashboard port when listen is a LAN address (127.0.0.1 refuses there), none when listen answers 127.0.0.1', async () => {
      expect(await machine('  listen: 192.168.10.5:8080\n')).toEqual({ host: '127.0.0.1', port: 8080 });
      expect(await machine('  listen: "[fd00::5]:8443"\n')).toEqual({ host: '127.0.0.1', port: 8443 });
      expect(await machine('  listen: 127.0.0.2:8080\n  tls: off\n')).toEqual({ host: '127.0.0.1', port: 8080 });
      for (const listen of ['127.0.0.1:8080', 'localhost:8080', '0.0.0.0:8443', '"[::]:8443"']) {
        expect(await machine(`  listen: ${listen}\n`), listen).toBeUndefined();
      }
    });

    it('can be set to another loopback address or port, or off', async () => {
      expect(await machine('  listen: 192.168.10.5:8080\n  metrics_listen: 127.0.0.1:9464\n')).toEqual({ host: '127.0.0.1', port: 9464 });
      expect(await machine('  listen: 0.0.0.0:8443\n  metrics_listen: "[::1]:9464"\n')).toEqual({ host: '::1', port: 9464 });
      expect(await machine('  listen: 192.168.10.5:8080\n  metrics_listen: off\n')).toBeUndefined();
    });

    it("refuses a non-loopback address (plain HTTP, no login) and the dashboard's own address", async () => {
      const lan = await checkConfig(writeConfig(dir, withLocal('  listen: 192.168.10.5:8080\n  metrics_listen: 192.168.10.5:9464\n')), { env: {} });
      expect(lan.errors).toEqual([expect.stringMatching(/:\d+:\d+: local\.metrics_listen: expected off or a loopback host:port such as 127\.0\.0\.1:9464 .*got "192\.168\.10\.5:9464"/)]);
      const same = await checkConfig(writeConfig(dir, withLocal('  listen: 0.0.0.0:8443\n  metrics_listen: 127.0.0.1:8443\n')), { env: {} });
      expect(same.errors).toEqual([expect.stringMatching(/local\.metrics_listen: 127\.0\.0\.1:8443 is taken by local\.listen \(0\.0\.0\.0:8443\)/)]);
    });
  });
});
