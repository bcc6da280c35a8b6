/**
 * HTTPS as it runs on a facility LAN: a self-signed certificate made with the system openssl at first start
 * (private folder, key 0600, reused on the next start), the `__Host-` cookie with `Secure`, and HSTS.
 */
import { statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORD, startRig, type Rig } from './harness.js';

let rig: Rig;
afterEach(async () => rig?.close());

function httpsCall(port: number, path: string, method = 'GET', body?: unknown): Promise<{ status: number; headers: Record<string, unknown>; cert: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        // The test trusts this one self-signed certificate by pinning it below, not by turning checks off globally.
        rejectUnauthorized: false,
        headers: { host: `127.0.0.1:${port}`, ...(data && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(data)) }) },
      },
      (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, cert: cert.fingerprint256 }));
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

describe('HTTPS', () => {
  it('generates a private self-signed certificate once, and sets a Secure __Host- cookie', { timeout: 60_000 }, async () => {
    rig = await startRig({ local: { tls: 'generate' } });
    await rig.addUser('an', 'guard');
    const keyMode = statSync(join(rig.dir, 'local-tls', 'key.pem')).mode & 0o777;
    const dirMode = statSync(join(rig.dir, 'local-tls')).mode & 0o777;
    expect(keyMode).toBe(0o600);
    expect(dirMode).toBe(0o700);
    const a = await httpsCall(rig.port, '/api/session', 'POST', { username: 'an', password: PASSWORD });
    expect(a.status).toBe(200);
    const cookie = String(a.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-qmon_session=[^;]+; HttpOnly; SameSite=Strict; Path=\/; Secure$/);
    expect(a.headers['strict-transport-security']).toBe('max-age=31536000');
    // A second start over the same data dir reuses the certificate (browser exceptions stay valid).
    await rig.server.stop();
    rig.store.close();
    const again = await startRig({ local: { tls: 'generate' }, dir: rig.dir });
    try {
      expect((await httpsCall(again.port, '/api/setup')).cert).toBe(a.cert);
    } finally {
      await again.server.stop();
      again.store.close();
    }
    expect(a.cert).toMatch(/^[0-9A-F:]{95}$/);
  });
});
