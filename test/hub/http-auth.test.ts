import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodePayload, encodeEvent, EventPayload } from '../../contract/index.js';
import { ApiAccess, HubDb, startHubHttp, type HubHttp, type HubReadModel } from '../../hub/index.js';
import { hubTokenCommand } from '../../agent/cli/hub-token.js';
import { tempDir, violation } from '../store/fixtures.js';

/** Three facilities in two provinces, one event each, and a kept snapshot of each event. */
const FACILITIES = [
  { fid: 'bg-0137', province: 'bac-giang' },
  { fid: 'bg-0200', province: 'bac-giang' },
  { fid: 'hn-0001', province: 'ha-noi' },
];
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

let tmp: { dir: string; cleanup: () => void };
let db: HubDb;
let access: ApiAccess;
let http: HubHttp;
const eventIds = new Map<string, string>();

beforeEach(async () => {
  tmp = tempDir('hub-http-auth');
  const file = join(tmp.dir, 'hub.db');
  db = new HubDb(file);
  FACILITIES.forEach(({ fid, province }, i) => {
    db.registry.add(fid, null, 0);
    db.registry.setProvince(fid, province);
    const v = violation(i + 1);
    const e = decodePayload(EventPayload, 'evt', encodeEvent(v, { fid, session: 1, seq: 1, replay: false, clock: { synced: true, source: 'chrony' } }));
    if (!e.ok) throw new Error(e.error);
    db.ingest(e.value, Date.UTC(2026, 0, 1));
    eventIds.set(fid, v.eventId);
  });
  const model: HubReadModel = {
    summaries: () => Promise.resolve(db.facilitySummaries(Date.UTC(2026, 0, 1), 180_000)),
    recentEvents: (scope, limit) => Promise.resolve(db.recentEvents(scope.fid, limit, scope.province)),
    provinceOf: (fid) => Promise.resolve(db.registry.provinceOf(fid)),
    snapshotImage: (fid, eventId) => Promise.resolve(eventIds.get(fid) === eventId ? { bytes: JPEG, sha256: 'x' } : null),
  };
  access = new ApiAccess(file);
  http = await startHubHttp(model, '127.0.0.1', 0, { access, hosts: ['127.0.0.1', 'hub.example.gov.vn'], now: () => Date.UTC(2026, 0, 2) });
});

afterEach(async () => {
  await http.close();
  access.close();
  db.close();
  tmp.cleanup();
  vi.restoreAllMocks();
});

async function get(path: string, token: string | null, headers: Record<string, string> = {}) {
  const res = await fetch(`${http.url}${path}`, { headers: { ...(token && { authorization: `Bearer ${token}` }), ...headers } });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, body: type.startsWith('application/json') ? ((await res.json()) as Record<string, unknown>) : null, res };
}

/** fetch() never sends a Host of our choosing (a forbidden header), so the Host test speaks node:http. */
function statusWithHost(path: string, host: string, token: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${http.url}${path}`, { headers: { host, ...(token && { authorization: `Bearer ${token}` }) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const fidsOf = (body: Record<string, unknown> | null, key: 'facilities' | 'events') => (body?.[key] as { fid: string }[]).map((f) => f.fid).sort();

describe('the hub HTTP API: tokens, tiers, access log, Host', () => {
  it('every route needs a valid token: none, unknown, malformed and revoked get 401', async () => {
    const token = access.addToken('ops', 'national', null, 0);
    for (const path of ['/facilities', '/events', `/snapshots/bg-0137/${eventIds.get('bg-0137')!}`, '/nothing']) {
      const r = await get(path, null);
      expect(r.status).toBe(401);
      expect(r.res.headers.get('www-authenticate')).toBe('Bearer realm="qmon-hub"');
    }
    expect((await get('/facilities', 'qmt_not-a-real-token')).status).toBe(401);
    expect((await get('/facilities', null, { authorization: `Basic ${token}` })).status).toBe(401);
    expect((await get('/facilities', token)).status).toBe(200);
    expect(access.revoke('ops')).toBe(true);
    expect((await get('/facilities', token)).status).toBe(401);
  });

  it('a Host the hub does not answer to gets 421, before authentication', async () => {
    const token = access.addToken('ops', 'national', null, 0);
    expect(await statusWithHost('/facilities', 'evil.example', token)).toBe(421);
    expect(await statusWithHost('/facilities', 'evil.example', null)).toBe(421);
    expect(await statusWithHost('/facilities', 'HUB.example.gov.vn:8090', token)).toBe(200);
    expect(await statusWithHost('/facilities', 'HUB.example.gov.vn:8090', null)).toBe(401);
  });

  it('national sees all; province only its facilities; facility only itself (403 outside, lists filtered)', async () => {
    const national = access.addToken('moh', 'national', null, 0);
    const province = access.addToken('bg-cdc', 'province', 'bac-giang', 0);
    const facility = access.addToken('hn-0001-staff', 'facility', 'hn-0001', 0);
    expect(fidsOf((await get('/facilities', national)).body, 'facilities')).toEqual(['bg-0137', 'bg-0200', 'hn-0001']);
    expect(fidsOf((await get('/facilities', province)).body, 'facilities')).toEqual(['bg-0137', 'bg-0200']);
    expect(fidsOf((await get('/facilities', facility)).body, 'facilities')).toEqual(['hn-0001']);
    expect(fidsOf((await get('/events', province)).body, 'events')).toEqual(['bg-0137', 'bg-0200']);
    expect(fidsOf((await get('/events', facility)).body, 'events')).toEqual(['hn-0001']);
    expect((await get('/events?fid=hn-0001', province)).status).toBe(403);
    expect((await get('/events?fid=bg-0137', facility)).status).toBe(403);
    expect(fidsOf((await get('/events?fid=bg-0137', province)).body, 'events')).toEqual(['bg-0137']);
    expect((await get(`/snapshots/bg-0137/${eventIds.get('bg-0137')!}`, facility)).status).toBe(403);
    const own = await get(`/snapshots/hn-0001/${eventIds.get('hn-0001')!}`, facility);
    expect(own.status).toBe(200);
    expect(Buffer.from(await own.res.arrayBuffer())).toEqual(JPEG);
  });

  it('writes every snapshot read (allowed or not) and every events export to the access log', async () => {
    const facility = access.addToken('hn-0001-staff', 'facility', 'hn-0001', 0);
    await get(`/snapshots/hn-0001/${eventIds.get('hn-0001')!}`, facility);
    await get(`/snapshots/bg-0137/${eventIds.get('bg-0137')!}`, facility);
    await get('/events?limit=5', facility);
    await get('/facilities', facility); // not an export of events or images: not logged
    const at = Date.UTC(2026, 0, 2);
    expect(access.accessLog()).toEqual([
      { at, token: 'hn-0001-staff', action: 'events', fid: 'hn-0001', detail: 'limit=5', status: 200 },
      { at, token: 'hn-0001-staff', action: 'snapshot', fid: 'bg-0137', detail: eventIds.get('bg-0137'), status: 403 },
      { at, token: 'hn-0001-staff', action: 'snapshot', fid: 'hn-0001', detail: eventIds.get('hn-0001'), status: 200 },
    ]);
  });
});

describe('qmon hub token', () => {
  it('prints a token once, stores only its sha256, lists and revokes; refuses bad tiers and scopes', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += c.toString()), true));
    const file = join(tmp.dir, 'hub.db');
    expect(await hubTokenCommand(['add', 'bg-cdc', '--tier', 'province', '--scope', 'bac-giang', '--db', file])).toBe(0);
    const token = /\n(qmt_[A-Za-z0-9_-]{43})\n$/.exec(out)?.[1];
    expect(token).toBeDefined();
    expect(access.authenticate(token!)).toEqual({ name: 'bg-cdc', tier: 'province', scope: 'bac-giang' });
    expect(readFileSync(file).includes(token!)).toBe(false); // only the hash is stored
    out = '';
    expect(await hubTokenCommand(['list', '--db', file])).toBe(0);
    expect(out).toMatch(/^bg-cdc\tprovince\tbac-giang\t\S+\n$/);
    await expect(hubTokenCommand(['add', 'x', '--tier', 'admin', '--db', file])).rejects.toThrow(/tier must be one of national, province, facility/);
    await expect(hubTokenCommand(['add', 'x', '--tier', 'facility', '--scope', 'Not A Fid', '--db', file])).rejects.toThrow(/must be a fid/);
    await expect(hubTokenCommand(['add', 'x', '--tier', 'province', '--db', file])).rejects.toThrow(/needs a scope/);
    await expect(hubTokenCommand(['add', 'bg-cdc', '--tier', 'national', '--db', file])).rejects.toThrow(/exists already/);
    expect(await hubTokenCommand(['revoke', 'bg-cdc', '--db', file])).toBe(0);
    expect(access.authenticate(token!)).toBeNull();
    await expect(hubTokenCommand(['revoke', 'bg-cdc', '--db', file])).rejects.toThrow(/no active token/);
  });
});
