/**
 * `qmon dashboard cert`: the dashboard's certificate for the guard-room browser, with the fingerprint to compare
 * and the names it is valid for; never the key; clear one-line refusals when there is nothing to export. Called in
 * process (a spawned tsx would take seconds), with the certificate the agent itself makes (system openssl).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dashboardCommand } from '../../agent/cli/dashboard.js';
import { UserError } from '../../agent/cli/user-error.js';
import { selfSignedCert } from '../../agent/local/tls-cert.js';

const dir = mkdtempSync(join(tmpdir(), 'qmon-cli-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'clip.mp4'), '');

function config(name: string, local: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `facility: { id: test-01 }
hub: { url: embedded }
storage: { dir: ./data-${name} }
local:
${local}
cameras:
  - id: cam-1
    source: { file: clip.mp4 }
    detect: { width: 640, height: 480 }
`,
  );
  return file;
}

/** Runs the command with stdout and stderr captured. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  const code = await dashboardCommand(args);
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

/** The certificate the agent made at its first start for the `gen` config (listen 192.168.10.5, qmon-pc.local). */
let generated: { cert: string; key: string };
beforeAll(async () => {
  generated = await selfSignedCert(join(dir, 'data-gen'), ['192.168.10.5', 'qmon-pc.local']);
});

describe('qmon dashboard cert', () => {
  it('prints the generated certificate (PEM on stdout) and its fingerprint and names (stderr), never the key', async () => {
    const file = config('gen', '  listen: 192.168.10.5:8443\n  public_hosts: [qmon-pc.local]');
    const fingerprint = new X509Certificate(generated.cert).fingerprint256;
    const r = await run(['cert', '--config', file]);
    expect(r.code).toBe(0);
    expect(new X509Certificate(r.out).fingerprint256).toBe(fingerprint);
    expect(r.out).not.toContain('PRIVATE KEY');
    expect(r.err).toContain(`SHA-256 fingerprint: ${fingerprint}`);
    expect(r.err).toMatch(/valid for: +localhost, 192\.168\.10\.5, qmon-pc\.local/);
    expect(r.err).toContain('https://192.168.10.5:8443/  https://qmon-pc.local:8443/');
    expect(r.err).not.toContain('warning');
  });

  it('exports it to a file with --out (world-readable: a certificate is public) and says so', async () => {
    const file = config('gen', '  listen: 192.168.10.5:8443\n  public_hosts: [qmon-pc.local]');
    const out = join(dir, 'qmon-dashboard.crt');
    const r = await run(['cert', '--config', file, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`written to ${out}`);
    expect(r.out).toContain('SHA-256 fingerprint:');
    expect(readFileSync(out, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(statSync(out).mode & 0o777).toBe(0o644);
  });

  it('warns when the certificate does not name an address guards are told to use', async () => {
    const file = config('gen', '  listen: 192.168.10.5:8443\n  public_hosts: [qmon-pc.local, wall-tv.local]');
    const r = await run(['cert', '--config', file]);
    expect(r.err).toContain('warning: the certificate does not name wall-tv.local');
  });

  it('exports a certificate given in local.tls', async () => {
    const pem = await selfSignedCert(join(dir, 'own'), ['10.0.0.9']);
    writeFileSync(join(dir, 'own.crt'), pem.cert);
    writeFileSync(join(dir, 'own.key'), pem.key, { mode: 0o600 });
    const r = await run(['cert', '--config', config('own', '  listen: 10.0.0.9:443\n  tls: { cert: own.crt, key: own.key }')]);
    expect(new X509Certificate(r.out).fingerprint256).toBe(new X509Certificate(pem.cert).fingerprint256);
    expect(r.out).not.toContain('PRIVATE KEY');
  });

  it('refuses with one line when there is no certificate yet, when TLS is off, and on usage mistakes', async () => {
    await expect(run(['cert', '--config', config('fresh', '  listen: 192.168.10.5:8443')])).rejects.toThrow(
      /^no dashboard certificate yet \(.*data-fresh\/local-tls\/cert\.pem\): the agent makes it at its first start/,
    );
    await expect(run(['cert', '--config', config('off', '  listen: 127.0.0.1:8080\n  tls: off')])).rejects.toThrow(
      'local.tls is off: the dashboard is plain HTTP on 127.0.0.1:8080 (loopback only), there is no certificate to trust',
    );
    await expect(run(['cert'])).rejects.toThrow(new UserError('qmon dashboard cert: --config FILE is required (the certificate is in its storage.dir or named by local.tls)', 2));
    await expect(run(['key', '--config', 'x'])).rejects.toThrow('expected "cert"');
    const help = await run(['--help']);
    expect([help.code, help.out]).toEqual([0, expect.stringContaining('qmon dashboard cert --config FILE') as string]);
  });
});
