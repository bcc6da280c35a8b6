/**
 * The hub's web view in Debian's Chromium against two `qmon hub run --http` services (the function the CLI calls) on
 * one PostgreSQL database: a national and a province officer see what their tier allows; a province officer's URL
 * tampering for another province's facility is refused (403) and written to the access log; an event committed by
 * hub A appears live on pages served by hub A and by hub B (LISTEN/NOTIFY, no in-process path between them); a
 * review with a note made on hub A shows in another session on hub B; the camera survey's province summary and a
 * facility's survey table show what the hub stored (a hostile camera model as text), a province officer only their
 * province's rows; the Vietnamese render has no untranslated key. Screenshots under .test-out/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hubFacilityCommand } from '../../../agent/cli/hub-facility.js';
import { startHubService, type HubService } from '../../../agent/cli/hub.js';
import { silentLogger } from '../../../agent/ops/index.js';
import { EventPayload, HeartbeatPayload, StatusPayload, buildHeartbeat, buildStatus, encodeEvent } from '../../../contract/index.js';
import { PgHubStore } from '../../../hub/index.js';
import { hashPassword } from '../../../web/index.js';
import { violation } from '../../store/fixtures.js';
import { survey, surveyCamera } from '../survey-fixtures.js';
import { POSTGRES_MISSING, postgresBin, startPostgres, type TestPostgres } from '../../support/postgres.js';
import { PageErrors, launchChromium, newPage, screenshot } from '../../local/browser/browser.js';

const FACILITIES = [
  { fid: 'bg-0137', name: 'Trường Quân sự Bắc Giang', province: 'bac-giang' },
  { fid: 'bg-0200', name: 'Ký túc xá Cao đẳng', province: 'bac-giang' },
  { fid: 'hn-0001', name: 'Khu cách ly Sóc Sơn', province: 'ha-noi' },
];
/** Registered, never heard from: the overview must still list it (dark). */
const SILENT = { fid: 'hn-0002', name: 'Khu cách ly Mê Linh', province: 'ha-noi' };
const PW = 'mật-khẩu-thử-nghiệm';
/** A camera model a hostile facility could send: the page must show it as text, never run it. */
const HOSTILE = '<img src=x onerror=alert(1)>';
const USERS = [
  { name: 'minh', tier: 'national' as const, scope: null },
  { name: 'lan', tier: 'province' as const, scope: 'bac-giang' },
];

const pgReason = postgresBin() === null ? POSTGRES_MISSING : null;
if (pgReason !== null) console.warn(`SKIPPED hub web view tests: ${pgReason}`);

let pg: TestPostgres | null = null;
let a: HubService | null = null;
let b: HubService | null = null;
let browser: Browser | null = null;
const errors = new PageErrors();
let seq = 10;

beforeAll(async () => {
  if (pgReason !== null) return;
  pg = await startPostgres();
  const url = await pg.createDb('hubweb');
  const quiet = vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // the CLI's "registered …" lines
  try {
    for (const f of [...FACILITIES, SILENT]) await hubFacilityCommand(['add', f.fid, '--name', f.name, '--province', f.province, '--db', url]);
  } finally {
    quiet.mockRestore();
  }
  const start = () => startHubService({ broker: null, embeddedPort: 0, db: url, http: { host: '127.0.0.1', port: 0 }, logger: silentLogger() });
  a = await start();
  b = await start();
  const store = a.hub.store as PgHubStore;
  for (const u of USERS) await store.users.addUser({ name: u.name, tier: u.tier, scope: u.scope, hash: await hashPassword(PW) }, Date.now());
  // bg-0137 is online with a backlog; bg-0200 went offline; hn-0001 only delivered an event.
  const now = Date.now();
  await store.applyStatus(StatusPayload.parse(JSON.parse(buildStatus('bg-0137', 'online', 1, now).toString())), now);
  await store.applyHeartbeat(
    HeartbeatPayload.parse(JSON.parse(buildHeartbeat({ fid: 'bg-0137', session: 1, wall: now + 2000, uptimeS: 60, outbox: { pending: 7, sent: 3, oldestPendingAt: now - 600_000 }, cameras: [], diskFreeMb: 5000, clock: { synced: true, source: 'chrony' } }).toString())),
    now,
  );
  await store.applyStatus(StatusPayload.parse(JSON.parse(buildStatus('bg-0200', 'offline', 1, now - 3_600_000).toString())), now - 3_600_000);
  for (const f of FACILITIES) await ingest(f.fid);
  // Camera surveys, stored as the inbound path stores one that passed the contract's reader: bg-0137 (a default
  // password, a camera without a rule, a hostile model) and hn-0001 (another province's).
  await a.hub.surveys.apply(
    survey('bg-0137', now - 60_000, [
      surveyCamera('cam-1', { name: 'Cổng chính', defaultPassword: true, device: { manufacturer: 'Hikvision', model: HOSTILE, firmware: 'V5.7.3' }, measured: { codec: 'h264', width: 1920, height: 1080, fps: 25, bitrateKbps: 4096 } }),
      surveyCamera('cam-2', { name: 'Hành lang A', rules: 0, uptime24h: { onlineShare: 0.5, observedS: 86_400 }, clockOffsetMs: -3_600_000 }),
    ]),
    now - 60_000,
  );
  await a.hub.surveys.apply(survey('hn-0001', now - 60_000, [surveyCamera('cam-1')]), now - 60_000);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await a?.stop();
  await b?.stop();
  await pg?.stop();
});

/** One new violation of `fid` committed by hub A (as its inbound path does after validating the MQTT message). */
async function ingest(fid: string, type: 'line_cross' | 'gathering' = 'line_cross'): Promise<string> {
  const v = violation(++seq, { type });
  const e = EventPayload.parse(JSON.parse(encodeEvent(v, { fid, session: 1, seq, replay: false, clock: { synced: true, source: 'chrony' } }).toString()));
  await (a!.hub.store as PgHubStore).ingest(e, Date.now());
  return v.eventId;
}

async function signedIn(service: HubService, user: string, name: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser!.newContext({ baseURL: service.httpUrl!, viewport: { width: 1366, height: 768 } });
  const page = await newPage(ctx, errors, name);
  await page.goto('/ui/');
  await page.getByLabel('Tên đăng nhập').fill(user);
  await page.getByLabel('Mật khẩu').fill(PW);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.locator('#nav .who').waitFor({ timeout: 10_000 });
  return { ctx, page };
}

describe('hub web view on PostgreSQL, two hub processes', () => {
  it('national sees every province, a province officer only theirs; tampering is 403 and logged; vi has no untranslated key', async (t) => {
    if (pgReason !== null) return t.skip();
    const national = await signedIn(a!, 'minh', 'national');
    const rows = national.page.locator('#facilities tbody tr[data-fid]');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((els: unknown[]) => els.map((e) => (e as { dataset: { fid: string } }).dataset.fid))).toEqual(['bg-0137', 'bg-0200', 'hn-0001', 'hn-0002']);
    expect(await national.page.locator('tr[data-fid="hn-0002"]').getAttribute('data-state')).toBe('unknown');
    expect(await national.page.locator('tr.group').allTextContents()).toEqual(['bac-giang', 'ha-noi']);
    expect(await national.page.locator('tr[data-fid="bg-0137"]').getAttribute('data-state')).toBe('online');
    expect(await national.page.locator('tr[data-fid="bg-0200"]').getAttribute('data-state')).toBe('offline');
    await expect.poll(() => national.page.locator('tr[data-fid="bg-0137"]').textContent()).toMatch(/7 mục, cũ nhất 10 phút/);
    expect(await national.page.locator('.card[data-province="bac-giang"]').textContent()).toMatch(/1\/2 trực tuyến/);
    await national.page.getByRole('searchbox').fill('sóc');
    expect(await rows.count()).toBe(1);
    await screenshot(national.page, 'hub-overview-national-vi');
    // A facility's page: the registry entry and keys for the national tier only.
    await national.page.goto('/ui/#/facility/bg-0137');
    await national.page.locator('#registry').getByText('Chưa có khóa').waitFor();
    expect(await national.page.locator('#backlog-chart').count()).toBe(1);
    expect(await national.page.locator('#heartbeats tbody tr').allTextContents()).toEqual([expect.stringMatching(/7 mục, cũ nhất 10 phút0\/0$/) as unknown]);
    await screenshot(national.page, 'hub-facility-national-vi');
    expect(await national.page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }).document.documentElement.dataset.missingKeys ?? '')).toBe('');

    const province = await signedIn(b!, 'lan', 'province');
    const pRows = province.page.locator('#facilities tbody tr[data-fid]');
    await pRows.first().waitFor();
    expect(await pRows.count()).toBe(2);
    expect(await province.page.locator('tr[data-fid="hn-0001"]').count()).toBe(0);
    await province.page.goto('/ui/#/facility/bg-0137');
    await province.page.getByRole('heading', { name: 'Cơ sở Trường Quân sự Bắc Giang' }).waitFor();
    expect(await province.page.locator('#registry').count()).toBe(0);
    // URL tampering: another province's facility, through the page and through the API.
    await province.page.goto('/ui/#/facility/hn-0001');
    await province.page.getByText('Bạn không có quyền xem mục này.').waitFor();
    expect((await province.ctx.request.get('/ui/api/facilities/hn-0001')).status()).toBe(403);
    expect((await province.ctx.request.get('/ui/api/alerts?province=ha-noi')).status()).toBe(403);
    const log = await (a!.hub.store as PgHubStore).access.accessLog(20);
    expect(log.filter((r) => r.token === 'user:lan' && r.action === 'denied' && r.status === 403).map((r) => r.fid)).toEqual([null, 'hn-0001', 'hn-0001']);
    await screenshot(province.page, 'hub-facility-forbidden-province-vi');
    // Without a CSRF token a state change is refused.
    expect((await province.ctx.request.post('/ui/api/lang', { data: { lang: 'en' } })).status()).toBe(403);
    // English per user: the national officer switches; the page reads English.
    await national.page.getByRole('button', { name: 'English' }).click();
    await national.page.getByRole('link', { name: 'Overview', exact: true }).waitFor();
    await screenshot(national.page, 'hub-overview-national-en');
    await national.ctx.close();
    await province.ctx.close();
    // The one failed load is the tampering attempt itself.
    expect(errors.take()).toEqual([expect.stringMatching(/^province console: .*status of 403 .*\/ui\/api\/facilities\/hn-0001\)$/) as unknown]);
  }, 60_000);

  it('a committed event appears live on both hubs’ pages; a review with a note shows in a second session on the other hub', async (t) => {
    if (pgReason !== null) return t.skip();
    const onA = await signedIn(a!, 'minh', 'alerts-a');
    const onB = await signedIn(b!, 'lan', 'alerts-b');
    for (const s of [onA, onB]) {
      await s.page.goto('/ui/#/alerts');
      await s.page.locator('#alerts li').first().waitFor();
    }
    const eventId = await ingest('bg-0200', 'gathering');
    const other = await ingest('hn-0001', 'gathering');
    const key = `bg-0200/${eventId}`;
    for (const s of [onA, onB]) await s.page.locator(`#alerts li[data-key="${key}"]`).waitFor({ timeout: 5000 });
    await onA.page.locator(`#alerts li[data-key="hn-0001/${other}"]`).waitFor({ timeout: 5000 });
    // The province officer's stream never carries another province's alert.
    expect(await onB.page.locator(`#alerts li[data-key="hn-0001/${other}"]`).count()).toBe(0);
    expect(await onB.page.locator('#alerts li').first().getAttribute('data-key')).toBe(key); // newest first
    await screenshot(onB.page, 'hub-alerts-province-vi');

    const item = onA.page.locator(`#alerts li[data-key="${key}"]`);
    await item.getByRole('textbox').fill('Đã gọi cơ sở, đã xử lý');
    await item.getByRole('button', { name: 'Mark reviewed' }).click(); // minh chose English in the first test
    await item.locator('.reviewed').getByText(/Reviewed by minh .*: Đã gọi cơ sở, đã xử lý/).waitFor();
    await onB.page.locator(`#alerts li[data-key="${key}"] .reviewed`).getByText(/Đã xem xét bởi minh .*: Đã gọi cơ sở, đã xử lý/).waitFor({ timeout: 5000 });
    await onB.page.reload();
    await onB.page.locator(`#alerts li[data-key="${key}"] .reviewed`).getByText(/Đã gọi cơ sở, đã xử lý/).waitFor();
    // The context picture is fetched on demand and its view logged (the PG hub keeps none yet: a 404, said in words).
    await onB.page.locator(`#alerts li[data-key="${key}"]`).getByRole('button', { name: 'Xem ảnh' }).click();
    await onB.page.getByText('Trung tâm chưa có ảnh của cảnh báo này.').waitFor();
    const log = await (a!.hub.store as PgHubStore).access.accessLog(50);
    expect(log.some((r) => r.token === 'user:lan' && r.action === 'picture' && r.detail === eventId && r.status === 404)).toBe(true);
    expect(log.some((r) => r.token === 'user:minh' && r.action === 'review' && r.detail === eventId)).toBe(true);
    await screenshot(onB.page, 'hub-alerts-reviewed-vi');
    // The province's report for the fixtures' day: its own facilities only, printable, with a CSV beside it.
    await onB.page.goto('/ui/#/reports');
    await onB.page.getByLabel('Từ ngày').fill('2026-01-01');
    await onB.page.getByLabel('Đến ngày').fill('2026-01-01');
    await onB.page.getByRole('button', { name: 'Xem báo cáo' }).click();
    await onB.page.locator('#report table').waitFor();
    const facilities = await onB.page.locator('#report tbody tr td:nth-child(3)').allTextContents();
    expect(new Set(facilities)).toEqual(new Set(['Trường Quân sự Bắc Giang', 'Ký túc xá Cao đẳng']));
    const csv = await onB.ctx.request.get('/ui/api/reports?from=2026-01-01&to=2026-01-01&format=csv');
    expect((await csv.text()).split('\r\n').filter((l) => l.includes('hn-0001'))).toEqual([]);
    await screenshot(onB.page, 'hub-reports-province-vi');
    expect(await onB.page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }).document.documentElement.dataset.missingKeys ?? '')).toBe('');
    await onA.ctx.close();
    await onB.ctx.close();
    // The one failed load is the picture the PG hub does not hold.
    expect(errors.take()).toEqual([expect.stringMatching(new RegExp(`^alerts-b console: .*status of 404 .*/ui/api/pictures/bg-0200/${eventId}\\)$`)) as unknown]);
  }, 60_000);

  it('the camera survey: the province summary and a facility’s survey table show what the hub stored, hostile text inert; a province officer sees only theirs', async (t) => {
    if (pgReason !== null) return t.skip();
    const province = await signedIn(b!, 'lan', 'survey-province');
    await province.page.getByRole('link', { name: 'Khảo sát camera' }).click();
    const rows = province.page.locator('#survey-summary tbody tr[data-fid]');
    await rows.first().waitFor();
    // bac-giang only: bg-0137 surveyed, bg-0200 listed as not surveyed yet; never hn-0001.
    expect(await rows.evaluateAll((els: unknown[]) => els.map((e) => (e as { dataset: { fid: string } }).dataset.fid))).toEqual(['bg-0137']);
    expect(await province.page.locator('#survey-summary tr[data-fid="hn-0001"]').count()).toBe(0);
    expect(await province.page.locator('#not-surveyed').textContent()).toMatch(/^Chưa gửi khảo sát \(1\): Ký túc xá Cao đẳng$/);
    const row = await province.page.locator('#survey-summary tr[data-fid="bg-0137"] td').allTextContents();
    expect(row.slice(0, 6)).toEqual(['Trường Quân sự Bắc Giangbg-0137', 'bac-giang', '2', '75%', '1', '1']);
    expect(await province.page.locator('#survey-totals .card[data-total="survey.defaultPasswords"]').textContent()).toBe('Mật khẩu mặc định1');
    await screenshot(province.page, 'hub-survey-vi');
    expect((await province.ctx.request.get('/ui/api/facilities/hn-0001/survey')).status()).toBe(403);

    // The facility page's survey table, per camera, hostile text shown as the text it is.
    await province.page.getByRole('link', { name: 'Trường Quân sự Bắc Giang' }).click();
    const cam1 = province.page.locator('#survey tr[data-camera="cam-1"] td');
    await cam1.first().waitFor();
    expect(await cam1.allTextContents()).toEqual([
      'Cổng chínhcam-1', `Hikvision / ${HOSTILE} / V5.7.3`, 'subStream (phụ)', 'h264', '1.920×1.080', '25', '4.096 kbit/s', 'Có', '+120 ms', '100%', 'Tốt', '2',
    ]);
    expect(await province.page.locator('#survey tr[data-camera="cam-1"] td.bad').count()).toBe(1); // the default password, highlighted
    expect(await province.page.locator('#survey img').count()).toBe(0);
    const cam2 = await province.page.locator('#survey tr[data-camera="cam-2"] td').allTextContents();
    expect([cam2[3], cam2[7], cam2[8], cam2[9]]).toEqual(['H264 (theo cấu hình)', 'Không', '−60 phút', '50%']);
    expect(await province.page.locator('#survey-at').textContent()).toMatch(/^Khảo sát lúc .*\(phiên bản 0\.1\.0\)$/);
    await province.page.locator('#facility-survey').scrollIntoViewIfNeeded();
    await screenshot(province.page, 'hub-facility-survey-vi');
    expect(await province.page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: Record<string, string> } } }).document.documentElement.dataset.missingKeys ?? '')).toBe('');
    const log = await (a!.hub.store as PgHubStore).access.accessLog(20);
    // Newest first: this test's facility page and summary (the first test's visit to bg-0137 read its survey too).
    expect(log.filter((r) => r.token === 'user:lan' && r.action === 'survey').map((r) => r.fid).slice(0, 2)).toEqual(['bg-0137', null]);
    expect(log.some((r) => r.token === 'user:lan' && r.action === 'denied' && r.fid === 'hn-0001' && r.detail === 'survey days=30')).toBe(true);
    await province.ctx.close();
    expect(errors.take()).toEqual([]);
  }, 60_000);
});
