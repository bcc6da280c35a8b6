/**
 * Chromium for the dashboard tests (Debian's /usr/bin/chromium through playwright-core): one browser per test file,
 * pages that record every console error and page error so a test can fail on them, and screenshots saved as
 * artefacts under .test-out/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), '.test-out', 'screenshots');

export const VIEWPORTS = {
  desktop: { width: 1366, height: 768 },
  tv: { width: 1920, height: 1080 },
  phone: { width: 390, height: 844 },
} as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
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
