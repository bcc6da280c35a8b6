/**
 * The documented guard-room kiosk (packaging/kiosk/): Chromium started with exactly the flags of
 * packaging/kiosk/chromium-flags opens the dashboard after a "restart" (a stored session, no click at all) and sounds
 * the alarm for a critical alert, with no red "no sound" banner. Its counterpart, a page that may not play showing
 * the banner, is in review.test.ts (there the policy is held by the page: Playwright's own waits run in the page as
 * user gestures, so Chromium without these flags may or may not let a watched page play).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PageErrors, VIEWPORTS, apiLogin, createAccounts, launchChromium, newPage } from './browser.js';
import { startRig, type Rig } from './rig.js';

const WAIT = { timeout: 10_000 };
const GUARD = { username: 'tv', password: 'guard-room-tv-1' };
const FLAGS = readFileSync(join(process.cwd(), 'packaging/kiosk/chromium-flags'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

let rig: Rig;
let browser: Browser;
let ctx: BrowserContext;
const errors = new PageErrors();

beforeAll(async () => {
  [rig, browser] = await Promise.all([startRig(), launchChromium(FLAGS)]);
  await createAccounts(rig.url, rig.setupCode(), { username: 'admin', password: 'admin-password-1' }, [{ ...GUARD, role: 'guard' }]);
  ctx = await browser.newContext({ viewport: VIEWPORTS.tv, baseURL: rig.url });
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await rig?.stop();
});

describe('the guard-room kiosk', () => {
  it('has the flags the README documents', () => {
    expect(FLAGS).toEqual(expect.arrayContaining(['--kiosk', '--autoplay-policy=no-user-gesture-required', '--noerrdialogs']));
    expect(FLAGS.every((f) => /^--[a-z-]+(=\S+)?$/.test(f))).toBe(true);
  });

  it('sounds a critical alert after a restart without anyone clicking, and shows no "no sound" banner', async () => {
    await apiLogin(ctx, GUARD);
    const page = await newPage(ctx, errors, 'kiosk');
    await page.goto('/?tv=1#/alerts');
    await page.waitForSelector('body[data-ready="1"][data-stream="up"]', WAIT);
    await page.waitForSelector('body[data-sound="ok"]', WAIT);
    expect(await page.locator('#no-sound').count()).toBe(0);
    const v = await rig.lineCross('exit-gate');
    await page.locator(`article.review-item[data-event-id="${v.eventId}"]`).waitFor(WAIT);
    await page.waitForSelector('body[data-alarm="on"]', WAIT);
    await expect.poll(async () => Number((await page.getAttribute('body', 'data-beeps')) ?? 0), WAIT).toBeGreaterThan(0);
    expect(errors.take()).toEqual([]);
  });
});
