// The survey routes through `qmon hub run --db postgres://… --http` (the national deployment): the PostgreSQL
// store's surveys behind the same tokens, tiers and access log.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hubFacilityCommand } from '../../agent/cli/hub-facility.js';
import { hubTokenCommand } from '../../agent/cli/hub-token.js';
import { startHubService, type HubService } from '../../agent/cli/hub.js';
import { silentLogger } from '../../agent/ops/index.js';
import type { PgHubStore } from '../../hub/index.js';
import { POSTGRES_MISSING, postgresBin, startPostgres, type TestPostgres } from '../support/postgres.js';
import { survey, surveyCamera } from './survey-fixtures.js';

const T = Date.now();
const pgReason = postgresBin() === null ? POSTGRES_MISSING : null;
if (pgReason !== null) console.warn(`SKIPPED survey routes on PostgreSQL: ${pgReason}`);
let pgServer: TestPostgres | null = null;
let url = '';
let out = '';
let service: HubService | null = null;

beforeAll(async () => {
  if (pgReason === null) pgServer = await startPostgres();
}, 90_000);
afterAll(async () => {
  await pgServer?.stop();
});
beforeEach(async (ctx) => {
  if (pgReason !== null) return ctx.skip();
  url = await pgServer!.createDb('surveyhttp');
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += c.toString()), true));
});
afterEach(async () => {
  await service?.stop();
  service = null;
  vi.restoreAllMocks();
});

async function token(name: string, tier: string, scope?: string): Promise<string> {
  out = '';
  expect(await hubTokenCommand(['add', name, '--tier', tier, ...(scope ? ['--scope', scope] : []), '--db', url])).toBe(0);
  return /\n(qmt_[A-Za-z0-9_-]{43})\n$/.exec(out)![1]!;
}

describe('survey routes on a PostgreSQL hub', () => {
  it('serves the latest survey and the province summary under the tiers, and logs the reads', async () => {
    for (const [fid, province] of [['bg-0137', 'bac-giang'], ['hn-0001', 'ha-noi']] as const) {
      expect(await hubFacilityCommand(['add', fid, '--province', province, '--db', url])).toBe(0);
    }
    service = await startHubService({ broker: null, embeddedPort: 0, db: url, http: { host: '127.0.0.1', port: 0 }, logger: silentLogger() });
    const store = service.hub.store as PgHubStore;
    await store.surveys.apply(survey('bg-0137', T, [surveyCamera('cam-1', { defaultPassword: true }), surveyCamera('cam-2', { rules: 0 })]), T);
    await store.surveys.apply(survey('hn-0001', T), T);
    const province = await token('bg-cdc', 'province', 'bac-giang');
    const get = async (path: string) => {
      const res = await fetch(`${service!.httpUrl!}${path}`, { headers: { authorization: `Bearer ${province}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const own = await get('/facilities/bg-0137/survey');
    expect(own.status).toBe(200);
    expect((own.body.latest as { survey: { cameras: unknown[] } }).survey.cameras).toHaveLength(2);
    expect((await get('/facilities/hn-0001/survey')).status).toBe(403);
    const sum = await get('/survey');
    expect(sum.body).toMatchObject({
      province: 'bac-giang',
      facilities: [{ fid: 'bg-0137', cameras: 2, default_passwords: 1, cameras_without_rule: 1, online_share_24h: 1 }],
      totals: { facilities: 1, cameras: 2 },
    });
    const log = await store.access.accessLog();
    expect(log.map((l) => [l.action, l.fid, l.status])).toEqual([
      ['survey', null, 200],
      ['survey', 'hn-0001', 403],
      ['survey', 'bg-0137', 200],
    ]);
  }, 60_000);
});
