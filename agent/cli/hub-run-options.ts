/** The option values of `qmon hub run` that need reading files or checking ranges, each error naming its flag. */
import type { KeyObject } from 'node:crypto';
import { facilityBudget, MIN_REPLAY_RATE_PER_S, parsePrivateKey, type FacilityBudget } from '../../contract/index.js';
import { parseHostPort, type HubTls } from '../../hub/index.js';
import { redactText } from '../ops/index.js';
import type { HubServiceOptions } from './hub-run.js';
import { readFlagFile, UserError } from './user-error.js';

/** `--upload-listen/--upload-cert/--upload-key [--upload-url]`: the snapshot upload service (needs --snapshots). */
export function uploadOptions(listen?: string, cert?: string, key?: string, url?: string, snapshots?: string): HubServiceOptions['upload'] {
  if (listen === undefined && cert === undefined && key === undefined && url === undefined) return undefined;
  if (listen === undefined || cert === undefined || key === undefined) throw new UserError('--upload-listen, --upload-cert and --upload-key go together', 2);
  if (snapshots === undefined) throw new UserError('--upload-* needs --snapshots DIR (where the images are kept)', 2);
  const at = parseHostPort(listen);
  if (at === null) throw new UserError(`--upload-listen: expected HOST:PORT, got "${listen}"`, 2);
  if (url !== undefined && !/^https:\/\/[^/?#\s]+$/.test(url)) throw new UserError(`--upload-url: expected https://HOST[:PORT] with nothing after, got "${redactText(url)}"`, 2);
  return { ...at, cert: readFlagFile(cert, '--upload-cert'), key: readFlagFile(key, '--upload-key'), ...(url !== undefined && { url }) };
}

/** Where a password listener's password comes from (never argv, see `--broker`). */
export const BROKER_PASSWORD_ENV = 'QMON_HUB_BROKER_PASSWORD';

/**
 * `--ca FILE --cert FILE --key FILE`: the hub connects to a TLS broker like an agent does, the broker's CA pinned
 * and a client certificate (CN = the hub's identity in the ACL) instead of a password. `--cert` and `--key` go
 * together, and only with mqtts://.
 */
export function brokerTls(broker: string | undefined, ca?: string, cert?: string, key?: string): HubTls | undefined {
  if (ca === undefined && cert === undefined && key === undefined) return undefined;
  if (broker === undefined || !broker.startsWith('mqtts://')) throw new UserError('--ca, --cert and --key are for a TLS broker: give --broker mqtts://HOST:PORT', 2);
  if ((cert === undefined) !== (key === undefined)) throw new UserError('--cert and --key go together (the hub\'s client certificate and its private key)', 2);
  return {
    ...(ca !== undefined && { ca: readFlagFile(ca, '--ca') }),
    ...(cert !== undefined && { cert: readFlagFile(cert, '--cert') }),
    ...(key !== undefined && { key: readFlagFile(key, '--key') }),
  };
}

/**
 * Each facility's budget: the contract's (`facilityBudget`) for agents replaying at most `--replay-rate` rows a
 * second (their config's `hub.replay_rate_per_s`, default 5); `--no-facility-budget` turns it off, for measuring
 * what it costs (never in production: one facility could then stall the hub for everyone).
 */
export function budgetOf(replayRate: string | undefined, off: boolean): FacilityBudget | null {
  if (off) {
    if (replayRate !== undefined) throw new UserError('--replay-rate sizes the facility budget: it does not go with --no-facility-budget', 2);
    return null;
  }
  if (replayRate === undefined) return facilityBudget();
  const r = Number(replayRate);
  if (!(r >= MIN_REPLAY_RATE_PER_S && r <= 1000)) throw new UserError(`--replay-rate: expected ${MIN_REPLAY_RATE_PER_S}..1000 rows per second, got "${replayRate.slice(0, 40)}"`, 2);
  return facilityBudget(r);
}

/** `--signing-key FILE`: the hub's Ed25519 private key. */
export function readSigningKey(file: string): KeyObject {
  const text = readFlagFile(file, '--signing-key').toString('utf8');
  try {
    return parsePrivateKey(text);
  } catch (e) {
    throw new UserError(`--signing-key: ${file}: ${(e as Error).message} (make one with qmon hub keys generate)`, 2);
  }
}

