import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/server.js';
import { chromiumAvailable, launchBrowser, type TestBrowser } from '../support/browser.js';
import { startClientTestServer } from '../support/client-server.js';
import { tokenFileText } from '../support/cloud-eye.js';

// CORS as a real Chromium enforces it: pages served from two other loopback origins (another
// port each) call the server with fetch(). The allowed one reads the ETL log (a simple request)
// and a Cloud Eye route with X-Auth-Token (a custom header, so the browser sends a preflight
// first); the other is blocked by the browser, its script seeing only a network error.

const run = chromiumAvailable();
const TOKEN = 'browser-token';

interface PageServer {
  readonly server: Server;
  readonly origin: string;
}

/** Serves one empty HTML page at `/`, on a port of its own: an origin of its own. */
async function pageServer(): Promise<PageServer> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>dashboard</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

/** What a page's fetch() got: the status, an exposed header and the JSON, or the error the browser gave the script. */
type Fetched = { ok: true; status: number; requestId: string | null; json: unknown } | { ok: false; error: string };

function fetchFrom(page: Page, url: string, headers: Record<string, string> = {}): Promise<Fetched> {
  return page.evaluate(
    async ({ url, headers }) => {
      try {
        const res = await fetch(url, { headers });
        return { ok: true as const, status: res.status, requestId: res.headers.get('x-request-id'), json: (await res.json()) };
      } catch (err) {
        return { ok: false as const, error: String(err) };
      }
    },
    { url, headers },
  );
}

describe.runIf(run)('CORS in a real browser', () => {
  let server: ServerHandle;
  let allowed: PageServer;
  let other: PageServer;
  let browser: TestBrowser;
  let dir: string;
  const logged: string[] = [];

  beforeAll(async () => {
    allowed = await pageServer();
    other = await pageServer();
    dir = mkdtempSync(join(tmpdir(), 'cost-events-cors-'));
    const tokens = join(dir, 'tokens.json');
    writeFileSync(tokens, tokenFileText([{ token: TOKEN, projects: ['*'], actions: ['ces:events:list'] }]));
    server = await startClientTestServer({ CORS_ALLOWED_ORIGINS: allowed.origin, CES_TOKENS_FILE: tokens }, { logged });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await server.close();
    for (const s of [allowed, other]) await new Promise((resolve) => s.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const openPage = async (origin: string): Promise<Page> => {
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    return page;
  };

  const methodsLogged = (path: string): string[] =>
    logged
      .map((l) => JSON.parse(l) as { method?: string; url?: string })
      .filter((l) => l.url === path)
      .map((l) => l.method ?? '');

  it('lets a page of an allowed origin read the ETL log, with an exposed header', async () => {
    const page = await openPage(allowed.origin);
    const got = await fetchFrom(page, `${server.url}/model/etl/log`);
    await page.close();
    expect(got).toMatchObject({ ok: true, status: 200, json: { code: 200 } });
    expect(got.ok && got.requestId !== null && got.requestId !== '').toBe(true);
  });

  it('lets it call a Cloud Eye route with X-Auth-Token after a preflight the server answered', async () => {
    const page = await openPage(allowed.origin);
    const got = await fetchFrom(page, `${server.url}/V1.0/cluster-one/events`, { 'X-Auth-Token': TOKEN });
    await page.close();
    expect(got).toMatchObject({ ok: true, status: 200, json: { events: [] } });
    expect(methodsLogged('/V1.0/cluster-one/events')).toEqual(['OPTIONS', 'GET']);
  });

  it('blocks a page of another origin: the browser hides the answer from its script', async () => {
    const page = await openPage(other.origin);
    const etl = await fetchFrom(page, `${server.url}/model/etl/log`);
    const ces = await fetchFrom(page, `${server.url}/V1.0/cluster-one/events?limit=1`, { 'X-Auth-Token': TOKEN });
    await page.close();
    expect(etl).toEqual({ ok: false, error: 'TypeError: Failed to fetch' });
    expect(ces).toEqual({ ok: false, error: 'TypeError: Failed to fetch' });
    // The preflight was asked and answered without allowing the origin, so the GET never left the browser.
    expect(methodsLogged('/V1.0/cluster-one/events?limit=1')).toEqual(['OPTIONS']);
  });
});
