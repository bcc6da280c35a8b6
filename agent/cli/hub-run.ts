/** `qmon hub run`: the reference hub as a service (broker or embedded broker, database, HTTP API, snapshot uploads). */
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { KeyObject } from 'node:crypto';
import type { FacilityBudget } from '../../contract/index.js';
import {
  ApiAccess,
  EmbeddedBroker,
  type ApiAccessStore,
  PgHubStore,
  isPostgresUrl,
  ReferenceHub,
  parseHostPort,
  startHubHttp,
  startHubWeb,
  type StartedHubWeb,
  startHubUpload,
  type HubHttp,
  type HubTls,
  type HubUpload,
} from '../../hub/index.js';
import { createLogger, redactText, type Logger } from '../ops/index.js';
import { systemClock } from '../shared/clock.js';
import { openPgStore, refusePasswordInUrl } from './hub-pg.js';
import { helpRequested, printHelp } from './help.js';
import { BROKER_PASSWORD_ENV, brokerTls, budgetOf, readSigningKey, uploadOptions } from './hub-run-options.js';
import { UserError } from './user-error.js';

const DEFAULT_DB = 'qmon-hub.db';
/** A facility whose heartbeat is older than this shows stale (here and in `qmon hub status`). */
export const HB_STALE_MS = 180_000;

export interface HubServiceOptions {
  /** `mqtt://` / `mqtts://` URL of an existing broker; or null with `embeddedPort` set. */
  readonly broker: string | null;
  /** For an `mqtts://` broker: the pinned CA and the hub's client certificate and key (read from files). */
  readonly tls?: HubTls;
  /** A password listener's password (from QMON_HUB_BROKER_PASSWORD; the username may be in the URL). */
  readonly brokerPassword?: string;
  /** Each facility's budget (`facilityBudget()` by default); null: none (to measure its cost). */
  readonly facilityBudget?: FacilityBudget | null;
  readonly embeddedPort?: number;
  readonly db: string;
  readonly http?: { readonly host: string; readonly port: number };
  /** Host names the HTTP API answers to (421 otherwise); default: the listening host, plus localhost names on loopback. */
  readonly httpHosts?: readonly string[];
  readonly shared?: boolean;
  readonly clientId?: string;
  /** Fetch and keep event snapshots in this folder. */
  readonly snapshotDir?: string;
  /** Serve one-time HTTPS upload URLs for snapshots (needs snapshotDir). */
  readonly upload?: { readonly host: string; readonly port: number; readonly cert: Buffer; readonly key: Buffer; readonly url?: string };
  /** Facilities to register at start (in addition to those already in the database's registry). */
  readonly facilities?: readonly string[];
  /** Accept and register any facility that posts (demo and tests only). */
  readonly openRegistry?: boolean;
  /** The hub's signing key (ACKs, commands, hub/state). */
  readonly signingKey?: KeyObject;
  /** Refuse unsigned messages also from facilities registered without a key. */
  readonly requireSignatures?: boolean;
  readonly logger: Logger;
  /** Human-readable lines (one per event, startup facts). */
  readonly say?: (line: string) => void;
}

export interface HubService {
  readonly brokerUrl: string;
  readonly httpUrl: string | null;
  readonly hub: ReferenceHub;
  /** The HTTP API's tokens and access log (null without --http). */
  readonly access: ApiAccessStore | null;
  /** The web view (null without --http). */
  readonly web: StartedHubWeb['web'] | null;
  /** Resolves once connected, subscribed and announced online. */
  readonly connected: Promise<void>;
  stop(): Promise<void>;
}

/** Starts broker (if embedded), reference hub and HTTP endpoint; `stop()` undoes it in reverse order. */
export async function startHubService(opts: HubServiceOptions): Promise<HubService> {
  const say = opts.say ?? (() => undefined);
  let broker: EmbeddedBroker | null = null;
  let url = opts.broker;
  if (url === null) {
    broker = new EmbeddedBroker({ port: opts.embeddedPort ?? 1883 });
    url = (await broker.start().catch((e: unknown) => {
      throw new UserError((e as Error).message);
    })).url;
    say(`embedded MQTT broker (3.1.1) at ${url}`);
  }
  let upload: HubUpload | null = null;
  if (opts.upload) {
    upload = await startHubUpload({ acceptUpload: (...a) => hub.acceptUpload(...a) }, opts.upload).catch(async (e: unknown) => {
      await broker?.stop();
      throw new UserError((e as Error).message);
    });
    say(`snapshot upload service ${upload.url} (agents are given ${opts.upload.url ?? upload.url})`);
  }
  let hub: ReferenceHub;
  let store: PgHubStore | undefined;
  try {
    store = isPostgresUrl(opts.db) ? await openPostgres(opts) : undefined;
    hub = new ReferenceHub({
      ...(store && { store }),
      url,
      dbFile: opts.db,
      clock: systemClock,
      logger: opts.logger,
      hbStaleMs: HB_STALE_MS,
      ...(opts.shared !== undefined && { shared: opts.shared }),
      ...(opts.clientId !== undefined && { clientId: opts.clientId }),
      ...(opts.tls && { tls: opts.tls }),
      ...(opts.brokerPassword !== undefined && { password: opts.brokerPassword }),
      ...(opts.facilityBudget !== undefined && { facilityBudget: opts.facilityBudget }),
      ...(opts.snapshotDir !== undefined && { snapshotDir: opts.snapshotDir }),
      ...(upload && { uploadUrl: opts.upload?.url ?? upload.url }),
      ...(opts.facilities !== undefined && { facilities: opts.facilities }),
      ...(opts.openRegistry === true && { openRegistry: true }),
      ...(opts.signingKey !== undefined && { signingKey: opts.signingKey }),
      ...(opts.requireSignatures === true && { requireSignatures: true }),
    });
  } catch (e) {
    await upload?.close();
    await broker?.stop();
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot open the hub database ${redactText(opts.db)}: ${(e as Error).message}`);
  }
  hub.on('event', ({ fid, event: e, duplicate }) =>
    say(`event ${fid} seq ${e.seq} ${e.type} ${e.state} rev ${e.rev} camera ${e.camera_id}${e.replay ? ' (replay)' : ''}${duplicate ? ' (duplicate)' : ''}`),
  );
  hub.on('resend', (r) => say(`asked ${r.fid} to resend seqs ${r.from}..${r.to}`));
  hub.on('snapshot', (s) => say(`snapshot ${s.fid} event ${s.eventId} ${s.bytes} bytes ${s.ok ? 'kept (sha256 verified)' : `refused: ${s.error ?? ''}`}`));
  let http: HubHttp | null = null;
  let access: ApiAccessStore | null = null;
  let sqliteAccess: ApiAccess | null = null;
  let web: StartedHubWeb | null = null;
  try {
    if (opts.http) {
      // PostgreSQL: the tokens and access log are tables of the hub database, on the store's pool.
      access = store?.access ?? (sqliteAccess = new ApiAccess(opts.db));
      web = await startHubWeb(hub, store, opts.db, access);
      http = await startHubHttp(hub, opts.http.host, opts.http.port, { access, hosts: opts.httpHosts ?? defaultHosts(opts.http.host), web: web.web });
      say(`HTTP ${http.url} (GET /facilities, /events?fid=&limit=, /snapshots/{fid}/{event_id}; the web view for hub users at /ui/)`);
    }
  } catch (e) {
    await web?.stop().catch(() => undefined);
    sqliteAccess?.close();
    await hub.stop().catch(() => undefined);
    await upload?.close();
    await broker?.stop();
    throw new UserError((e as Error).message);
  }
  if (opts.openRegistry === true) {
    say('WARNING: --open-registry: any client that can publish on the broker can create facilities (demo and tests only)');
    opts.logger.warn('hub: open registry: every facility that posts is accepted and registered');
  }
  say(`database ${redactText(opts.db)}; connecting to ${redactText(url)} …`);
  // MQTT.js keeps retrying until the broker answers; the service is up (HTTP, stop) meanwhile.
  const connected = hub.start().then(() => say('hub online (retained hub/state: online, accepting)'));
  return {
    brokerUrl: url,
    httpUrl: http?.url ?? null,
    hub,
    access,
    web: web?.web ?? null,
    connected,
    stop: async () => {
      await web?.stop(); // ends the web view's event streams first: the HTTP server's close waits for open connections
      await http?.close();
      sqliteAccess?.close();
      await upload?.close();
      await hub.stop();
      await broker?.stop();
    },
  };
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/** The Host names a hub listening on `host` answers to when none are given. */
function defaultHosts(host: string): string[] {
  const h = host.toLowerCase();
  if (h === '0.0.0.0' || h === '::') throw new UserError('--http on all addresses needs --http-host NAME (the names clients use; others get 421)', 2);
  return LOOPBACK_NAMES.includes(h) || h.startsWith('127.') ? [...new Set([h, ...LOOPBACK_NAMES])] : [h];
}

async function openPostgres(opts: HubServiceOptions): Promise<PgHubStore> {
  refusePasswordInUrl(opts.db);
  if (opts.snapshotDir !== undefined) throw new UserError('--snapshots needs the SQLite store for now', 2);
  return openPgStore(opts.db);
}

/** `qmon hub run`: parses the flags, runs the service until SIGINT/SIGTERM or --duration, prints the counters. */
export async function runHub(argv: string[], usage: string): Promise<number> {
  if (helpRequested(argv)) return printHelp(usage);
  const v = parseHubArgs(argv, usage, {
    broker: { type: 'string' },
    embedded: { type: 'boolean' },
    port: { type: 'string' },
    db: { type: 'string' },
    http: { type: 'string' },
    shared: { type: 'boolean' },
    'client-id': { type: 'string' },
    snapshots: { type: 'string' },
    'upload-listen': { type: 'string' },
    'upload-cert': { type: 'string' },
    'upload-key': { type: 'string' },
    'upload-url': { type: 'string' },
    duration: { type: 'string' },
    'log-level': { type: 'string' },
    'open-registry': { type: 'boolean' },
    'signing-key': { type: 'string' },
    'allow-unsigned': { type: 'boolean' },
    'http-host': { type: 'string', multiple: true },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'replay-rate': { type: 'string' },
    'no-facility-budget': { type: 'boolean' },
  });
  if ((v.broker === undefined) === (v.embedded !== true)) throw new UserError('give exactly one of --broker URL or --embedded', 2);
  if (v.broker !== undefined && !/^mqtts?:\/\/[^/]+/.test(v.broker)) {
    throw new UserError(`--broker must be an mqtt:// or mqtts:// URL (got "${redactText(v.broker)}")`, 2);
  }
  if (v.broker !== undefined && /^mqtts?:\/\/[^/@]*:[^/@]*@/.test(v.broker)) {
    throw new UserError(
      `--broker: a password in the URL is visible to every user (ps); connect with the hub's client certificate (--ca, --cert, --key) or put the password in ${BROKER_PASSWORD_ENV}`,
      2,
    );
  }
  if (v.port !== undefined && v.embedded !== true) throw new UserError('--port only goes with --embedded', 2);
  const port = v.port === undefined ? undefined : Number(v.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new UserError(`--port: expected 0..65535, got "${v.port}"`, 2);
  const http = v.http === undefined ? undefined : parseHostPort(v.http);
  if (http === null) throw new UserError(`--http: expected HOST:PORT (e.g. 127.0.0.1:8090), got "${v.http}"`, 2);
  const duration = v.duration === undefined ? null : Number(v.duration);
  if (duration !== null && !(duration > 0)) throw new UserError(`--duration: expected a number of seconds > 0, got "${v.duration}"`, 2);

  const tls = brokerTls(v.broker, v.ca, v.cert, v.key);
  const budget = budgetOf(v['replay-rate'], v['no-facility-budget'] === true);
  const brokerPassword = process.env[BROKER_PASSWORD_ENV] || undefined;
  const upload = uploadOptions(v['upload-listen'], v['upload-cert'], v['upload-key'], v['upload-url'], v.snapshots);

  const signingKey = v['signing-key'] === undefined ? undefined : readSigningKey(v['signing-key']);
  const logger = createLogger({ level: v['log-level'] ?? 'warn', destination: pino.destination({ fd: 2, sync: false }) });
  const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)}  hub: ${redactText(line)}\n`);
  const service = await startHubService({
    broker: v.broker ?? null,
    ...(tls && { tls }),
    ...(brokerPassword !== undefined && { brokerPassword }),
    facilityBudget: budget,
    ...(port !== undefined && { embeddedPort: port }),
    db: v.db ?? DEFAULT_DB,
    ...(http !== undefined && { http }),
    ...(v['http-host'] !== undefined && { httpHosts: v['http-host'].map((h) => h.toLowerCase()) }),
    ...(v.shared !== undefined && { shared: v.shared }),
    ...(v['client-id'] !== undefined && { clientId: v['client-id'] }),
    ...(v.snapshots !== undefined && { snapshotDir: v.snapshots }),
    ...(upload && { upload }),
    ...(v['open-registry'] === true && { openRegistry: true }),
    ...(signingKey !== undefined && { signingKey }),
    requireSignatures: v['allow-unsigned'] !== true,
    logger,
    say,
  });
  if (signingKey === undefined) say('WARNING: no --signing-key: ACKs and commands go out unsigned; agents that pin a hub key ignore them');
  if (v['allow-unsigned'] === true) say('WARNING: --allow-unsigned: facilities registered without a key may post unsigned (forgeable) events');
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      clearTimeout(timer);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    const timer = duration === null ? undefined : setTimeout(done, duration * 1000);
  });
  say('stopping (announcing hub/state offline)');
  await service.stop();
  const s = service.hub.stats();
  const dropped = Object.entries(s.dropped).map(([reason, n]) => `${n} ${reason}`).join(', ');
  say(`${s.received} events received, ${s.duplicates} duplicates, ${s.invalid} invalid, ${s.acked} seqs acked, ${s.snapshots} snapshots kept, ${s.storeErrors} database write failures${dropped ? `; dropped: ${dropped}` : ''}`);
  logger.flush();
  return 0;
}

/** The flags of one `qmon hub` subcommand; a bad one is a usage error (exit 2) with the usage. */
export function parseHubArgs<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(argv: string[], usage: string, options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false }).values;
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${usage}`, 2);
  }
}
