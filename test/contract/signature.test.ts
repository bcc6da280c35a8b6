import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AckPayload,
  buildAck,
  buildHubState,
  decodePayload,
  generateSigningKey,
  keyId,
  openSigned,
  parsePrivateKey,
  parsePublicKey,
  publicKeyBase64,
  signerOf,
  topics,
  trustedKeys,
} from '../../contract/index.js';

const key = generateSigningKey();
const signer = signerOf(key.privateKey);
const trusted = trustedKeys([key.publicKey]);
const ACK = topics.ack('hn-0001');

describe('message signatures (docs/hub-contract.md, "Signatures")', () => {
  it('appends sig as the last member; the verifier gives back the exact body it signed', () => {
    const body = buildAck([1, 2, 3]);
    const signed = signer.sign(ACK, body);
    expect(signed.toString()).toMatch(/^\{"schema":"qmon\.ack\/1","seqs":\[1,2,3\],"sig":\{"alg":"ed25519","kid":"[0-9a-f]{16}","value":"[A-Za-z0-9_-]{86}"\}\}$/);
    expect(JSON.parse(signed.toString())).toMatchObject({ sig: { alg: 'ed25519', kid: signer.kid } });
    const opened = openSigned(ACK, signed, trusted);
    expect(opened).toEqual({ ok: true, body, kid: signer.kid });
  });

  it('is additive: a v1 reader that knows nothing of signatures reads a signed payload as before', () => {
    const signed = signer.sign(ACK, buildAck([7]));
    expect(decodePayload(AckPayload, 'ack', signed)).toEqual({ ok: true, value: { schema: 'qmon.ack/1', seqs: [7] } });
  });

  it('binds the topic: the same bytes on another facility’s topic, or as another message kind, do not verify', () => {
    const signed = signer.sign(ACK, buildAck([1]));
    expect(openSigned(topics.ack('hn-0002'), signed, trusted)).toEqual({ ok: false, problem: 'bad_signature' });
    expect(openSigned(topics.hubState, signed, trusted)).toEqual({ ok: false, problem: 'bad_signature' });
  });

  it('refuses unsigned, tampered, foreign-key, truncated and decorated payloads', () => {
    const body = buildHubState(true, true, Date.UTC(2026, 0, 1));
    const signed = signer.sign(topics.hubState, body);
    expect(openSigned(topics.hubState, body, trusted)).toEqual({ ok: false, problem: 'unsigned' });
    const tampered = Buffer.from(signed.toString().replace('"accepting":true', '"accepting":false'));
    expect(openSigned(topics.hubState, tampered, trusted)).toEqual({ ok: false, problem: 'bad_signature' });
    const other = signerOf(generateSigningKey().privateKey).sign(topics.hubState, body);
    expect(openSigned(topics.hubState, other, trusted)).toEqual({ ok: false, problem: 'unknown_key' });
    expect(openSigned(topics.hubState, signed.subarray(0, signed.length - 1), trusted)).toEqual({ ok: false, problem: 'unsigned' });
    // Anything after the sig member (a second sig, whitespace) is not the signer's layout: unsigned.
    expect(openSigned(topics.hubState, Buffer.concat([signed, Buffer.from(' ')]), trusted)).toEqual({ ok: false, problem: 'unsigned' });
    expect(openSigned(topics.hubState, Buffer.alloc(0), trusted)).toEqual({ ok: false, problem: 'unsigned' });
  });

  it('signs an empty object (a bare command) as {"sig":…}', () => {
    const signed = signer.sign(topics.cmd('hn-0001', 'rebirth'), Buffer.from('{}'));
    expect(signed.toString()).toMatch(/^\{"sig":\{/);
    expect(openSigned(topics.cmd('hn-0001', 'rebirth'), signed, trusted)).toMatchObject({ ok: true, body: Buffer.from('{}') });
    expect(() => signer.sign(ACK, Buffer.from('[1]'))).toThrow(/JSON object/);
  });

  it('verifies with either key during a rotation', () => {
    const next = generateSigningKey();
    const both = trustedKeys([key.publicKey, next.publicKey]);
    const body = buildHubState(true, false, 0);
    expect(openSigned(topics.hubState, signer.sign(topics.hubState, body), both).ok).toBe(true);
    expect(openSigned(topics.hubState, signerOf(next.privateKey).sign(topics.hubState, body), both).ok).toBe(true);
  });

  it('reads keys as PEM or raw base64, names the key id, refuses other key types without echoing them', () => {
    const pem = key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const b64 = publicKeyBase64(key.publicKey);
    expect(b64).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(keyId(parsePublicKey(pem))).toBe(signer.kid);
    expect(keyId(parsePublicKey(b64))).toBe(signer.kid);
    expect(keyId(parsePublicKey(Buffer.from(b64, 'base64').toString('base64url')))).toBe(signer.kid);
    expect(keyId(createPublicKey(parsePrivateKey(key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())))).toBe(signer.kid);
    expect(() => parsePublicKey('c2VjcmV0')).toThrow(/^expected a PEM public key or 32 raw bytes in base64$/);
    expect(() => parsePublicKey('-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----')).toThrow(/not a readable PEM/);
    expect(() => parsePrivateKey('not a key')).toThrow(/not a readable PEM private key/);
  });
});
