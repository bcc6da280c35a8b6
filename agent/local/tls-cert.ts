import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const TLS_DIR = 'local-tls';

/**
 * The dashboard's self-signed certificate, made once with the system `openssl` into `<storage>/local-tls/`
 * (folder 0700, key 0600; the key is generated into the private folder first, so it is never readable by others,
 * and no secret goes through process arguments). Later starts reuse it, so browsers' exceptions stay valid.
 */
export async function selfSignedCert(storageDir: string, names: readonly string[]): Promise<{ cert: string; key: string }> {
  const dir = join(storageDir, TLS_DIR);
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    try {
      await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
      chmodSync(keyFile, 0o600);
      const san = [...new Set(['localhost', ...names])].map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      await run('openssl', ['req', '-x509', '-key', keyFile, '-out', certFile, '-days', '825', '-subj', '/CN=qmon guard dashboard', '-addext', `subjectAltName=${san}`]);
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new Error(`cannot generate the dashboard's TLS certificate with openssl in ${dir}: ${msg}`);
    }
  }
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
