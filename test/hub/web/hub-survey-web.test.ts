/**
 * The camera survey's web routes on the SQLite hub (`qmon hub run --http`'s own function): the province summary and
 * a facility's survey for signed-in users, by tier (national all or one province, province theirs, facility its
 * own), a province user's request for another province's facility or summary refused (403) and written to the access
 * log as `denied`, every read logged as `survey`, 401 without a session, bad `days` named, and the survey's fields
 * (hostile text included) served as the JSON data they are.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hubFacilityCommand } from '../../../agent/cli/hub-facility.js';
import { startHubService, type HubService } from '../../../agent/cli/hub.js';
import { silentLogger } from '../../../agent/ops/index.js';
import { SqliteHubUsers } from '../../../hub/index.js';
import { hashPassword } from '../../../web/index.js';
import { tempDir } from '../../store/fixtures.js';
import { survey, surveyCamera } from '../survey-fixtures.js';

const PW = 'mật-khẩu-thử-nghiệm';
const HOSTILE = '<img src=x onerror=alert(1)>';
const tmp = tempDir('hub-survey-web');
const db = join(tmp.dir, 'hub.db');
let service: HubService;
let base = '';

beforeAll(async () => {
  const quiet = vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // the CLI's "registered …" lines
  try {
    await hubFacilityCommand(['add', 'bg-0137', '--name', 'Trường Quân sự Bắc Giang', '--province', 'bac-giang', '--db', db]);
    await hubFacilityCommand(['add', 'bg-0200', '--name', 'Ký túc xá Cao đẳng', '--province', 'bac-giang', '--db', db]);
    await hubFacilityCommand(['add', 'hn-0001', '--name', 'Khu cách ly Sóc Sơn', '--province', 'ha-noi', '--db', db]);
  } finally {
    quiet.mockRestore();
  }
  const users = new SqliteHubUsers(db);
  for (const [name, tier, scope] of [['minh', 'national', null], ['lan', 'province', 'bac-giang'], ['staff', 'facility', 'hn-0001']] as const) {
    users.addUser({ name, tier, scope, hash: await hashPassword(PW) }, Date.now());
  }
  users.close();
  service = await startHubService({ broker: null, embeddedPort: 0, db, http: { host: '127.0.0.1', port: 0 }, logger: silentLogger() });
  base = service.httpUrl!;
  // Stored as the inbound path stores a survey that passed the contract's reader (bg-0200 sent none yet).
  const now = Date.now();
  await service.hub.surveys.apply(
    survey('bg-0137', now - 60_000, [
      surveyCamera('cam-1', { defaultPassword: true, device: { manufacturer: 'Hikvision', model: HOSTILE, firmware: 'V5.7.3' }, measured: { codec: 'h264', width: 1920, height: 1080, fps: 25, bitrateKbps: 4096 } }),
      surveyCamera('cam-2', { rules: 0, uptime24h: { onlineShare: 0.5, observedS: 86_400 } }),
    ]),
    now - 60_000,
  );
  await service.hub.surveys.apply(survey('hn-0001', now - 60_000, [surveyCamera('cam-1')]), now - 60_000);
}, 60_000);
afterAll(async () => {
  await service?.stop();
  tmp.cleanup();
});

async function login(username: string): Promise<string> {
  const r = await fetch(`${base}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PW }) });
  expect(r.status).toBe(200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}

async function get(path: string, cookie: string): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const r = await fetch(`${base}${path}`, { headers: { cookie } });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: (await r.json()) as Record<string, unknown> };
}

interface Summary {
  province: string | null;
  facilities: { fid: string; name: string | null; cameras: number; online_share_24h: number | null; default_passwords: number; cameras_without_rule: number }[];
  totals: { facilities: number; cameras: number; online_share_24h: number | null; default_passwords: number; cameras_without_rule: number };
  not_surveyed: { fid: string }[];
}

describe('the camera survey in the hub web view (SQLite)', () => {
  it('401 without a session', async () => {
    expect((await get('/ui/api/survey', '')).status).toBe(401);
    expect((await get('/ui/api/facilities/bg-0137/survey', '')).status).toBe(401);
  });

  it('a national user sees every facility’s summary with names and totals, or one province; the facilities not surveyed beside it', async () => {
    const minh = await login('minh');
    const all = (await get('/ui/api/survey', minh)).body as unknown as Summary;
    expect(all.facilities.map((f) => [f.fid, f.name, f.cameras, f.online_share_24h, f.default_passwords, f.cameras_without_rule])).toEqual([
      ['bg-0137', 'Trường Quân sự Bắc Giang', 2, 0.75, 1, 1],
      ['hn-0001', 'Khu cách ly Sóc Sơn', 1, 1, 0, 0],
    ]);
    expect(all.totals).toEqual({ facilities: 2, cameras: 3, online_share_24h: 0.8333, default_passwords: 1, cameras_without_rule: 1 });
    expect(all.not_surveyed.map((f) => f.fid)).toEqual(['bg-0200']);
    const hn = (await get('/ui/api/survey?province=ha-noi', minh)).body as unknown as Summary;
    expect([hn.province, hn.facilities.map((f) => f.fid), hn.not_surveyed]).toEqual(['ha-noi', ['hn-0001'], []]);
  });

  it('a province user sees only their province; another province’s facility or summary is 403 and logged as denied', async () => {
    const lan = await login('lan');
    const own = (await get('/ui/api/survey', lan)).body as unknown as Summary;
    expect([own.province, own.facilities.map((f) => f.fid), own.not_surveyed.map((f) => f.fid)]).toEqual(['bac-giang', ['bg-0137'], ['bg-0200']]);
    expect((await get('/ui/api/survey?province=bac-giang', lan)).status).toBe(200);
    expect((await get('/ui/api/survey?province=ha-noi', lan)).status).toBe(403);
    const other = await get('/ui/api/facilities/hn-0001/survey', lan);
    expect([other.status, other.body]).toEqual([403, { error: 'facility hn-0001 is outside your scope' }]);
    expect((await get('/ui/api/facilities/bg-0137/survey', lan)).status).toBe(200);
    const log = (await service.access!.accessLog(10)).filter((r) => r.token === 'user:lan');
    expect(log.map((r) => [r.action, r.fid, r.detail, r.status])).toEqual([
      ['survey', 'bg-0137', 'days=30', 200],
      ['denied', 'hn-0001', 'survey days=30', 403],
      ['denied', null, 'survey province=ha-noi', 403],
      ['survey', null, 'province=bac-giang', 200],
      ['survey', null, 'province=bac-giang', 200],
      ['login', null, expect.stringMatching(/^ip=/) as unknown, 200],
    ]);
  });

  it('a facility user sees its own row and survey only', async () => {
    const staff = await login('staff');
    const own = (await get('/ui/api/survey', staff)).body as unknown as Summary;
    expect([own.facilities.map((f) => f.fid), own.not_surveyed]).toEqual([['hn-0001'], []]);
    expect((await get('/ui/api/survey?province=ha-noi', staff)).status).toBe(403);
    expect((await get('/ui/api/facilities/bg-0137/survey', staff)).status).toBe(403);
    expect((await get('/ui/api/facilities/hn-0001/survey', staff)).status).toBe(200);
  });

  it('serves a facility’s latest survey and its daily history with every camera field, hostile text as JSON data', async () => {
    const minh = await login('minh');
    const r = await get('/ui/api/facilities/bg-0137/survey?days=7', minh);
    expect(r.type).toBe('application/json; charset=utf-8');
    const latest = r.body.latest as { day: string; received_at: string; survey: { cameras: Record<string, unknown>[] } };
    expect(latest.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(latest.survey.cameras[0]).toMatchObject({
      id: 'cam-1',
      device: { manufacturer: 'Hikvision', model: HOSTILE, firmware: 'V5.7.3' },
      profile: { role: 'sub', encoding: 'H264', width: 640, height: 360, fps: 10 },
      measured: { codec: 'h264', width: 1920, height: 1080, fps: 25, bitrate_kbps: 4096 },
      default_password: true,
      clock_offset_ms: 120,
      uptime_24h: { online_share: 1, observed_s: 86_400 },
      quality: 'excellent',
      rules: 2,
    });
    expect((r.body.history as unknown[]).length).toBe(1);
    expect((await get('/ui/api/facilities/bg-0200/survey', minh)).body).toEqual({ fid: 'bg-0200', latest: null, history: [] });
    expect((await get('/ui/api/facilities/bg-0137/survey?days=0', minh)).body).toEqual({ error: 'days must be an integer 1..366, got "0"' });
    expect((await get('/ui/api/facilities/NOT%20A%20FID/survey', minh)).status).toBe(400);
  });
});
