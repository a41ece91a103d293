// Debian's Chromium driven through playwright-core (no browser download).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const PHONE = { width: 360, height: 640 };

/** Fails loudly (also under CI) when Chromium is not installed. */
export function requireChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (listed in .ci/packages.txt)`);
  }
}

/**
 * A persistent profile (a temp user-data dir): Chromium reports
 * "in-incognito" for installability in incognito contexts, and service
 * workers behave as for a real user.
 */
export async function launchProfile({ viewport = PHONE, javaScriptEnabled = true } = {}) {
  requireChromium();
  const dataDir = mkdtempSync(join(tmpdir(), 'inkwell-chromium-'));
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport,
    deviceScaleFactor: 2,
    isMobile: false,
    hasTouch: true,
    serviceWorkers: 'allow',
    javaScriptEnabled,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Collects console errors and uncaught page errors of a page. */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // DOMPurify parses hostile input (the tests write some on purpose) in an
    // inert DOMParser document; Chromium still checks the page's CSP on an
    // inline handler there and reports it, although nothing could run.
    if (/Content Security Policy/.test(m.text()) && /inline event handler/.test(m.text())
      && /\/static\/vendor\/purify\./.test(m.location().url || '')) return;
    errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Waits until a service worker controls the page (after its first load, a reload may be needed). */
export async function waitForServiceWorker(page) {
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!reg.active) throw new Error('no active service worker');
  });
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
    await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 10000 });
  }
}
