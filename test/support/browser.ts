import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { inCi } from './ci.js';

/** Debian's Chromium, which `.ci/run` installs. */
export const CHROMIUM = process.env['COST_EVENTS_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

/** Flags for a quiet, headless, sandbox-less browser that makes no request of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser suites can run. In CI they must: a missing Chromium fails the run.
 * Locally, a missing Chromium skips them, with a message nobody can miss.
 */
export function chromiumAvailable(): boolean {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return true;
  } catch {
    if (inCi()) throw new Error(`Chromium is not at ${CHROMIUM}; in CI the browser suites must run, never skip (apt-get install chromium)`);
    const line = '!'.repeat(100);
    process.stderr.write(`\n${line}\n!! SKIPPING the browser suites: no Chromium at ${CHROMIUM}.\n!! Install it (apt-get install chromium; .ci/run does) to run them; in CI (CI=true) this fails instead.\n${line}\n\n`);
    return false;
  }
}

/** A browser with a fresh profile, removed on close. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'cost-events-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 860 },
    locale: 'en-US',
    timezoneId: 'UTC',
    colorScheme: 'light',
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Builds the web page with Vite into `outDir` (the same config `npm run build` uses). */
export async function buildPage(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: new URL('../../ui/vite.config.ts', import.meta.url).pathname, build: { outDir, emptyOutDir: true }, logLevel: 'error' });
}
