/**
 * Headless Chromium (the Debian package) driven by playwright-core, showing the workbench.
 * playwright-core brings no browser of its own, and its browser download cannot work here.
 */
import * as fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitUntil } from './wait';

/**
 * Flags for a quiet headless Chromium in a container: no sandbox (CI runs as root), no GPU, and
 * no background traffic to Google services that would only time out offline.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Window size: wide enough for the status bar items and the Problems panel side by side. */
export const VIEWPORT = { width: 1400, height: 900 } as const;

/** A browser with one page, and where its console output goes. */
export interface BrowserSession {
  browser: Browser;
  page: Page;
}

/** Launches Chromium and opens one page; the page's console messages go to `consoleLog`. */
export async function launchBrowser(executablePath: string, consoleLog: string): Promise<BrowserSession> {
  if (!fs.existsSync(executablePath)) throw new Error(`${executablePath} not found: run scripts/e2e-setup.sh`);
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  try {
    const context = await browser.newContext({ viewport: VIEWPORT });
    // tsx compiles tests with esbuild's keepNames, which wraps named functions in __name(...).
    // Functions passed to page.evaluate carry that call into the page, where it does not exist.
    await context.addInitScript('globalThis.__name = (fn) => fn;');
    const page = await context.newPage();
    const out = fs.createWriteStream(consoleLog, { flags: 'a' });
    page.on('console', (m) => out.write(`[${new Date().toISOString()}] ${m.type()}: ${m.text()}\n`));
    page.on('pageerror', (e) => out.write(`[${new Date().toISOString()}] pageerror: ${e.stack ?? e.message}\n`));
    browser.on('disconnected', () => out.end());
    return { browser, page };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * Opens the workbench and waits until it is usable: the status bar is drawn and, when the
 * folder has files, the Explorer lists them (proof that the connection to the server works).
 */
export async function openWorkbench(page: Page, url: string, options: { expectFiles: boolean }): Promise<void> {
  await page.goto(url);
  await waitUntil('the workbench and its status bar', () => page.locator('.monaco-workbench .part.statusbar').isVisible(), {
    timeoutMs: 60_000,
  });
  if (options.expectFiles) {
    await waitUntil(
      'the Explorer to list the folder',
      async () => (await page.locator('.explorer-folders-view .monaco-list-row').count()) > 0,
      { timeoutMs: 60_000 },
    );
  }
}
