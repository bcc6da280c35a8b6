import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isPostgresUrl, PgHubStore, SqliteHubStore, type HubStore } from '../../hub/index.js';
import { redactText } from '../ops/index.js';
import { fleetFids, fleetKeys, runFleet, type SimTls } from '../../hub/sim/index.js';
import { readFlagFile, UserError } from './user-error.js';

const USAGE = `Usage:
  qmon sim --broker URL --facilities N --seconds S [--rate R] [--outage S] [--prefix P]
           [--provision --db FILE|postgres://HOST[:PORT]/DB] [--ack-timeout S] [--replay-rate R] [--heartbeat S]
           [--drain-timeout S] [--ca FILE --certs DIR]
      A fleet of N simulated facilities (contract level, no video) against a hub, for load tests: each its own
      MQTT session, outbox, seqs, birth and heartbeat. Records --rate violations per second per facility
      (default 0.05; each is two revisions, new and end) for S seconds, then waits until every row is acked.
      --outage S: the facilities first record for S seconds with the hub unreachable, then all connect at
      once and replay their backlog under the replay cap (--replay-rate rows/s per facility, default 50):
      the post-outage herd. --provision registers the fleet (fids PREFIX-0001…, default prefix "sim", with an
      Ed25519 public key each) in the hub's registry first. Prints one JSON summary line.
      --ca FILE --certs DIR: for an mqtts:// broker (the national template), the pinned CA and each facility's
      client certificate DIR/FID.pem with its key DIR/FID.key (CN = the fid).`;

function num(v: string | undefined, flag: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(Number.isFinite(n) && n >= min)) throw new UserError(`${flag}: expected a number >= ${min}, got "${v.slice(0, 40)}"`, 2);
  return n;
}

/** Registers the fleet's fids and public keys in the hub's registry (SQLite file or PostgreSQL). */
export async function provisionFleet(db: string, fids: readonly string[]): Promise<number> {
  let store: HubStore;
  try {
    store = isPostgresUrl(db) ? await PgHubStore.open(db) : new SqliteHubStore(db);
  } catch (e) {
    throw new UserError(`--db: cannot open the hub database ${redactText(db)}: ${(e as Error).message}`);
  }
  try {
    const keys = fleetKeys(fids);
    let added = 0;
    for (const fid of fids) if (await store.register(fid, 'simulated', keys.get(fid) ?? null, Date.now())) added++;
    return added;
  } finally {
    await store.close();
  }
}

/** `--ca FILE --certs DIR`: each facility's TLS material, read when it connects (errors name the flag and file). */
function simTls(broker: string, ca?: string, certs?: string): ((fid: string) => SimTls) | undefined {
  if (ca === undefined && certs === undefined) return undefined;
  if (ca === undefined || certs === undefined || !broker.startsWith('mqtts://')) throw new UserError('--ca and --certs go together, with an mqtts:// --broker', 2);
  const caBytes = readFlagFile(ca, '--ca');
  return (fid) => ({ ca: caBytes, cert: readFlagFile(join(certs, `${fid}.pem`), '--certs'), key: readFlagFile(join(certs, `${fid}.key`), '--certs') });
}

export async function simCommand(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        broker: { type: 'string' },
        facilities: { type: 'string' },
        seconds: { type: 'string' },
        rate: { type: 'string' },
        outage: { type: 'string' },
        prefix: { type: 'string' },
        provision: { type: 'boolean' },
        db: { type: 'string' },
        'ack-timeout': { type: 'string' },
        'replay-rate': { type: 'string' },
        heartbeat: { type: 'string' },
        'drain-timeout': { type: 'string' },
        ca: { type: 'string' },
        certs: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${USAGE}`, 2);
  }
  if (v.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (v.broker === undefined || !/^mqtts?:\/\/[^/]+/.test(v.broker)) throw new UserError(`--broker mqtt://HOST:PORT is required\n${USAGE}`, 2);
  const facilities = num(v.facilities, '--facilities', NaN, 1);
  if (!Number.isInteger(facilities) || facilities > 100_000) throw new UserError('--facilities: expected an integer 1..100000', 2);
  const seconds = num(v.seconds, '--seconds', NaN, 0);
  if (Number.isNaN(seconds)) throw new UserError('--seconds S is required', 2);
  const prefix = v.prefix ?? 'sim';
  if (!/^[a-z0-9-]{1,20}$/.test(prefix)) throw new UserError(`--prefix: expected 1..20 of a-z 0-9 -, got "${prefix.slice(0, 40)}"`, 2);
  if ((v.provision === true) !== (v.db !== undefined)) throw new UserError('--provision and --db go together', 2);
  if (v.provision === true) {
    const added = await provisionFleet(v.db!, fleetFids(prefix, facilities));
    process.stderr.write(`sim: registered ${added} new facilities (of ${facilities}) in ${redactText(v.db!)}\n`);
  }
  const tls = simTls(v.broker, v.ca, v.certs);
  const fleet = runFleet({
    ...(tls && { tls }),
    url: v.broker,
    facilities,
    seconds,
    ratePerS: num(v.rate, '--rate', 0.05, 0),
    outageS: num(v.outage, '--outage', 0, 0),
    prefix,
    ackTimeoutMs: num(v['ack-timeout'], '--ack-timeout', 60, 1) * 1000,
    replayRatePerS: num(v['replay-rate'], '--replay-rate', 50, 0.1),
    heartbeatMs: num(v.heartbeat, '--heartbeat', 30, 1) * 1000,
    drainTimeoutS: num(v['drain-timeout'], '--drain-timeout', 120, 1),
  });
  const stop = () => void fleet.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const summary = await fleet.done;
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return summary.drained ? 0 : 1;
}
