/**
 * The hub web view's JSON on the SQLite hub (one process, in-process live feed), through `qmon hub run --http`'s
 * own function: the cookie's attributes, CSRF, lockout, the Host check, bad parameters named, a removed user's
 * session ending, a facility user's scope, and a real MQTT event reaching an open event stream after its commit.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubService, type HubService } from '../../../agent/cli/hub.js';
import { silentLogger } from '../../../agent/ops/index.js';
import { EventPayload, HeartbeatPayload, buildHeartbeat, buildStatus, encodeEvent, topics } from '../../../contract/index.js';
import { SqliteHubUsers } from '../../../hub/index.js';
import { LOCKOUT, hashPassword } from '../../../web/index.js';
import { waitFor } from '../../decode/media.js';
import { tempDir, violation } from '../../store/fixtures.js';

const PW = 'mật-khẩu-thử-nghiệm';
const tmp = tempDir('hub-web-api');
const db = join(tmp.dir, 'hub.db');
let service: HubService;
let base = '';

beforeAll(async () => {
  const users = new SqliteHubUsers(db);
  users.addUser({ name: 'minh', tier: 'national', scope: null, hash: await hashPassword(PW) }, Date.now());
  users.addUser({ name: 'staff', tier: 'facility', scope: 'bg-0137', hash: await hashPassword(PW) }, Date.now());
  users.addUser({ name: 'gone', tier: 'national', scope: null, hash: await hashPassword(PW) }, Date.now());
  users.addUser({ name: 'hn-staff', tier: 'facility', scope: 'hn-0001', hash: await hashPassword(PW) }, Date.now());
  users.close();
  service = await startHubService({ broker: null, embeddedPort: 0, db, http: { host: '127.0.0.1', port: 0 }, facilities: ['bg-0137', 'hn-0001'], logger: silentLogger() });
  base = service.httpUrl!;
}, 60_000);
afterAll(async () => {
  await service?.stop();
  tmp.cleanup();
});

async function login(username: string, password = PW): Promise<{ status: number; cookie: string; csrf: string; setCookie: string }> {
  const r = await fetch(`${base}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const setCookie = r.headers.get('set-cookie') ?? '';
  const body = (await r.json()) as { csrf?: string };
  return { status: r.status, cookie: setCookie.split(';')[0]!, csrf: body.csrf ?? '', setCookie };
}

const get = (path: string, cookie: string) => fetch(`${base}${path}`, { headers: { cookie } });

describe('hub web view API (SQLite)', () => {
  it('signs in with an HttpOnly SameSite=Strict cookie, needs the CSRF token to change anything, serves the page under a strict CSP', async () => {
    const s = await login('minh');
    expect(s.status).toBe(200);
    expect(s.setCookie).toMatch(/^qmon_hub=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(await (await get('/ui/api/session', s.cookie)).json()).toMatchObject({ user: 'minh', tier: 'national', lang: 'vi' });
    expect((await get('/ui/api/overview', '')).status).toBe(401);
    const lang = (csrf?: string) =>
      fetch(`${base}/ui/api/lang`, { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', ...(csrf && { 'x-csrf-token': csrf }) }, body: '{"lang":"en"}' });
    expect((await lang()).status).toBe(403);
    expect((await lang('wrong')).status).toBe(403);
    expect((await lang(s.csrf)).status).toBe(200);
    const page = await fetch(`${base}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'; .*script-src 'self'/);
    expect((await fetch(`${base}/`, { redirect: 'manual' })).headers.get('location')).toBe('/ui/');
    // The JSON API beside it keeps its bearer tokens: a session cookie opens nothing there.
    expect((await get('/facilities', s.cookie)).status).toBe(401);
  });

  it('names bad parameters (400) and refuses another origin\'s login', async () => {
    const s = await login('minh');
    expect(await (await get('/ui/api/alerts?type=murder', s.cookie)).json()).toEqual({ error: expect.stringMatching(/^type: expected one of no_mask, line_cross/) as unknown });
    expect((await get('/ui/api/alerts?severity=x', s.cookie)).status).toBe(400);
    expect((await get('/ui/api/alerts?limit=100000', s.cookie)).status).toBe(400);
    expect((await get('/ui/api/facilities/NOT%20A%20FID', s.cookie)).status).toBe(400);
    expect((await get('/ui/api/pictures/bg-0137/not-a-uuid', s.cookie)).status).toBe(400);
    expect((await get('/ui/api/nothing', s.cookie)).status).toBe(404);
    const cross = await fetch(`${base}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ username: 'minh', password: PW }) });
    expect(cross.status).toBe(403);
  });

  it('answers 421 to a foreign Host before anything else', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/ui/`, { headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('locks a name after repeated failures (429 even with the right password), logging each failure', async () => {
    for (let i = 0; i < LOCKOUT.perUser; i++) expect((await login('staff', 'wrong-password-x')).status).toBe(401);
    expect((await login('staff')).status).toBe(429);
    const log = await service.access!.accessLog(20);
    expect(log.filter((r) => r.token === 'user:staff' && r.action === 'login_failed').length).toBe(LOCKOUT.perUser + 1);
  });

  it('ends a removed user\'s session at the next request, and closes a page that only listens to its stream', async () => {
    const s = await login('gone');
    const listening = await login('gone');
    expect((await get('/ui/api/overview', s.cookie)).status).toBe(200);
    const stream = await fetch(`${base}/ui/api/stream`, { headers: { cookie: listening.cookie } });
    const body = stream.body!.getReader();
    const users = new SqliteHubUsers(db); // as `qmon hub user remove` does, from another process
    users.removeUser('gone');
    users.close();
    expect((await get('/ui/api/overview', s.cookie)).status).toBe(401);
    await service.web!.recheckSessions(); // what its timer does every 15 s
    for (;;) if ((await body.read()).done) break; // the stream ends
    expect((await get('/ui/api/session', listening.cookie)).status).toBe(200);
    expect(await (await get('/ui/api/session', listening.cookie)).json()).toEqual({ user: null });
  });

  it('answers a malformed %-escape in the path with 400, not a server error', async () => {
    const s = await login('minh');
    expect(await (await get('/ui/api/facilities/%E0%A4%A', s.cookie)).json()).toEqual({ error: 'facility id: malformed %-escape in the path' });
  });

  it('streams an event received over MQTT to a national session after the hub committed it', async () => {
    const s = await login('minh');
    const ac = new AbortController();
    const res = await fetch(`${base}/ui/api/stream`, { headers: { cookie: s.cookie }, signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    let text = '';
    const reader = res.body!.getReader();
    const reading = (async () => {
      for (;;) {
        const chunk: { done: boolean; value?: Uint8Array } = await reader.read();
        if (chunk.done || chunk.value === undefined) return;
        text += Buffer.from(chunk.value).toString('utf8');
      }
    })().catch(() => undefined);
    const v = violation(1);
    const client = await mqtt.connectAsync(service.brokerUrl); // the embedded broker speaks MQTT 3.1.1
    await client.publishAsync(topics.evt('bg-0137'), encodeEvent(v, { fid: 'bg-0137', session: 1, seq: 1, replay: false, clock: { synced: true, source: 'chrony' } }), { qos: 1 });
    await waitFor(() => text.includes(v.eventId), 'the event on the web view\'s stream', 10_000);
    expect(text).toMatch(new RegExp(`event: alert\\ndata: \\{"fid":"bg-0137","event_id":"${v.eventId}"`));
    await client.endAsync();
    ac.abort();
    await reading;
  });

  it('reports violations per Vietnamese day, facility and type as JSON and CSV (with a BOM); a month at most; scoped; logged', async () => {
    // After the previous test's event (bg-0137, 2026-01-01 15:00 in Vietnam): one at 00:30 on 2 January in Vietnam
    // (17:30 UTC on the 1st), so the day boundary is Vietnam's, not UTC's.
    const late = violation(2, { type: 'gathering', startedAt: Date.UTC(2026, 0, 1, 17, 30), updatedAt: Date.UTC(2026, 0, 1, 17, 30), endedAt: null });
    await service.hub.store.ingest(EventPayload.parse(JSON.parse(encodeEvent(late, { fid: 'bg-0137', session: 1, seq: 2, replay: false, clock: { synced: true, source: 'chrony' } }).toString())), Date.now());
    const s = await login('minh');
    const json = (await (await get('/ui/api/reports?from=2026-01-01&to=2026-01-02', s.cookie)).json()) as { rows: unknown[] };
    expect(json.rows).toEqual([
      { day: '2026-01-01', province: null, fid: 'bg-0137', name: null, type: 'line_cross', count: 1 },
      { day: '2026-01-02', province: null, fid: 'bg-0137', name: null, type: 'gathering', count: 1 },
    ]);
    const csv = await get('/ui/api/reports?from=2026-01-01&to=2026-01-01&format=csv', s.cookie);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="qmon-report-2026-01-01-2026-01-01.csv"');
    // The BOM makes spreadsheets read it as UTF-8 (Vietnamese names); fetch's text() would hide it, the bytes do not.
    expect(Buffer.from(await csv.arrayBuffer()).toString('utf8')).toBe('\ufeffday,province,fid,facility,type,count\r\n2026-01-01,,bg-0137,,line_cross,1\r\n');
    const tooLong = await get('/ui/api/reports?from=2026-01-01&to=2026-03-01', s.cookie);
    expect([tooLong.status, await tooLong.json()]).toEqual([400, { error: 'a report covers at most 31 days (asked 60); ask month by month' }]);
    expect(await (await get('/ui/api/reports?from=2026-02-30&to=2026-03-01', s.cookie)).json()).toEqual({ error: 'from: 2026-02-30 is not a date' });
    expect((await get('/ui/api/reports?from=2026-01-02&to=2026-01-01', s.cookie)).status).toBe(400);
    // A facility user's report is their facility's, whatever they ask.
    const staff = await login('hn-staff');
    expect(((await (await get('/ui/api/reports?from=2026-01-01&to=2026-01-02&province=x', staff.cookie)).json()) as { rows: unknown[] }).rows).toEqual([]);
    const log = await service.access!.accessLog(10);
    expect(log.filter((r) => r.action === 'export').map((r) => [r.token, r.detail])).toEqual([
      ['user:hn-staff', 'report json 2026-01-01..2026-01-02'],
      ['user:minh', 'report csv 2026-01-01..2026-01-01'],
      ['user:minh', 'report json 2026-01-01..2026-01-02'],
    ]);
  });

  it('shows a facility offline once its agent stops (its status, or the broker’s Will, says so)', async () => {
    const s = await login('minh');
    const stateOf = async (fid: string) =>
      ((await (await get('/ui/api/overview', s.cookie)).json()) as { facilities: { fid: string; status: string }[] }).facilities.find((f) => f.fid === fid)?.status;
    const agent = await mqtt.connectAsync(service.brokerUrl);
    await agent.publishAsync(topics.status('hn-0001'), buildStatus('hn-0001', 'online', 7, Date.now(), 1), { qos: 1, retain: true });
    await expect.poll(() => stateOf('hn-0001'), { timeout: 10_000, message: 'hn-0001 online on the overview' }).toBe('online');
    await agent.publishAsync(topics.status('hn-0001'), buildStatus('hn-0001', 'offline', 7, Date.now(), 2), { qos: 1, retain: true });
    await expect.poll(() => stateOf('hn-0001'), { timeout: 10_000, message: 'hn-0001 offline on the overview' }).toBe('offline');
    await agent.endAsync();
  });

  it('keeps each applied heartbeat for the facility page (backlog over time); a stale one is not recorded', async () => {
    const now = Date.now();
    const hb = (n: number, pending: number, wall: number) =>
      HeartbeatPayload.parse(JSON.parse(buildHeartbeat({ fid: 'bg-0137', session: 9, wall, uptimeS: n, outbox: { pending, sent: 0, oldestPendingAt: pending > 0 ? wall - 60_000 : null }, cameras: [], diskFreeMb: null, clock: { synced: true, source: 'chrony' }, n }).toString()));
    expect(await service.hub.store.applyHeartbeat(hb(2, 4, now - 60_000), now - 60_000)).toBe('applied');
    expect(await service.hub.store.applyHeartbeat(hb(3, 0, now), now)).toBe('applied');
    expect(await service.hub.store.applyHeartbeat(hb(1, 99, now - 120_000), now)).not.toBe('applied');
    const s = await login('minh');
    const page = (await (await get('/ui/api/facilities/bg-0137', s.cookie)).json()) as { heartbeats: { pending: number; oldest_age_s: number | null }[] };
    expect(page.heartbeats.map((p) => [p.pending, p.oldest_age_s])).toEqual([[4, 60], [0, null]]);
  });
});
