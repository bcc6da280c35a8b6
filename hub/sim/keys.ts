import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';

/** PKCS#8 DER of an Ed25519 private key is this fixed prefix followed by the 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * A simulated facility's signing key, derived from its fid, so that `qmon sim --provision` (which registers the
 * public halves) and the fleet that signs with them agree without passing keys around, also across processes.
 * Anyone can derive these keys: they are for load tests on a test hub only, never for a real facility
 * (real keys come from `qmon keys generate`).
 */
export function simKey(fid: string): KeyObject {
  const seed = createHash('sha256').update(`qmon-sim-key/1\n${fid}`).digest();
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}
