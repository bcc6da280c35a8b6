import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A throwaway CA (EC P-256, 1 day) made with the system openssl; `issue` signs a leaf for `cn`. */
export function makeCa(dir: string, name: string) {
  openssl(dir, ['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=${name}`]);
  const issue = (cn: string, san?: string) => {
    openssl(dir, ['req', ...EC, '-keyout', `${cn}.key`, '-out', `${cn}.csr`, '-subj', `/CN=${cn}`]);
    const ext = join(dir, `${cn}.ext`);
    writeFileSync(ext, san ? `subjectAltName=${san}\n` : 'basicConstraints=CA:FALSE\n');
    openssl(dir, [
      'x509', '-req', '-in', `${cn}.csr`, '-CA', `${name}.pem`, '-CAkey', `${name}.key`, '-CAcreateserial',
      '-out', `${cn}.pem`, '-days', '1', '-extfile', ext,
    ]);
    readableByAll(dir);
    return { cert: join(dir, `${cn}.pem`), key: join(dir, `${cn}.key`) };
  };
  readableByAll(dir);
  return { ca: join(dir, `${name}.pem`), issue };
}

/**
 * mosquitto started as root drops to the `mosquitto` user before reading its files, so the
 * throwaway test PKI must be world-readable (these keys protect nothing).
 */
function readableByAll(dir: string): void {
  chmodSync(dir, 0o755);
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644);
}

export const read = (file: string) => readFileSync(file);
