// The survey's JSON routes on the hub HTTP API with real tokens and the real SQLite store: tiers (national all,
// province its own, facility its own; 403 outside, logged), the access log, parameter errors, and hostile survey
// text served as JSON data (never as HTML).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiAccess, SqliteHubStore, startHubHttp, type HubHttp, type HubReadModel } from '../../hub/index.js';
import { tempDir } from '../store/fixtures.js';
import { survey, surveyCamera } from './survey-fixtures.js';

const T = Date.UTC(2026, 11, 7, 10);
const DAY = 86_400_000;
const FACILITIES = [
  { fid: 'bg-0137', province: 'bac-giang' },
  { fid: 'bg-0200', province: 'bac-giang' },
  { fid: 'hn-0001', province: 'ha-noi' },
];
const HOSTILE = '<script>alert(1)</script>';

let tmp: { dir: string; cleanup: () => void };
let store: SqliteHubStore;
let access: ApiAccess;
let http: HubHttp;

beforeEach(async () => {
  tmp = tempDir('hub-survey-routes');
  const file = join(tmp.dir, 'hub.db');
  store = new SqliteHubStore(file);
  for (const { fid, province } of FACILITIES) {
    store.registry.add(fid, null, 0);
    store.db.registry.setProvince(fid, province);
  }
  await store.surveys.apply(survey('bg-0137', T - DAY, [surveyCamera('cam-1')]), T - DAY);
  await store.surveys.apply(
    survey('bg-0137', T, [surveyCamera('cam-1', { defaultPassword: true, name: HOSTILE }), surveyCamera('cam-2', { rules: 0, uptime24h: { onlineShare: 0.5, observedS: 86_400 } })]),
    T,
  );
  await store.surveys.apply(survey('bg-0200', T, [surveyCamera('cam-1')]), T);
  await store.surveys.apply(survey('hn-0001', T, [surveyCamera('cam-1', { rules: 0 })]), T);
  const model: HubReadModel = {
    summaries: () => store.summaries(T, 180_000),
    recentEvents: (scope, limit) => store.recentEvents(scope, limit),
    provinceOf: (fid) => store.provinceOf(fid),
    surveys: store.surveys,
  };
  access = new ApiAccess(file);
  http = await startHubHttp(model, '127.0.0.1', 0, { access, hosts: ['127.0.0.1'], now: () => T });
});

afterEach(async () => {
  await http.close();
  access.close();
  await store.close();
  tmp.cleanup();
});

async function get(path: string, token: string | null) {
  const res = await fetch(`${http.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
}

type Summary = { province: string | null; facilities: { fid: string }[]; totals: Record<string, unknown> };
const fids = (b: Record<string, unknown>) => (b as unknown as Summary).facilities.map((f) => f.fid);

describe('GET /facilities/{fid}/survey and GET /survey', () => {
  it('need a token (401)', async () => {
    expect((await get('/survey', null)).status).toBe(401);
    expect((await get('/facilities/bg-0137/survey', null)).status).toBe(401);
  });

  it('a national token reads any facility: the latest survey and the daily history, newest first', async () => {
    const token = access.addToken('moh', 'national', null, 0);
    const r = await get('/facilities/bg-0137/survey', token);
    expect(r.status).toBe(200);
    const body = r.body as { fid: string; latest: { day: string; survey: { cameras: { id: string }[] } }; history: { day: string }[] };
    expect(body.fid).toBe('bg-0137');
    expect(body.latest.day).toBe('2026-12-07');
    expect(body.latest.survey.cameras.map((c) => c.id)).toEqual(['cam-1', 'cam-2']);
    expect(body.history.map((h) => h.day)).toEqual(['2026-12-07', '2026-12-06']);
    expect(((await get('/facilities/bg-0137/survey?days=1', token)).body as { history: unknown[] }).history).toHaveLength(1);
    const none = await get('/facilities/bg-0999/survey', token);
    expect(none).toMatchObject({ status: 200, body: { fid: 'bg-0999', latest: null, history: [] } });
  });

  it('the summary: per facility cameras, % online 24 h, default passwords, cameras without a rule, and totals', async () => {
    const token = access.addToken('moh', 'national', null, 0);
    const r = await get('/survey', token);
    expect(r.status).toBe(200);
    const body = r.body as unknown as Summary;
    expect(fids(r.body)).toEqual(['bg-0137', 'bg-0200', 'hn-0001']);
    expect(body.facilities[0]).toEqual({
      fid: 'bg-0137',
      province: 'bac-giang',
      ts: new Date(T).toISOString(),
      received_at: new Date(T).toISOString(),
      agent_version: '0.1.0',
      cameras: 2,
      online_share_24h: 0.75,
      default_passwords: 1,
      cameras_without_rule: 1,
    });
    expect(body.totals).toEqual({ facilities: 3, cameras: 4, online_share_24h: 0.875, default_passwords: 1, cameras_without_rule: 2 });
    expect(fids((await get('/survey?province=ha-noi', token)).body)).toEqual(['hn-0001']);
  });

  it('a province token sees only its province: other facilities and provinces are 403 and logged', async () => {
    const token = access.addToken('bg', 'province', 'bac-giang', 0);
    const sum = await get('/survey', token);
    expect(sum.status).toBe(200);
    expect((sum.body as unknown as Summary).province).toBe('bac-giang');
    expect(fids(sum.body)).toEqual(['bg-0137', 'bg-0200']);
    expect((await get('/survey?province=bac-giang', token)).status).toBe(200);
    expect((await get('/survey?province=ha-noi', token)).status).toBe(403);
    expect((await get('/facilities/bg-0200/survey', token)).status).toBe(200);
    const out = await get('/facilities/hn-0001/survey', token);
    expect(out.status).toBe(403);
    expect(out.body.error).toMatch(/hn-0001 is outside this token's scope/);
    expect((await get('/facilities/bg-0999/survey', token)).status).toBe(403); // not registered: no province
    const log = access.accessLog(10).filter((l) => l.action === 'survey');
    expect(log.map((l) => [l.fid, l.status])).toEqual([
      ['bg-0999', 403],
      ['hn-0001', 403],
      ['bg-0200', 200],
      [null, 403],
      [null, 200],
      [null, 200],
    ]);
    expect(log.every((l) => l.token === 'bg')).toBe(true);
  });

  it('a facility token sees its own facility only', async () => {
    const token = access.addToken('site', 'facility', 'bg-0200', 0);
    expect(fids((await get('/survey', token)).body)).toEqual(['bg-0200']);
    expect((await get('/facilities/bg-0200/survey', token)).status).toBe(200);
    expect((await get('/facilities/bg-0137/survey', token)).status).toBe(403);
  });

  it('bad parameters get 400 naming them; other methods 405', async () => {
    const token = access.addToken('moh', 'national', null, 0);
    for (const days of ['0', '367', '1.5', 'x']) {
      const r = await get(`/facilities/bg-0137/survey?days=${days}`, token);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/days must be an integer 1\.\.366/);
    }
    expect((await get('/facilities/BG_0137/survey', token)).status).toBe(400);
    expect((await get(`/survey?province=${'p'.repeat(101)}`, token)).status).toBe(400);
    const post = await fetch(`${http.url}/survey`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(post.status).toBe(405);
  });

  it('serves hostile survey text as JSON data, exactly as sent, never as a page', async () => {
    const token = access.addToken('moh', 'national', null, 0);
    const r = await get('/facilities/bg-0137/survey', token);
    expect(r.type).toMatch(/^application\/json/);
    const cams = (r.body as { latest: { survey: { cameras: { name: string }[] } } }).latest.survey.cameras;
    expect(cams[0]!.name).toBe(HOSTILE);
  });
});
