import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, configHash, loadConfig, redactConfig } from '../../agent/config/index.js';
import { keyId, parsePublicKey } from '../../contract/index.js';
import { BASE, edit, tempDir, writeConfig } from './helpers.js';

const dir = tempDir();
const facility = generateKeyPairSync('ed25519');
const hub = generateKeyPairSync('ed25519');
const privatePem = facility.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const hubPub = hub.publicKey.export({ format: 'pem', type: 'spki' }).toString();
writeFileSync(join(dir, 'fac.pem'), privatePem, { mode: 0o600 });
writeFileSync(join(dir, 'fac-open.pem'), privatePem, { mode: 0o644 });
writeFileSync(join(dir, 'hub.pub.pem'), hubPub);
writeFileSync(join(dir, 'rsa.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }));

const withKeys = (signing: string, pub: string) =>
  edit(edit(BASE, '  id: test-01', `  id: test-01\n  signing_key: ${signing}`), 'url: embedded', `url: mqtt://127.0.0.1:1884\n  public_key: ${pub}`);

describe('facility.signing_key and hub.public_key', () => {
  it('load from files (0600, no warnings), the hub key normalised to raw base64; the private key never in redacted output or hash', async () => {
    const r = await checkConfig(writeConfig(dir, withKeys('file:fac.pem', 'file:hub.pub.pem')));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(keyId(parsePublicKey(r.config!.hub.public_key!))).toBe(keyId(hub.publicKey));
    expect(r.config!.facility.signing_key).toBe(privatePem.replace(/\n+$/, ''));
    expect(JSON.stringify(redactConfig(r.config!))).not.toContain('PRIVATE KEY');
    const inline = await loadConfig(writeConfig(dir, withKeys('file:fac.pem', Buffer.from(hub.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64'))));
    expect(inline.hub.public_key).toBe(r.config!.hub.public_key);
    expect(configHash(inline)).toBe(configHash(r.config!));
  });

  it('refuses a private key written into the YAML, a non-Ed25519 key, a missing file; warns on a key readable by others', async () => {
    const literal = await checkConfig(writeConfig(dir, withKeys('MC4CAQAwBQYDK2VwBCIEI', 'file:hub.pub.pem')));
    expect(literal.errors).toEqual([expect.stringMatching(/facility\.signing_key: expected file:PATH \(a PEM private key, mode 0600/)]);
    expect(literal.errors.join('')).not.toContain('MC4CAQAwBQYDK2VwBCIEI');
    expect((await checkConfig(writeConfig(dir, withKeys('file:rsa.pem', 'file:hub.pub.pem')))).errors).toEqual([
      expect.stringMatching(/facility\.signing_key: expected an Ed25519 key, got rsa/),
    ]);
    expect((await checkConfig(writeConfig(dir, withKeys('file:nope.pem', 'file:hub.pub.pem')))).errors).toEqual([
      expect.stringMatching(/facility\.signing_key: cannot read .*nope\.pem .*no such file/),
    ]);
    expect((await checkConfig(writeConfig(dir, withKeys('file:fac.pem', 'file:fac.pem')))).errors).toEqual([
      expect.stringMatching(/hub\.public_key: this is a PRIVATE key; give the public key/),
    ]);
    const open = await checkConfig(writeConfig(dir, withKeys('file:fac-open.pem', 'file:hub.pub.pem')));
    expect(open.errors).toEqual([]);
    expect(open.warnings).toEqual([expect.stringMatching(/facility\.signing_key: .*fac-open\.pem is readable by group or others; chmod 600/)]);
  });
});
