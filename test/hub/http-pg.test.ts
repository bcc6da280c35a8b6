// The hub's HTTP API and its registry/token CLI on a PostgreSQL hub (the national side): the same
// tokens, tiers, access log and Host check as on SQLite, through `qmon hub run --db postgres://… --http`.
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hubFacilityCommand } from '../../agent/cli/hub-facility.js';
import { hubTokenCommand } from '../../agent/cli/hub-token.js';
import { hubCommand, startHubService, type HubService } from '../../agent/cli/hub.js';
import { keysCommand } from '../../agent/cli/keys.js';
import { EventPayload, encodeEvent } from '../../contract/index.js';
import { PgHubStore } from '../../hub/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { POSTGRES_MISSING, postgresBin, startPostgres, type TestPostgres } from '../support/postgres.js';

const T = Date.UTC(2026, 0, 1);
const FACILITIES = [
  { fid: 'bg-0137', province: 'bac-giang' },
  { fid: 'bg-0200', province: 'bac-giang' },
  { fid: 'hn-0001', province: 'ha-noi' },
];

const pgReason = postgresBin() === null ? POSTGRES_MISSING : null;
if (pgReason !== null) console.warn(`SKIPPED hub HTTP on PostgreSQL tests: ${pgReason}`);
let pgServer: TestPostgres | null = null;
let dbCount = 0;
let url = '';
let out = '';
let tmp: { dir: string; cleanup: () => void };

beforeAll(async () => {
  if (pgReason === null) pgServer = await startPostgres();
}, 90_000);
afterAll(async () => {
  await pgServer?.stop();
});

beforeEach(async (ctx) => {
  if (pgReason !== null) return ctx.skip();
  url = await pgServer!.createDb(`httppg${++dbCount}`);
  tmp = tempDir('hub-http-pg');
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += c.toString()), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  tmp?.cleanup();
});

/** Runs one CLI command in-process and returns what it printed. */
async function cli(run: () => Promise<number>): Promise<string> {
  out = '';
  expect(await run()).toBe(0);
  return out;
}

async function addToken(name: string, tier: string, scope?: string): Promise<string> {
  const printed = await cli(() => hubTokenCommand(['add', name, '--tier', tier, ...(scope ? ['--scope', scope] : []), '--db', url]));
  const token = /\n(qmt_[A-Za-z0-9_-]{43})\n$/.exec(printed)?.[1];
  if (token === undefined) throw new Error(`no token printed: ${printed}`);
  return token;
}

describe('qmon hub facility / token on PostgreSQL', () => {
  it('registers with province and key, rotates, lists, removes; tokens add, list, revoke; refuses a password in the URL', async () => {
    const kid = (n: string) => /key id: ([0-9a-f]{16})/.exec(keysOut(n))![1]!;
    const keysOut = (n: string) => {
      out = '';
      keysCommand(['generate', '--out', join(tmp.dir, n)], 'facility');
      return out;
    };
    const pub = (n: string) => join(tmp.dir, n, 'facility-key.pub.pem');
    const [k1, k2] = [kid('k1'), kid('k2')];
    expect(await cli(() => hubFacilityCommand(['add', 'bg-0137', '--public-key', pub('k1'), '--province', 'bac-giang', '--db', url]))).toBe(`registered bg-0137 with key ${k1}\n`);
    expect(await cli(() => hubFacilityCommand(['add', 'bg-0137', '--db', url]))).toMatch(/was already registered/);
    expect(await cli(() => hubFacilityCommand(['key', 'bg-0137', '--next', pub('k2'), '--db', url]))).toBe(`bg-0137: key ${k1}, next key ${k2}\n`);
    expect(await cli(() => hubFacilityCommand(['list', '--db', url]))).toMatch(new RegExp(`^bg-0137\\tenabled\\t\\S+\\tkey ${k1} \\(next ${k2}\\)\\t\\n$`));
    expect(await cli(() => hubFacilityCommand(['key', 'bg-0137', '--promote', '--db', url]))).toBe(`bg-0137: key ${k2}\n`);
    await expect(hubFacilityCommand(['key', 'bg-0137', '--promote', '--db', url])).rejects.toThrow(/has no next key/);
    await expect(hubFacilityCommand(['key', 'hn-9999', '--set', pub('k1'), '--db', url])).rejects.toThrow(/hn-9999 is not registered/);
    const store = await PgHubStore.open(url);
    try {
      expect(await store.provinceOf('bg-0137')).toBe('bac-giang');
      expect(store.registry.accepts('bg-0137')).toBe(true); // what a running hub admits from
      expect(await cli(() => hubFacilityCommand(['remove', 'bg-0137', '--db', url]))).toBe('removed bg-0137 (its stored events stay)\n');
      await store.registry.refresh();
      expect(store.registry.accepts('bg-0137')).toBe(false);

      const token = await addToken('bg-cdc', 'province', 'bac-giang');
      expect(await store.access.authenticate(token)).toEqual({ name: 'bg-cdc', tier: 'province', scope: 'bac-giang' });
      const stored = await store.access.tokens();
      expect(JSON.stringify(stored)).not.toContain(token); // only the sha256 is kept
      expect(await cli(() => hubTokenCommand(['list', '--db', url]))).toMatch(/^bg-cdc\tprovince\tbac-giang\t\S+\n$/);
      await expect(hubTokenCommand(['add', 'bg-cdc', '--tier', 'national', '--db', url])).rejects.toThrow(/exists already/);
      await expect(hubTokenCommand(['add', 'x', '--tier', 'facility', '--scope', 'Not A Fid', '--db', url])).rejects.toThrow(/must be a fid/);
      expect(await cli(() => hubTokenCommand(['revoke', 'bg-cdc', '--db', url]))).toBe('revoked bg-cdc\n');
      expect(await store.access.authenticate(token)).toBeNull();
      await expect(hubTokenCommand(['revoke', 'bg-cdc', '--db', url])).rejects.toThrow(/no active token/);
    } finally {
      await store.close();
    }
    const withPassword = url.replace('postgres@', 'postgres:secret@');
    await expect(hubTokenCommand(['list', '--db', withPassword])).rejects.toThrow(/PGPASSWORD or ~\/\.pgpass, not in the URL/);
    await expect(hubFacilityCommand(['list', '--db', withPassword])).rejects.toThrow(/PGPASSWORD or ~\/\.pgpass, not in the URL/);
  }, 30_000);
});

describe('qmon hub run --db postgres://… --http', () => {
  let service: HubService | null = null;
  afterEach(async () => {
    await service?.stop();
    service = null;
  });

  /** A PG hub with three registered facilities in two provinces and one event each (received 1 s apart). */
  const eventIds = new Map<string, string>();
  async function start(): Promise<{ store: PgHubStore; base: string }> {
    for (const f of FACILITIES) await cli(() => hubFacilityCommand(['add', f.fid, '--province', f.province, '--db', url]));
    service = await startHubService({ broker: null, embeddedPort: 0, db: url, http: { host: '127.0.0.1', port: 0 }, logger: silentLogger() });
    const store = service.hub.store as PgHubStore;
    for (const [i, f] of FACILITIES.entries()) {
      const v = violation(i + 1);
      eventIds.set(f.fid, v.eventId);
      const e = EventPayload.parse(JSON.parse(encodeEvent(v, { fid: f.fid, session: 1, seq: 1, replay: false, clock: { synced: true, source: 'chrony' } }).toString()));
      await store.ingest(e, T + i * 1000);
    }
    return { store, base: service.httpUrl! };
  }

  const get = async (base: string, path: string, token: string | null) => {
    const res = await fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: res.status, body: (await res.json()) as Record<string, { fid: string }[]> };
  };
  const fids = (rows: { fid: string }[] | undefined) => (rows ?? []).map((r) => r.fid);

  it('401 without a token, 403 outside the scope, 200 with the scope’s rows, newest first; 404 for snapshots', async () => {
    const { base } = await start();
    const national = await addToken('moh', 'national');
    const province = await addToken('bg-cdc', 'province', 'bac-giang');
    const facility = await addToken('hn-0001-staff', 'facility', 'hn-0001');
    expect((await get(base, '/facilities', null)).status).toBe(401);
    expect((await get(base, '/events', 'qmt_unknown')).status).toBe(401);
    expect(fids((await get(base, '/facilities', national)).body.facilities)).toEqual(['bg-0137', 'bg-0200', 'hn-0001']);
    expect(fids((await get(base, '/facilities', province)).body.facilities)).toEqual(['bg-0137', 'bg-0200']);
    expect(fids((await get(base, '/events', national)).body.events)).toEqual(['hn-0001', 'bg-0200', 'bg-0137']);
    expect(fids((await get(base, '/events?limit=1', national)).body.events)).toEqual(['hn-0001']);
    expect(fids((await get(base, '/events', province)).body.events)).toEqual(['bg-0200', 'bg-0137']);
    expect(fids((await get(base, '/events', facility)).body.events)).toEqual(['hn-0001']);
    expect((await get(base, '/events?fid=hn-0001', province)).status).toBe(403);
    expect((await get(base, '/events?fid=bg-0137', facility)).status).toBe(403);
    expect(fids((await get(base, '/events?fid=bg-0137', province)).body.events)).toEqual(['bg-0137']);
    const summary = (await get(base, '/facilities', facility)).body.facilities?.[0];
    expect(summary).toMatchObject({ fid: 'hn-0001', events: 1, deliveries: 1, max_seq: 1, missing_seqs: 0 });
    expect((await get(base, `/snapshots/hn-0001/${eventIds.get('hn-0001')!}`, facility)).status).toBe(404); // no snapshot collection on PG yet
  }, 30_000);

  it('writes events exports and snapshot reads to the access log table; a wrong Host gets 421', async () => {
    const { store, base } = await start();
    const facility = await addToken('hn-0001-staff', 'facility', 'hn-0001');
    await get(base, '/events?limit=5', facility);
    await get(base, '/events?fid=bg-0137', facility);
    await get(base, `/snapshots/bg-0137/${eventIds.get('bg-0137')!}`, facility);
    await get(base, '/facilities', facility); // not an export: not logged
    const log = await store.access.accessLog();
    expect(log.map(({ token, action, fid, detail, status }) => ({ token, action, fid, detail, status }))).toEqual([
      { token: 'hn-0001-staff', action: 'snapshot', fid: 'bg-0137', detail: eventIds.get('bg-0137'), status: 403 },
      { token: 'hn-0001-staff', action: 'events', fid: 'bg-0137', detail: null, status: 403 },
      { token: 'hn-0001-staff', action: 'events', fid: 'hn-0001', detail: 'limit=5', status: 200 },
    ]);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/facilities`, { headers: { host: 'evil.example', authorization: `Bearer ${facility}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
    // And `qmon hub status` reads the same hub, over HTTP and from the database.
    process.env.QMON_HUB_TOKEN = facility;
    try {
      const viaHttp = JSON.parse(await cli(() => hubCommand(['status', '--http', base, '--json']))) as { facilities: { fid: string }[] };
      expect(fids(viaHttp.facilities)).toEqual(['hn-0001']);
    } finally {
      delete process.env.QMON_HUB_TOKEN;
    }
    const viaDb = JSON.parse(await cli(() => hubCommand(['status', '--db', url, '--json', '--limit', '2']))) as { facilities: { fid: string }[]; events: { fid: string }[] };
    expect(fids(viaDb.facilities)).toEqual(['bg-0137', 'bg-0200', 'hn-0001']);
    expect(fids(viaDb.events)).toEqual(['hn-0001', 'bg-0200']);
  }, 30_000);
});
