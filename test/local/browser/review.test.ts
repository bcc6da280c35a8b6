/**
 * The night shift in a real Chromium against the real server, store and lifecycle (rig.ts): a flood that stays one
 * item, bulk acknowledgement seen by a second guard, the critical alarm across pages until acknowledged and its
 * escalation, the server-side mute ended by logout, the red "no sound" banner after a reload without a gesture, TV
 * mode at 1366×768, the evidence large on click, and the Vietnamese render of every page (no untranslated key, no
 * English word). Chromium runs with the autoplay policy a plain desktop browser has (sound only after a gesture).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PageErrors, VIEWPORTS, apiLogin, createAccounts, launchChromium, newPage, screenshot, type Account } from './browser.js';
import { NAMES, startRig, type Rig } from './rig.js';
import { englishWordsIn, loadStrings, type Strings } from '../ui-words.js';

const WAIT = { timeout: 10_000 };
const ADMIN = { username: 'admin', password: 'admin-password-1' };
const AN = { username: 'an', password: 'guard-password-1' };
const BINH = { username: 'binh', password: 'guard-password-2' };
const CHI = { username: 'chi', password: 'audit-password-3' };

let rig: Rig;
let browser: Browser;
let strings: Strings;
const errors = new PageErrors();
const contexts: BrowserContext[] = [];

async function context(viewport: { width: number; height: number } = VIEWPORTS.desktop, baseURL = rig.url): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport, baseURL, timezoneId: 'UTC' });
  ctx.setDefaultTimeout(WAIT.timeout);
  contexts.push(ctx);
  return ctx;
}

/** A page logged in through the login form (the click is a user gesture: the page may play sound). */
async function loginPage(who: Account, name: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await newPage(await context(viewport), errors, name);
  await page.goto('/');
  await page.locator('#login-form').waitFor(WAIT);
  await page.fill('#login-form input[name=username]', who.username);
  await page.fill('#login-form input[name=password]', who.password);
  await page.click('#login-form button[type=submit]');
  // Auditors have no live feed (they read the audit log only).
  await page.waitForSelector(who === CHI ? 'body[data-ready="1"]' : 'body[data-ready="1"][data-stream="up"]', WAIT);
  return page;
}

const item = (page: Page, eventId: string) => page.locator(`article.review-item[data-event-id="${eventId}"]`);
const beeps = async (page: Page): Promise<number> => Number((await page.getAttribute('body', 'data-beeps')) ?? 0);

/** Acknowledges every open item as the admin would (API), so the next test starts with an empty open list. */
async function ackAll(): Promise<void> {
  const newest = rig.store.dashboard('test', (q) => q.events({ limit: 1 }))[0]?.violation.eventId;
  if (!newest) return;
  const ctx = await context();
  const login = await ctx.request.post('/api/session', { data: ADMIN });
  const { csrf } = (await login.json()) as { csrf: string };
  const r = await ctx.request.post('/api/events/ack', { data: { through: newest }, headers: { 'X-CSRF-Token': csrf } });
  if (!r.ok()) throw new Error(`acknowledging all answered ${r.status()}`);
}

/**
 * The page's text (and its placeholders and labels for screen readers) has no untranslated key and no English word.
 * Ids are in tooltips (title), or set as code where they are the point (the audit log's targets); those are skipped.
 */
async function expectVietnamese(page: Page, what: string): Promise<void> {
  const text = await page.evaluate(() => {
    interface El {
      closest(s: string): El | null;
      getAttribute(a: string): string | null;
    }
    interface Doc {
      body: unknown;
      createTreeWalker(root: unknown, what: number): { nextNode(): { nodeValue: string; parentElement: El } | null };
      querySelectorAll(s: string): ArrayLike<El>;
    }
    const doc = (globalThis as unknown as { document: Doc }).document;
    const parts: string[] = [];
    const walk = doc.createTreeWalker(doc.body, 4 /* NodeFilter.SHOW_TEXT */);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) if (!n.parentElement.closest('code, script, style')) parts.push(n.nodeValue);
    for (const e of Array.from(doc.querySelectorAll('[placeholder], [aria-label]'))) parts.push(e.getAttribute('placeholder') ?? '', e.getAttribute('aria-label') ?? '');
    return parts.join('\n');
  });
  expect(await page.getAttribute('html', 'data-missing-keys'), `${what}: keys missing from the table`).toBeNull();
  expect(text.match(/\b[a-z]+(?:\.[a-zA-Z0-9_]+)+\b/g) ?? [], `${what}: untranslated keys`).toEqual([]);
  expect(englishWordsIn(text, strings), `${what}: English words`).toEqual([]);
  expect(await page.title()).toBe('qmon — Giám sát khu cách ly');
}

/**
 * In the page: a browser's autoplay policy, held strictly. A Web Audio context made before any real input event
 * (trusted: from the user, or Playwright's mouse and keyboard, never a script) starts suspended, and resume() plays
 * only within one second of such an event.
 */
const STRICT_AUTOPLAY = `(() => {
  let input = -Infinity;
  for (const type of ['pointerdown', 'keydown']) addEventListener(type, (e) => { if (e.isTrusted) input = performance.now(); }, true);
  const gesture = () => performance.now() - input < 1000;
  const Real = window.AudioContext;
  window.AudioContext = class extends Real {
    constructor(...args) {
      super(...args);
      if (input === -Infinity) void super.suspend();
    }
    resume() {
      return gesture() ? super.resume() : Promise.reject(new DOMException('not allowed to start', 'NotAllowedError'));
    }
  };
})();`;

beforeAll(async () => {
  [rig, browser, strings] = await Promise.all([
    startRig({ local: 'escalate_after_min: 1' }),
    // What a desktop Chromium does by default: a page may start audio only after a user gesture in it.
    launchChromium(['--autoplay-policy=document-user-activation-required']),
    loadStrings(),
  ]);
});

afterEach(() => {
  expect(errors.take(), 'console errors / page errors').toEqual([]);
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await rig?.stop();
});

describe('the night shift in Chromium', () => {
  let an: Page;
  let binh: Page;

  it('shows the first-run and login pages in Vietnamese only', async () => {
    const page = await newPage(await context(), errors, 'setup');
    await page.goto('/');
    await page.locator('#setup-form').waitFor(WAIT);
    await expectVietnamese(page, 'setup');
    await createAccounts(rig.url, rig.setupCode(), ADMIN, [
      { ...AN, role: 'guard' },
      { ...BINH, role: 'guard' },
      { ...CHI, role: 'auditor' },
    ]);
    await page.reload();
    await page.locator('#login-form').waitFor(WAIT);
    await expectVietnamese(page, 'login');
  });

  it('a page opened without a gesture says in a red banner that it cannot sound, until it can', async () => {
    // As after a browser restart: a stored session, and no click yet. Chromium's own verdict cannot be relied on
    // here: Playwright runs its waits in the page as user gestures, so a page it watches may be let play. This page
    // holds the policy itself (STRICT_AUTOPLAY): no sound until a real input event (a click, a key) in it.
    const ctx = await context();
    await ctx.addInitScript(STRICT_AUTOPLAY);
    await apiLogin(ctx, AN);
    const page = await newPage(ctx, errors, 'restarted');
    await page.goto('/#/alerts');
    await page.waitForSelector('body[data-ready="1"][data-stream="up"]', WAIT);
    const banner = page.locator('#no-sound');
    await banner.waitFor(WAIT);
    await page.waitForSelector('body[data-sound="blocked"]', WAIT);
    expect(await banner.textContent()).toContain('chưa phát được âm thanh');
    expect(await banner.evaluate((e: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(e).backgroundColor)).toBe('rgb(255, 77, 79)');
    // A critical alert now cannot be heard: the alarm says "blocked", and the banner stays on every page.
    const v = await rig.lineCross('exit-gate', { snapshot: false });
    await item(page, v.eventId).waitFor(WAIT);
    await page.waitForSelector('body[data-alarm="blocked"]', WAIT);
    await page.goto('/#/health');
    expect(await banner.count()).toBe(1);
    await page.click('#enable-sound');
    await page.waitForSelector('body[data-sound="ok"][data-alarm="on"]', WAIT);
    expect(await banner.count()).toBe(0);
    await ackAll();
  });

  it('a burst of 60 alerts on one camera becomes one item with the count and the newest picture', async () => {
    an = await loginPage(AN, 'an');
    binh = await loginPage(BINH, 'binh');
    await expect.poll(() => an.locator('#items article').count(), WAIT).toBe(0);
    const chimes = await beeps(an);
    const burst = [await rig.lineCross('corridor-a', { snapshot: false })];
    // A guard starts typing a note on the first one; the 59 that follow must not take it away.
    await item(an, burst[0]!.eventId).locator('input.note').fill('Đang kiểm');
    for (let i = 1; i < 60; i++) burst.push(await rig.lineCross('corridor-a', { snapshot: i === 59 }));
    const card = item(an, burst[59]!.eventId);
    await card.waitFor(WAIT);
    expect(await card.locator('input.note').inputValue()).toBe('Đang kiểm');
    expect(await card.locator('input.note').evaluate((e: unknown) => e === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await expect.poll(() => card.getAttribute('data-count'), WAIT).toBe('60');
    expect(await an.locator('#items article').count()).toBe(1);
    expect(await card.locator('.badge.count').textContent()).toBe('×60');
    expect(await card.getAttribute('data-severity')).toBe('warning');
    expect(await an.textContent('#open-count')).toBe('1');
    await expect.poll(() => card.locator('img').evaluate((e: unknown) => (e as { naturalWidth: number }).naturalWidth), WAIT).toBeGreaterThan(0);
    // A warning does not ring on: one chime for the new item, none for the 59 that joined it.
    expect(await an.getAttribute('body', 'data-alarm')).toBe('off');
    expect(await beeps(an)).toBe(chimes + 1);
  });

  it('the evidence opens large on click: the snapshot, or the context picture when the event has one', async () => {
    const card = an.locator('#items article').first();
    await card.locator('button.thumb').click();
    const dialog = an.locator('dialog#evidence');
    await dialog.waitFor(WAIT);
    expect(await dialog.getAttribute('data-kind')).toBe('snapshot');
    await expect.poll(() => dialog.locator('img').evaluate((e: unknown) => (e as { naturalWidth: number }).naturalWidth), WAIT).toBeGreaterThan(300);
    await an.keyboard.press('Escape');
    await dialog.waitFor({ ...WAIT, state: 'detached' });
    // An event with a context picture (the agent's whole-frame evidence) shows that one instead.
    const eventId = (await card.getAttribute('data-event-id'))!;
    const jpeg = (await an.request.get(`/api/snapshots/${eventId}`)).body();
    await an.route('**/api/review?*', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { items: { latest: Record<string, unknown> }[] };
      for (const i of body.items) i.latest['context'] = { url: `/api/events/${String(i.latest['event_id'])}/context`, w: 640, h: 480, bytes: 1 };
      await route.fulfill({ response: res, json: body });
    });
    await an.route('**/api/events/*/context?*', async (route) => route.fulfill({ contentType: 'image/jpeg', body: await jpeg }));
    await an.reload();
    await an.waitForSelector('body[data-ready="1"]', WAIT);
    await an.locator('#items article button.thumb').first().click();
    await an.locator('dialog#evidence[data-kind="context"]').waitFor(WAIT);
    expect(await an.getAttribute('dialog#evidence img', 'src')).toContain(`/api/events/${eventId}/context`);
    await an.keyboard.press('Escape');
    await an.unroute('**/api/review?*');
    await an.unroute('**/api/events/*/context?*');
  });

  it('acknowledging all shown with one note: the second guard sees the open list empty and the note on "done"', async () => {
    await rig.lineCross('yard', { snapshot: false });
    await expect.poll(() => an.locator('#items article').count(), WAIT).toBe(2);
    await an.fill('#bulk-note', 'Đã kiểm tra cả dãy A');
    await an.click('#ack-all');
    await expect.poll(() => binh.locator('#items article').count(), WAIT).toBe(0);
    expect(await binh.textContent('#open-count')).toBe('0');
    await binh.click('#tab-done');
    await expect.poll(() => binh.locator('#items article .acked-by').count(), WAIT).toBeGreaterThanOrEqual(2);
    const burst = binh.locator('#items article[data-count="60"] .acked-by');
    expect(await burst.textContent()).toContain('Đã xác nhận bởi an');
    expect(await burst.textContent()).toContain('Đã kiểm tra cả dãy A');
    await binh.click('#tab-open');
  });

  it('the alarm sounds for a critical item on any page, counted in the nav, until a guard acknowledges it', async () => {
    const v = await rig.lineCross('exit-gate', { snapshot: false });
    await an.waitForSelector('body[data-alarm="on"]', WAIT);
    await an.click('#nav a[data-nav="cameras"]');
    await an.locator('#cam-grid .cam-tile').first().waitFor(WAIT);
    expect(await an.textContent('#open-count')).toBe('1');
    const before = await beeps(an);
    await expect.poll(() => beeps(an), { timeout: 8_000 }).toBeGreaterThan(before);
    expect(await an.getAttribute('body', 'data-alarm')).toBe('on');
    await an.click('#nav a[data-nav="history"]');
    expect(await an.getAttribute('body', 'data-alarm')).toBe('on');
    // The other guard acknowledges it on their screen: the alarm stops on this one, on the history page.
    await item(binh, v.eventId).locator('button.ack').click();
    await an.waitForSelector('body[data-alarm="off"]', WAIT);
    expect(await an.textContent('#open-count')).toBe('0');
  });

  it('a critical item unacknowledged past escalate_after_min escalates on every screen, through a mute', async () => {
    await an.click('#nav a[data-nav="alerts"]');
    await an.click('#mute');
    await an.waitForSelector('.mute-mine', WAIT);
    // Started 2 minutes ago; the rig escalates after 1.
    const v = await rig.lineCross('exit-gate', { snapshot: false, wallTs: Date.now() - 2 * 60_000 });
    for (const p of [an, binh]) {
      await item(p, v.eventId).waitFor(WAIT);
      await p.locator('#escalated').waitFor(WAIT);
    }
    await an.waitForSelector('body[data-alarm="escalated"]', WAIT);
    expect(await an.textContent('#escalated')).toContain('quá 1 phút');
    await item(binh, v.eventId).locator('button.ack').click();
    await an.waitForSelector('body[data-alarm="off"]', WAIT);
    await expect.poll(() => an.locator('#escalated').count(), WAIT).toBe(0);
  });

  it('a muted guard’s logout ends the mute: everyone sees it end, and the next login hears the alarm', async () => {
    await binh.locator('.mute-other[data-user="an"]').waitFor(WAIT);
    await an.click('#nav .logout');
    await an.locator('#login-form').waitFor(WAIT);
    await expect.poll(() => binh.locator('.mute-other').count(), WAIT).toBe(0);
    const v = await rig.lineCross('exit-gate', { snapshot: false });
    an = await loginPage(AN, 'an-again');
    await item(an, v.eventId).waitFor(WAIT);
    await an.waitForSelector('body[data-alarm="on"]', WAIT);
    expect(await an.locator('#mute').count()).toBe(1);
  });

  it('TV mode at 1366×768 shows at least two whole items under a one-line header', async () => {
    await rig.lineCross('corridor-b', { snapshot: false });
    await rig.lineCross('yard', { snapshot: false });
    const tv = await loginPage(AN, 'tv-1366', VIEWPORTS.desktop);
    await tv.goto('/?tv=1#/alerts');
    await tv.waitForSelector('html.tv body[data-ready="1"]', WAIT);
    await expect.poll(() => tv.locator('#items article').count(), WAIT).toBeGreaterThanOrEqual(3);
    const header = (await tv.locator('header').boundingBox())!;
    expect(header.height).toBeLessThan(60);
    const boxes = await Promise.all((await tv.locator('#items article').all()).map((a) => a.boundingBox()));
    const whole = boxes.filter((b) => b && b.y >= header.height - 1 && b.y + b.height <= VIEWPORTS.desktop.height && b.x + b.width <= VIEWPORTS.desktop.width);
    expect(whole.length).toBeGreaterThanOrEqual(2);
    // The critical item is first, top left.
    expect(await tv.locator('#items article').first().getAttribute('data-severity')).toBe('critical');
    await screenshot(tv, 'review-tv-1366');
  });

  it('renders every page in Vietnamese: no untranslated key, no English word, names not ids', async () => {
    const pages: [string, string][] = [
      ['#/alerts', '#items article'],
      ['#/alerts/done', '#items article'],
      ['#/cameras', '#cam-grid .cam-tile .cam-state'],
      ['#/cameras/exit-gate', '#overlay[data-shapes="2"]'],
      ['#/history', '#history-rows tr'],
      ['#/health', '#health section:nth-child(5)'],
    ];
    for (const [hash, ready] of pages) {
      await an.goto(`/${hash}`);
      await an.locator(ready).first().waitFor(WAIT);
      await expectVietnamese(an, hash);
    }
    // Numbers as vi-VN writes them, whatever the browser's locale (the rig reports 20,480 MB free).
    expect(await an.textContent('#health')).toContain('20.480 MB');
    const admin = await loginPage(ADMIN, 'admin');
    await admin.goto('/#/users');
    await admin.locator('#users tr').nth(3).waitFor(WAIT);
    await expectVietnamese(admin, 'users');
    const auditor = await loginPage(CHI, 'auditor');
    await auditor.locator('#audit tr').first().waitFor(WAIT);
    await expectVietnamese(auditor, 'audit');
    // The camera page's title is the camera's name, with the id only in the tooltip.
    await an.goto('/#/cameras/exit-gate');
    await expect.poll(() => an.textContent('#camera-title'), WAIT).toBe(NAMES['exit-gate'].camera);
    expect(await an.getAttribute('#camera-title', 'title')).toBe('exit-gate');
  });
});
