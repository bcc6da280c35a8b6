import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/index.js';
import {
  generateSigningKey,
  parsePrivateKey,
  parsePublicKey,
  publicKeyBase64,
  signerOf,
  trustedKeys,
  type Signer,
} from '../../contract/index.js';

/** The agent's side of message signing (docs/hub-contract.md, "Signatures"), and the embedded hub's. */
export interface MessageKeys {
  /** Signs what the agent sends; null when no `facility.signing_key` is configured (outside the demo). */
  readonly signer: Signer | null;
  /** The pinned hub keys; null when `hub.public_key` is not configured (check-config warns). */
  readonly hubKeys: ReadonlyMap<string, KeyObject> | null;
  /** For `hub: embedded` only: the demo hub's ephemeral key and the facility key it registers. */
  readonly embedded: { readonly hubKey: KeyObject; readonly facilityPublicKey: string } | null;
}

/**
 * The keys the loaded config names. The embedded demo hub gets a fresh in-memory key pair each run;
 * the facility, unless the config gives `facility.signing_key`, a demo key kept in the data dir
 * (0600): rows queued but not yet sent were signed with it, and must still verify after a restart.
 * Both sides are wired here, so the demo runs the same signed path as a real deployment.
 */
export function messageKeys(config: AppConfig): MessageKeys {
  const configured = config.facility.signing_key === undefined ? null : parsePrivateKey(config.facility.signing_key);
  if (config.hub.mode === 'embedded') {
    const facilityKey = configured ?? demoFacilityKey(config.storage.dir);
    const hub = generateSigningKey();
    return {
      signer: signerOf(facilityKey),
      hubKeys: trustedKeys([hub.publicKey]),
      embedded: { hubKey: hub.privateKey, facilityPublicKey: publicKeyBase64(createPublicKey(facilityKey)) },
    };
  }
  return {
    signer: configured === null ? null : signerOf(configured),
    hubKeys: config.hub.public_key === undefined ? null : trustedKeys([parsePublicKey(config.hub.public_key)]),
    embedded: null,
  };
}

/** The demo's own facility key in `<storage>/demo-facility-key.pem`, made on first use. */
function demoFacilityKey(dir: string): KeyObject {
  const file = join(dir, 'demo-facility-key.pem');
  if (existsSync(file)) return parsePrivateKey(readFileSync(file, 'utf8'));
  const key = generateSigningKey().privateKey;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, key.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  return key;
}
