import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * Message signatures of the contract (docs/hub-contract.md, "Signatures"). Ed25519 over
 *
 *     "qmon-sig/1\n" + topic + "\n" + body
 *
 * where `body` is the exact JSON bytes of the payload as the builder encoded them (no `sig`). The
 * signer then appends the signature as the LAST member of the same JSON object:
 *
 *     body without its final "}" + ',"sig":{"alg":"ed25519","kid":"<16 hex>","value":"<86 base64url>"}}'
 *
 * so the payload stays one JSON object (a v1 peer that knows nothing of signatures reads and drops
 * `sig` like any unknown field, which keeps the change additive) and works on MQTT 3.1.1, which has
 * no user properties. The verifier never re-serialises anything: it cuts the fixed-shape suffix off
 * the RAW received bytes, so the tolerant reader's dropping of unknown fields cannot change what is
 * verified. The topic is signed, so a signed message replayed on another facility's topic (or as
 * another kind of message) does not verify.
 */

export const SIG_ALG = 'ed25519';
const DOMAIN = 'qmon-sig/1\n';
/** A key id (16 hex) and a signature value (an Ed25519 signature is 64 bytes = 86 base64url characters). */
const KID = '[0-9a-f]{16}';
const VALUE = '[A-Za-z0-9_-]{86}';
/** `,"sig":{...}}` at the very end. */
const SUFFIX_RE = new RegExp(`,"sig":\\{"alg":"ed25519","kid":"(${KID})","value":"(${VALUE})"\\}\\}$`);
/** A signed empty object: `{"sig":{...}}` (no comma before sig). */
const BARE_RE = new RegExp(`^\\{"sig":\\{"alg":"ed25519","kid":"(${KID})","value":"(${VALUE})"\\}\\}$`);

/**
 * The `sig` member as the published JSON Schemas describe it (json-schemas.ts): the same shape the verifier cuts
 * off. Its order (alg, kid, value) and the absence of whitespace are part of the format, which JSON Schema cannot
 * say; the verifier checks them.
 */
export const SignatureMember = z
  .strictObject({
    alg: z.literal(SIG_ALG),
    kid: z.string().regex(new RegExp(`^${KID}$`)),
    value: z.string().regex(new RegExp(`^${VALUE}$`)),
  })
  .meta({
    description:
      'The message signature, appended by the signer as the LAST member: Ed25519 over "qmon-sig/1\\n" + topic + "\\n" + ' +
      'the payload bytes without sig; kid = first 16 hex digits of sha256 of the raw public key. Verify over the RAW ' +
      'received bytes, never by re-serialising (docs/hub-contract.md, "Signatures"). Absent when the sender has no key.',
  });
/** The longest suffix the regex can match; only this many trailing bytes are looked at. */
const SUFFIX_MAX = ',"sig":{"alg":"ed25519","kid":"","value":""}}'.length + 16 + 86;

/** Why a message did not verify: no `sig` at all, a key id not trusted for that sender, or a bad signature. */
export type SignatureProblem = 'unsigned' | 'unknown_key' | 'bad_signature';

export type Opened = { readonly ok: true; readonly body: Buffer; readonly kid: string } | { readonly ok: false; readonly problem: SignatureProblem };

/** A signing key and its id, ready to sign. */
export interface Signer {
  readonly kid: string;
  sign(topic: string, body: Buffer): Buffer;
}

function raw(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url');
}

/** The key id: the first 16 hex digits of sha256 over the raw 32-byte public key. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(raw(publicKey)).digest('hex').slice(0, 16);
}

/** The raw public key as base64 (44 characters): the one-line form the registry and configs accept. */
export function publicKeyBase64(publicKey: KeyObject): string {
  return raw(publicKey).toString('base64');
}

/**
 * An Ed25519 public key from PEM (`-----BEGIN PUBLIC KEY-----`) or the raw 32 bytes as base64 /
 * base64url. Throws a plain error naming the problem (never echoing the text).
 */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim();
  let key: KeyObject;
  if (t.startsWith('-----BEGIN')) {
    // createPublicKey would derive the public half of a private key: refuse, a private key must never travel.
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(t)) throw new Error('this is a PRIVATE key; give the public key (the .pub.pem file)');
    try {
      key = createPublicKey(t);
    } catch {
      throw new Error('not a readable PEM public key');
    }
  } else {
    const bytes = Buffer.from(t, /[-_]/.test(t) ? 'base64url' : 'base64');
    if (bytes.length !== 32 || !/^[A-Za-z0-9+/_-]+=*$/.test(t)) throw new Error('expected a PEM public key or 32 raw bytes in base64');
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/** An Ed25519 private key from PEM (PKCS#8). */
export function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error('not a readable PEM private key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

export function generateSigningKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

function signedBytes(topic: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(DOMAIN + topic + '\n', 'utf8'), body]);
}

/** A Signer for a private key. */
export function signerOf(privateKey: KeyObject): Signer {
  const kid = keyId(createPublicKey(privateKey));
  return {
    kid,
    sign(topic: string, body: Buffer): Buffer {
      if (body.length < 2 || body[body.length - 1] !== 0x7d || body[0] !== 0x7b) throw new Error('only a JSON object payload can be signed');
      const value = sign(null, signedBytes(topic, body), privateKey).toString('base64url');
      const empty = body.length === 2; // `{}`: no member before sig, so no comma
      const suffix = `${empty ? '' : ','}"sig":{"alg":"${SIG_ALG}","kid":"${kid}","value":"${value}"}}`;
      return Buffer.concat([body.subarray(0, body.length - 1), Buffer.from(suffix, 'utf8')]);
    },
  };
}

/** Signs when a signer is given; the body unchanged otherwise (embedded demo without keys). */
export function maybeSign(signer: Signer | null | undefined, topic: string, body: Buffer): Buffer {
  return signer ? signer.sign(topic, body) : body;
}

/** What verifying needs, taken apart from the raw bytes: the key, the signed bytes, the signature; or why not. */
type Unwrapped = { readonly ok: true; readonly key: KeyObject; readonly kid: string; readonly body: Buffer; readonly signed: Buffer; readonly signature: Buffer } | { readonly ok: false; readonly problem: SignatureProblem };

function unwrap(topic: string, payload: Buffer, trusted: ReadonlyMap<string, KeyObject>): Unwrapped {
  const tailStart = Math.max(0, payload.length - SUFFIX_MAX);
  const tail = payload.subarray(tailStart).toString('latin1');
  let m = SUFFIX_RE.exec(tail);
  let cut = m ? tailStart + m.index : -1;
  if (!m) {
    // `{"sig":{...}}`: a signed empty object (no comma before sig).
    const bare = BARE_RE.exec(payload.toString('latin1'));
    if (!bare) return { ok: false, problem: 'unsigned' };
    m = bare;
    cut = 1;
  }
  const key = trusted.get(m[1]!);
  if (!key) return { ok: false, problem: 'unknown_key' };
  const body = Buffer.concat([payload.subarray(0, cut), Buffer.from('}')]);
  return { ok: true, key, kid: m[1]!, body, signed: signedBytes(topic, body), signature: Buffer.from(m[2]!, 'base64url') };
}

/**
 * Verifies a received payload against the keys trusted for its sender (by kid). Returns the body
 * (the payload without `sig`) to parse, or why it does not verify. Never throws.
 */
export function openSigned(topic: string, payload: Buffer, trusted: ReadonlyMap<string, KeyObject>): Opened {
  const u = unwrap(topic, payload, trusted);
  if (!u.ok) return u;
  return verify(null, u.signed, u.key, u.signature) ? { ok: true, body: u.body, kid: u.kid } : { ok: false, problem: 'bad_signature' };
}

/**
 * `openSigned` with the Ed25519 verification on libuv's thread pool (node:crypto's callback form): a hub checking
 * thousands of signatures a second keeps its event loop for MQTT, the database and HTTP, and uses the other cores.
 * Never rejects.
 */
export function openSignedAsync(topic: string, payload: Buffer, trusted: ReadonlyMap<string, KeyObject>): Promise<Opened> {
  const u = unwrap(topic, payload, trusted);
  if (!u.ok) return Promise.resolve(u);
  return new Promise((resolve) => {
    verify(null, u.signed, u.key, u.signature, (err, ok) => resolve(!err && ok ? { ok: true, body: u.body, kid: u.kid } : { ok: false, problem: 'bad_signature' }));
  });
}

/** The trusted-keys map of a list of public keys (a sender's current and, during rotation, next key). */
export function trustedKeys(keys: readonly KeyObject[]): Map<string, KeyObject> {
  return new Map(keys.map((k) => [keyId(k), k]));
}
