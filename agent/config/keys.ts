/**
 * The message-signing keys of the config (docs/hub-contract.md, "Signatures"):
 *   - `facility.signing_key`: the facility's Ed25519 private key, `file:PATH` (or `env:NAME`) only:
 *     a private key written into the YAML would be copied wherever the config goes, so a literal is
 *     refused; a key file readable by group or others is warned about (it should be 0600);
 *   - `hub.public_key`: the hub's Ed25519 public key the agent pins: PEM or raw base64, inline (it is
 *     not secret), `file:PATH` or `env:NAME`.
 * Errors name the key path, never the key.
 */
import { stat } from 'node:fs/promises';
import { parsePrivateKey, parsePublicKey, publicKeyBase64 } from '../../contract/index.js';
import type { IssueSink } from './issue-sink.js';
import { parseSecretRef, resolvePath, resolveSecret, type SecretContext } from './secrets.js';

/** The PEM text of the facility's private key, checked to be Ed25519; undefined on error (reported). */
export async function resolveSigningKey(value: string, ctx: SecretContext & { readonly sink: IssueSink }): Promise<string | undefined> {
  const path = ['facility', 'signing_key'];
  const ref = parseSecretRef(value);
  if (!('error' in ref) && ref.kind === 'literal') {
    ctx.sink.error(path, 'expected file:PATH (a PEM private key, mode 0600; make one with `qmon keys generate`), not the key itself');
    return undefined;
  }
  const r = await resolveSecret(value, ctx);
  if (!r.ok) {
    ctx.sink.error(path, r.error);
    return undefined;
  }
  if (r.ref.kind === 'file') {
    const file = resolvePath(ctx.baseDir, r.ref.path);
    const mode = (await stat(file)).mode & 0o077;
    if (mode !== 0) ctx.sink.warn(path, `${file} is readable by group or others; chmod 600 it (the facility's private key)`);
  }
  try {
    parsePrivateKey(r.value);
  } catch (e) {
    ctx.sink.error(path, `${(e as Error).message} (expected an Ed25519 PEM private key)`);
    return undefined;
  }
  return r.value;
}

/** The hub's public key as raw base64; undefined on error (reported). */
export async function resolveHubPublicKey(value: string, ctx: SecretContext & { readonly sink: IssueSink }): Promise<string | undefined> {
  const path = ['hub', 'public_key'];
  const r = await resolveSecret(value, ctx);
  if (!r.ok) {
    ctx.sink.error(path, r.error);
    return undefined;
  }
  try {
    return publicKeyBase64(parsePublicKey(r.value));
  } catch (e) {
    ctx.sink.error(path, `${(e as Error).message}`);
    return undefined;
  }
}
