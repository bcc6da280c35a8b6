import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSigningKey, keyId, parsePrivateKey, publicKeyBase64 } from '../../contract/index.js';
import { helpRequested, printHelp } from './help.js';
import { UserError } from './user-error.js';

/** Message-signing keys (docs/hub-contract.md, "Signatures"): one command for the facility side and the hub side. */
export function keysUsage(side: 'facility' | 'hub'): string {
  const cmd = side === 'hub' ? 'qmon hub keys' : 'qmon keys';
  const name = side === 'hub' ? 'hub' : 'facility';
  const use =
    side === 'hub'
      ? `Give the private key to \`qmon hub run --signing-key DIR/hub-key.pem\`; every agent pins the public key
      (hub.public_key in its config).`
      : `Set facility.signing_key: file:DIR/facility-key.pem in the agent's config; the hub operator registers the
      public key (qmon hub facility add FID --public-key FILE, or \`key FID --next FILE\` to rotate).`;
  return `Usage:
  ${cmd} generate --out DIR
      Make an Ed25519 key pair: DIR/${name}-key.pem (private, mode 0600) and DIR/${name}-key.pub.pem (public, 0644);
      prints the public key (raw, base64) and its key id. Refuses to overwrite an existing key.
      ${use}
  ${cmd} show --key FILE
      Print the public key and key id of a private key file.`;
}

function describe(privateKey: KeyObject): string {
  const pub = createPublicKey(privateKey);
  return `public key (base64): ${publicKeyBase64(pub)}\nkey id: ${keyId(pub)}\n`;
}

/** `qmon keys generate|show` and `qmon hub keys generate|show`. */
export function keysCommand(argv: string[], side: 'facility' | 'hub'): number {
  const usage = keysUsage(side);
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h') {
    process.stdout.write(`${usage}\n`);
    return verb === undefined ? 2 : 0;
  }
  if (helpRequested(rest)) return printHelp(usage);
  let values: { out?: string | undefined; key?: string | undefined };
  try {
    values = parseArgs({ args: rest, options: { out: { type: 'string' }, key: { type: 'string' } }, allowPositionals: false }).values;
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${usage}`, 2);
  }
  if (verb === 'show') {
    if (values.key === undefined) throw new UserError(`--key FILE is required\n${usage}`, 2);
    let text: string;
    try {
      text = readFileSync(values.key, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read ${values.key}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    try {
      process.stdout.write(describe(parsePrivateKey(text)));
    } catch (e) {
      throw new UserError(`${values.key}: ${(e as Error).message}`);
    }
    return 0;
  }
  if (verb !== 'generate') throw new UserError(`unknown keys subcommand "${verb.slice(0, 40)}"\n${usage}`, 2);
  if (values.out === undefined) throw new UserError(`--out DIR is required\n${usage}`, 2);
  const base = side === 'hub' ? 'hub-key' : 'facility-key';
  const priv = join(values.out, `${base}.pem`);
  const pub = join(values.out, `${base}.pub.pem`);
  for (const f of [priv, pub]) if (existsSync(f)) throw new UserError(`${f} exists; not overwriting a key (move it away to make a new one)`);
  const { privateKey, publicKey } = generateSigningKey();
  try {
    mkdirSync(values.out, { recursive: true, mode: 0o700 });
    writeFileSync(priv, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    writeFileSync(pub, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644, flag: 'wx' });
  } catch (e) {
    throw new UserError(`cannot write the key to ${values.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  process.stdout.write(`wrote ${priv} (private, 0600) and ${pub} (public)\n${describe(privateKey)}`);
  return 0;
}
