/**
 * Chromium for the dashboard tests (Debian's /usr/bin/chromium through playwright-core): one browser per test file,
 * pages that record every console error and page error so a test can fail on them, and screenshots saved as
 * artefacts under .test-out/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), '.test-out', 'screenshots');

export const VIEWPORTS = {
  desktop: { width: 1366, height: 768 },
  tv: { width: 1920, height: 1080 },
  phone: { width: 390, height: 844 },
} as const;

/** Chromium for one test file; `extra` flags after the test's own (e.g. an autoplay policy, the kiosk's flags). */
export function launchChromium(extra: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extra],
  });
}

export interface Account {
  readonly username: string;
  readonly password: string;
}

/**
 * Logs `who` in through the API of the context (its cookie jar gets the session) and marks the page's storage as
 * holding one, as after a browser restart: the page then opens logged in, without any click (no user gesture).
 */
export async function apiLogin(ctx: BrowserContext, who: Account): Promise<void> {
  const r = await ctx.request.post('/api/session', { data: who });
  if (!r.ok()) throw new Error(`login of ${who.username} through the API answered ${r.status()}: ${await r.text()}`);
  await ctx.addInitScript(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('qmon.hasSession', '1'));
}

/** The first admin (with the printed setup code) and the given users, through the API, as a script would. */
export async function createAccounts(url: string, code: string, admin: Account, users: readonly (Account & { role: string })[]): Promise<void> {
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> => {
    const r = await fetch(new URL(path, url), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
    return r;
  };
  const setup = await post('/api/setup', { code, ...admin });
  const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrf } = (await setup.json()) as { csrf: string };
  for (const u of users) await post('/api/users', u, { Cookie: cookie, 'X-CSRF-Token': csrf });
}

/** Console errors and uncaught page errors seen on every page opened through `watch`. */
export class PageErrors {
  readonly seen: string[] = [];

  watch(page: Page, name: string): Page {
    page.on('console', (m) => {
      if (m.type() === 'error') this.seen.push(`${name} console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => this.seen.push(`${name} pageerror: ${e.message}`));
    return page;
  }

  take(): string[] {
    return this.seen.splice(0);
  }
}

export async function newPage(ctx: BrowserContext, errors: PageErrors, name: string): Promise<Page> {
  return errors.watch(await ctx.newPage(), name);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

// In-page probes. The project compiles without the DOM library (it is a Node program), so the few browser objects
// the tests read are described here by the members used, and the page functions take `unknown`.
interface ImageLike {
  readonly complete: boolean;
  readonly naturalWidth: number;
}
interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}
interface PageGlobals {
  readonly document: { readonly documentElement: { readonly scrollWidth: number; readonly clientWidth: number } };
  getComputedStyle(el: unknown): { readonly fontSize: string };
}

/** Natural width of a loaded image, 0 while it has not loaded (or failed). */
export function imageWidth(img: Locator): Promise<number> {
  return img.evaluate((el: unknown) => ((el as ImageLike).complete ? (el as ImageLike).naturalWidth : 0));
}

/** How many of the matched images have loaded a picture. */
export function loadedImages(imgs: Locator): Promise<number> {
  return imgs.evaluateAll((els: unknown[]) => els.filter((el) => (el as ImageLike).naturalWidth > 0).length);
}

/** Opaque, strongly red pixels on a canvas (the overlay's line colour) and the canvas width. */
export function redPixels(canvas: Locator): Promise<{ red: number; width: number }> {
  return canvas.evaluate((el: unknown) => {
    const cv = el as CanvasLike;
    const px = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let red = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i]! > 200 && px[i + 1]! < 90 && px[i + 3]! > 200) red++;
    return { red, width: cv.width };
  });
}

export function fontSizePx(el: Locator): Promise<number> {
  return el.evaluate((e: unknown) => parseFloat((globalThis as unknown as PageGlobals).getComputedStyle(e).fontSize));
}

/** Pixels the page is wider than its viewport (0 = no sideways scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as PageGlobals).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}
