/** `qmon hub`: the dispatcher of its subcommands, their usage, and `hub status`. */
import { readFileSync } from 'node:fs';
import { HubDb, isPostgresUrl, formatHubStatus, type FacilitySummary, type RecentEvent } from '../../hub/index.js';
import { redactText } from '../ops/index.js';
import { FACILITY_USAGE, hubFacilityCommand } from './hub-facility.js';
import { openPgStore } from './hub-pg.js';
import { HB_STALE_MS, parseHubArgs, runHub } from './hub-run.js';
import { keysCommand, keysUsage } from './keys.js';
import { hubTokenCommand, TOKEN_USAGE } from './hub-token.js';
import { hubUserCommand, HUB_USER_USAGE } from './hub-user.js';
import { helpRequested, printHelp } from './help.js';
import { UserError } from './user-error.js';

export { startHubService, type HubService, type HubServiceOptions } from './hub-run.js';

const USAGE = `Usage:
  qmon hub run (--broker URL [--ca FILE] [--cert FILE --key FILE] | --embedded [--port N])
               [--db FILE | --db postgres://HOST[:PORT]/DB] [--http HOST:PORT] [--shared] [--client-id ID]
               [--snapshots DIR [--upload-listen HOST:PORT --upload-cert FILE --upload-key FILE [--upload-url URL]]]
               [--signing-key FILE] [--allow-unsigned] [--open-registry] [--replay-rate R] [--no-facility-budget]
               [--duration SECONDS] [--log-level LEVEL]
      Run the reference hub consumer: store every event (de-duplicated), ACK it after the commit, publish the
      retained qmon/v1/hub/state, and serve GET /facilities and GET /events?fid=&limit= as JSON.
      --broker mqtts://HOST:PORT --ca FILE --cert FILE --key FILE connects to a TLS broker (the national template,
      packaging/broker/mosquitto) like an agent: the broker's CA pinned, the hub's client certificate (CN = its
      identity in the broker's ACL: hub, hub-2, … one per process) and its key. No password: a password listener's
      comes from QMON_HUB_BROKER_PASSWORD (the username may be in the URL), never from the command line.
      --embedded starts an in-process MQTT broker (3.1.1) on 127.0.0.1 (port 1883 unless --port; 0 = any free).
      --db postgres://… stores into PostgreSQL (migrated at start; the password from PGPASSWORD or ~/.pgpass, never
      in the URL); --snapshots needs the SQLite store for now.
      --shared subscribes to events and heartbeats as $share/hub/... so several hub processes on one database split
      the load (each with its own --client-id; no persistent session, so a dead process strands nothing).
      --snapshots DIR asks agents for each event's snapshot (cmd/snapshot) and keeps the verified JPEGs there;
      with --upload-* agents PUT them to a one-time HTTPS URL (on the broker's host name: --upload-url if the
      listening address is not what agents reach) instead of sending them over MQTT. Agents PUT only to port
      8443 of the broker's host unless their config says otherwise (hub.upload_port): listen there.
      Only registered facilities are accepted (qmon hub facility add); others are dropped and counted.
      Each facility has a budget of messages and bytes per second (every camera's events, the backlog replay
      rate, heartbeats; the burst of a reconnect): more is dropped and counted, and facilities are served in
      turn, so one facility flooding delays nobody else. --replay-rate R: the highest replay_rate_per_s your
      agents use (default 5). --no-facility-budget turns the budget off (to measure its cost; not for production).
      --open-registry accepts and registers ANY facility that posts: for the demo and tests only.
      --signing-key FILE: the hub's Ed25519 private key (qmon hub keys generate); every ACK, command and hub/state
      is signed with it, and agents that pin its public key ignore anything else. Events (and status, birth,
      heartbeats) must be signed with the facility's registered key, or they are dropped and counted, never
      stored nor ACKed; --allow-unsigned accepts unsigned messages from facilities registered WITHOUT a key.
      --http HOST:PORT serves the read API to API tokens only (qmon hub token add), and only under the host names
      given with --http-host NAME (repeatable; default: the listening address, plus localhost on loopback).
  qmon hub status (--db FILE | --db postgres://… | --http URL [--token-file FILE]) [--limit N] [--json]
      Show facilities, cameras and the newest events, from the hub database or a running hub's HTTP endpoint
      (its API token from QMON_HUB_TOKEN or --token-file).
${FACILITY_USAGE.replace('Usage:\n', '')}
${keysUsage('hub').replace('Usage:\n', '')}
${TOKEN_USAGE.replace('Usage:\n', '')}
${HUB_USER_USAGE.replace('Usage:\n', '')}`;

/** `qmon hub run | status`. */
export async function hubCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'run') return runHub(rest, USAGE);
  if (sub === 'status') return hubStatus(rest);
  if (sub === 'facility') return hubFacilityCommand(rest);
  if (sub === 'keys') return keysCommand(rest, 'hub');
  if (sub === 'token') return hubTokenCommand(rest);
  if (sub === 'user') return hubUserCommand(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  throw new UserError(`unknown hub subcommand "${sub.slice(0, 40)}"\n${USAGE}`, 2);
}


async function hubStatus(argv: string[]): Promise<number> {
  if (helpRequested(argv)) return printHelp(USAGE);
  const v = parseHubArgs(argv, USAGE, { db: { type: 'string' }, http: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, 'token-file': { type: 'string' } });
  if ((v.db === undefined) === (v.http === undefined)) {
    throw new UserError(
      'give exactly one of --db FILE or --http URL (http://HOST:PORT of a running `qmon hub run --http`); ' +
        "the agent's embedded demo hub keeps its database at STORAGE_DIR/hub.db (for config/demo.yaml: data/demo/hub.db)",
      2,
    );
  }
  const limit = v.limit === undefined ? 10 : Number(v.limit);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new UserError(`--limit: expected 1..1000, got "${v.limit}"`, 2);
  if (v['token-file'] !== undefined && v.http === undefined) throw new UserError('--token-file goes with --http', 2);
  const { facilities, events } =
    v.db === undefined ? await fromHttp(v.http!, limit, apiToken(v['token-file'])) : isPostgresUrl(v.db) ? await fromPg(v.db, limit) : fromDb(v.db, limit);
  process.stdout.write(v.json ? `${JSON.stringify({ facilities, events }, null, 2)}\n` : formatHubStatus(facilities, events, Date.now()));
  return 0;
}

function fromDb(file: string, limit: number): { facilities: FacilitySummary[]; events: RecentEvent[] } {
  let db: HubDb;
  try {
    db = new HubDb(file, { readonly: true });
  } catch (e) {
    throw new UserError(`cannot read the hub database: ${(e as Error).message}`);
  }
  try {
    return { facilities: db.facilitySummaries(Date.now(), HB_STALE_MS), events: db.recentEvents(undefined, limit) };
  } finally {
    db.close();
  }
}

async function fromPg(url: string, limit: number): Promise<{ facilities: FacilitySummary[]; events: RecentEvent[] }> {
  const store = await openPgStore(url);
  try {
    return { facilities: await store.summaries(Date.now(), HB_STALE_MS), events: await store.recentEvents({}, limit) };
  } finally {
    await store.close();
  }
}

/** The API token from --token-file or QMON_HUB_TOKEN (never from argv: it would show in ps). */
function apiToken(file: string | undefined): string | null {
  if (file === undefined) return process.env.QMON_HUB_TOKEN?.trim() || null;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new UserError(`--token-file: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 2);
  }
}

async function fromHttp(base: string, limit: number, token: string | null): Promise<{ facilities: FacilitySummary[]; events: RecentEvent[] }> {
  if (!/^https?:\/\/[^/]+/.test(base)) throw new UserError(`--http must be an http:// URL of a running hub (got "${redactText(base)}")`, 2);
  const root = base.replace(/\/+$/, '');
  const get = async <T>(path: string): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, { signal: AbortSignal.timeout(10_000), ...(token && { headers: { authorization: `Bearer ${token}` } }) });
    } catch (e) {
      throw new UserError(`cannot reach the hub at ${redactText(root)}: ${(e as Error).message}`);
    }
    if (res.status === 401) throw new UserError(`the hub at ${redactText(root)} wants an API token: set QMON_HUB_TOKEN or give --token-file (qmon hub token add)`);
    if (!res.ok) throw new UserError(`the hub at ${redactText(root)} answered ${res.status} for ${path}`);
    return (await res.json()) as T;
  };
  const [f, e] = await Promise.all([get<{ facilities: FacilitySummary[] }>('/facilities'), get<{ events: RecentEvent[] }>(`/events?limit=${limit}`)]);
  return { facilities: f.facilities, events: e.events };
}
