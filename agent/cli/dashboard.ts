import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type AppConfig } from '../config/index.js';
import { TLS_DIR } from '../local/index.js';
import { UserError } from './user-error.js';

const HELP = `Usage:
  qmon dashboard cert --config FILE [--out FILE.crt]
      The guard dashboard's TLS certificate (never its key), for the guard-room browser to trust: the PEM on stdout
      (or written to --out), and on stderr (stdout with --out) its SHA-256 fingerprint, the names it is valid for and
      its dates. Compare the fingerprint with what the browser shows before trusting it. Steps: README, "Guard dashboard".
`;

/** `qmon dashboard cert`: export the dashboard's certificate so the guard-room browser trusts the box. */
export async function dashboardCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    throw new UserError(`qmon dashboard: ${(e as Error).message}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals[0] !== 'cert' || positionals.length > 1) throw new UserError('qmon dashboard: expected "cert" (see qmon dashboard --help)', 2);
  if (!values.config) throw new UserError('qmon dashboard cert: --config FILE is required (the certificate is in its storage.dir or named by local.tls)', 2);
  const config = await loadConfig(values.config).catch((e: unknown) => {
    throw e instanceof ConfigError ? new UserError(e.message) : e;
  });
  const pem = certificatePem(config);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (e) {
    throw new UserError(`the dashboard certificate is not a readable PEM certificate: ${(e as Error).message}`);
  }
  const info = describe(cert, config);
  if (values.out) {
    writeFileSync(values.out, cert.toString());
    // A certificate is public; the file is meant to be copied to another machine.
    chmodSync(values.out, 0o644);
    process.stdout.write(`${info}written to ${values.out}\n`);
  } else {
    process.stdout.write(cert.toString());
    process.stderr.write(info);
  }
  return 0;
}

/** The PEM text of the certificate the dashboard serves with this config. */
function certificatePem(config: AppConfig): string {
  const tls = config.local.tls;
  if (tls === 'off') {
    throw new UserError(`local.tls is off: the dashboard is plain HTTP on ${config.local.listen} (loopback only), there is no certificate to trust`);
  }
  if (tls !== 'generate') return tls.cert;
  const file = join(config.storage.dir, TLS_DIR, 'cert.pem');
  if (!existsSync(file)) {
    throw new UserError(
      `no dashboard certificate yet (${file}): the agent makes it at its first start; start it (sudo systemctl start qmon) and run this again`,
    );
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (run as the qmon user: sudo -u qmon qmon dashboard cert …)`);
  }
}

function describe(cert: X509Certificate, config: AppConfig): string {
  const names = (cert.subjectAltName ?? '')
    .split(', ')
    .map((n) => n.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  const port = config.local.port;
  const wanted = [config.local.host, ...config.local.public_hosts].filter((h) => h !== '0.0.0.0' && h !== '::');
  const missing = wanted.filter((h) => !names.includes(h));
  return [
    `SHA-256 fingerprint: ${cert.fingerprint256}`,
    `subject:             ${cert.subject.replace(/\n/g, ', ')}`,
    `valid for:           ${names.join(', ') || '(no names)'}`,
    `valid:               ${new Date(cert.validFrom).toISOString().slice(0, 10)} to ${new Date(cert.validTo).toISOString().slice(0, 10)}`,
    `open the dashboard:  ${names.filter((n) => n !== 'localhost' && n !== '127.0.0.1').map((n) => `https://${n.includes(':') ? `[${n}]` : n}:${port}/`).join('  ') || '(no LAN name in the certificate)'}`,
    ...(missing.length > 0 ? [`warning: the certificate does not name ${missing.join(', ')}: a browser opening that name refuses it even when trusted`] : []),
    '',
  ].join('\n');
}
