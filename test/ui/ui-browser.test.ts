import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { buildSets } from '../../src/etl/build-sets.js';
import { SetRepository } from '../../src/etl/set-repository.js';
import type { EtlMetadata } from '../../src/events/etl-event.js';
import type { EtlKind } from '../../src/events/etl-kinds.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { buildPage, chromiumAvailable, launchBrowser, type TestBrowser } from '../support/browser.js';
import { container, GIB, HOUR, node, pod, snapshot } from '../support/etl-records.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';
import { PACKAGE_VERSION_PATTERN } from '../support/package-version.js';

// The web page in a real Chromium, against the real server (watchers, storage, routes) and the
// fake API server: what a user sees, what the page requests, what it must never run.

const run = chromiumAvailable();
const XSS = '<img src=x onerror=alert(1)>';
/** Where screenshots for the README go when UI_SCREENSHOTS=1. */
const SHOTS = new URL('../../docs/images/', import.meta.url).pathname;

let fake: FakeKubeServer;
let kubeconfig: FakeKubeconfig;
let server: ServerHandle;
let browser: TestBrowser;
let page: Page;
let pageDir: string;
let clock: ManualClock;
const requests: string[] = [];
const dialogs: string[] = [];
const pageErrors: string[] = [];
const cspViolations: string[] = [];

/** The hour before the server's clock, where the hand-built sets are. */
let setHour: { start: number; end: number };

beforeAll(async () => {
  if (!run) return;
  pageDir = mkdtempSync(join(tmpdir(), 'cost-events-page-'));
  await buildPage(pageDir);
  fake = await FakeKubeServer.start();
  kubeconfig = await writeKubeconfig(fake.url);
  // The clock starts at the real hour, so the page's "ago" and the server's times agree.
  const now = Math.floor(Date.now() / HOUR) * HOUR + 30 * 60_000;
  clock = new ManualClock(new Date(now).toISOString());
  const parsed = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', KUBECONFIG: kubeconfig.path, COST_EVENTS_AUDIT_ENABLED: 'true', DOCS_ENABLED: 'true' });
  if (parsed.help) throw new Error('unexpected help');
  server = await startServer(parsed.config, { clock, env: {}, serviceAccountDir: '/nonexistent', uiDir: pageDir });
  const s = server;
  await waitFor(() => s.watchers?.readiness().ready === true, 'the watchers to sync', 15_000);

  // Hand-built sets for the costs view: shop/web (1 core, 2 GiB), ml/train (2 cores, 8 GiB, 1 GPU) on n1 for the whole hour.
  setHour = { start: now - 30 * 60_000 - HOUR, end: now - 30 * 60_000 };
  const sets = buildSets(
    snapshot({
      cluster: 'cluster-one',
      nodes: [node('n1', { start: setHour.start - 24 * HOUR, gpus: 1 })],
      pods: [
        pod('web-1', { start: setHour.start - HOUR }),
        pod('train', { namespace: 'ml', controller: 'train', controllerKind: 'job', start: setHour.start - HOUR, containers: [container('app', 2, 8 * GIB, 1)] }),
      ],
    }),
    setHour,
    DEFAULT_PRICE_SHEET,
  );
  await new SetRepository(server.storage.pipelineSets).save(sets, HOUR);

  browser = await launchBrowser();
  const origin = new URL(server.url).origin;
  browser.context.on('request', (r) => requests.push(r.url()));
  // Anything for another origin is recorded above and never leaves the machine.
  await browser.context.route('**/*', (route) => (new URL(route.request().url()).origin === origin ? route.continue() : route.abort()));
  page = await browser.context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  if (!run) return;
  await browser.close();
  await server.close();
  await fake.close();
  await kubeconfig.remove();
  rmSync(pageDir, { recursive: true, force: true });
});

const publishEtl = async (kind: EtlKind, metadata: EtlMetadata) => {
  server.bus.publish('etl', { kind, metadata, time: clock.nowNs(), cluster: 'cluster-one' });
  await server.storage.writer.idle();
};

/** Runs axe-core in the page (evaluated, not injected as a script: the page's CSP forbids inline scripts) and returns the serious and critical violations. */
async function axeViolations(): Promise<string[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  // Expressions as strings: this file is compiled without the DOM's types.
  const result = await page.evaluate<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }>("axe.run(document, { resultTypes: ['violations'] })");
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function screenshot(name: string): Promise<void> {
  if (process.env['UI_SCREENSHOTS'] !== '1') return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** How long a view may take to show what the server has (the machine may be busy). */
const POLL = { timeout: 15_000 };

/** The text of the focused element. */
const FOCUSED = "document.activeElement?.textContent?.trim() ?? ''";

const rowOf = (name: string) => page.locator('li.event', { has: page.locator('strong', { hasText: new RegExp(`^${name}$`) }) });

describe.skipIf(!run)('the web page in Chromium', { timeout: 120_000 }, () => {
  it('sends a browser from / to the Changes view, whose header names the build and cluster', async () => {
    const res = await page.goto(`${server.url}/`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${server.url}/ui/`);
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe('Changes');
    await expect.poll(() => page.locator('.cluster-id').textContent(), POLL).toBe('cluster cluster-one');
    expect(await page.locator('.build').textContent()).toMatch(new RegExp(`^v${PACKAGE_VERSION_PATTERN}`));
    expect(await page.locator('a.docs').getAttribute('href')).toBe('../docs');
    expect(await page.locator('.empty').textContent()).toContain('No change matches');
  });

  it('shows a deployment created in the cluster, with its cost, without a reload', async () => {
    await page.evaluate('window.marker = 42');
    fake.clientSideApply('deployments', deploymentObject('kubecost', 'sample-deployment', 1, { cpu: '100m', memory: '32Mi' }));
    // The page polls every 5 s at first (then less often while nothing changes): no reload, no click.
    await rowOf('sample-deployment').waitFor({ timeout: 45_000 });
    const row = rowOf('sample-deployment');
    expect(await row.locator('.amount').textContent()).toBe('+$2.40/mo');
    expect(await row.locator('.badge.type').textContent()).toBe('add');
    expect(await row.locator('.badge.kind').textContent()).toBe('deployment');
    expect(await row.locator('.obj').textContent()).toBe('kubecost/sample-deployment');
    expect(await row.locator('.cost').getAttribute('class')).toBe('cost up');
    expect(await page.evaluate<number>('window.marker')).toBe(42);
  });

  it('filters by namespace through the API, keeping the filter in the URL', async () => {
    fake.create('deployments', deploymentObject('shop', 'web', 3, { cpu: '500m', memory: '1Gi' }));
    await rowOf('web').waitFor({ timeout: 45_000 });
    expect(await page.locator('li.event').count()).toBe(2);
    await page.getByLabel('Namespaces').fill('shop');
    await page.getByLabel('Namespaces').press('Enter');
    await expect.poll(() => page.locator('li.event').count(), POLL).toBe(1);
    expect(await page.locator('li.event .obj').textContent()).toBe('shop/web');
    expect(new URL(page.url()).hash).toBe('#/changes?filterNamespaces=shop');
    expect(requests.some((u) => u.endsWith('/model/audit/events?count=1000&filterNamespaces=shop'))).toBe(true);
    // The URL alone gives the same view.
    await page.reload();
    await expect.poll(() => page.locator('li.event .obj').allTextContents(), POLL).toEqual(['shop/web']);
    expect(await page.getByLabel('Namespaces').inputValue()).toBe('shop');
  });

  it('shows a resize as an update with the cost before and after, and a removal as a delete', async () => {
    await page.getByRole('button', { name: 'Clear filters' }).click();
    fake.update('deployments', 'shop', 'web', (d) => {
      (d.spec as { replicas: number }).replicas = 5;
    });
    const update = page.locator('li.event.update');
    await update.waitFor({ timeout: 45_000 });
    // 2 more replicas of 500m and 1 GiB: 2 × (0.5 × 23.08 + 1 × 3.09) a month.
    expect(await update.locator('.amount').textContent()).toBe('+$29.26/mo');
    await update.locator('button').click();
    const detail = page.locator('.event-detail');
    expect(await detail.locator('.rates thead th').allTextContents()).toEqual(['Resource', 'Before', 'After']);
    expect(await detail.locator('.rates tr.total td').allTextContents()).toEqual(['$43.89', '$73.15']);
    fake.create('deployments', deploymentObject('batch', 'nightly-report', 2, { cpu: '250m', memory: '512Mi' }));
    await rowOf('nightly-report').waitFor({ timeout: 45_000 });
    fake.delete('deployments', 'batch', 'nightly-report');
    const del = page.locator('li.event.delete');
    await del.waitFor({ timeout: 45_000 });
    expect(await del.locator('.amount').textContent()).toBe('−$14.63/mo');
    expect(await del.locator('.cost').getAttribute('class')).toBe('cost down');
  });

  it('opens a change with everything the API has on it', async () => {
    await rowOf('sample-deployment').locator('button').click();
    const detail = page.locator('.event-detail');
    await detail.waitFor();
    expect(await detail.locator('h2').textContent()).toBe('add deployment kubecost/sample-deployment');
    expect(await detail.locator('.big-delta').textContent()).toBe('+$2.40/mo');
    const uid = fake.get('deployments', 'kubecost', 'sample-deployment')?.metadata.uid;
    expect(await detail.locator('code').first().textContent()).toBe(uid);
    expect(await detail.locator('.rates tr.total td').textContent()).toBe('$2.40');
    expect(await detail.locator('.rates tbody th').allTextContents()).toEqual(['CPU', 'Memory', 'GPU', 'Total']);
    expect(await detail.locator('.rates td').allTextContents()).toEqual(['$2.31', '$0.0966', '$0.00', '$2.40']);
    const raw = JSON.parse((await detail.locator('pre').textContent()) ?? '') as { uid: string; predictor: string; id: string };
    expect(raw).toMatchObject({ uid, predictor: 'requests' });
    // The event's stable id names it in the URL, so the view can be shared.
    expect(new URL(page.url()).hash).toBe(`#/changes?event=${raw.id}`);
    // Who made it and with what, from the managedFields and the last-applied annotation of kubectl apply.
    const terms = await detail.locator('.facts dt').allTextContents();
    const values = await detail.locator('.facts dd').allTextContents();
    const facts = Object.fromEntries(terms.map((t, i) => [t, values[i]]));
    expect([facts['Changed by'], facts['Source']]).toEqual(['kubectl-client-side-apply', 'kubectl']);
    await screenshot('changes');
    expect(await axeViolations()).toEqual([]);
  });

  it('shows a reported event’s content and labels as text and runs nothing of them', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/V1.0/cluster-one/events',
      payload: [{ event_name: 'deployFinished', event_source: 'ci.Pipeline', time: clock.nowMs(), detail: { content: XSS, event_user: 'release-bot', event_level: 'Major', dimensions: [{ name: 'label', value: XSS }] } }],
    });
    expect(res.statusCode).toBe(201);
    await page.reload();
    await page.getByRole('button', { name: /deployFinished/ }).click();
    const occurrence = page.locator('.occurrence');
    await occurrence.waitFor();
    expect(await occurrence.locator('.content').textContent()).toBe(XSS);
    expect(await occurrence.locator('dd').allTextContents()).toEqual(['release-bot', XSS]);
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(requests.filter((u) => u.endsWith('/x'))).toEqual([]);
  });

  it('shows a ComputeError in ETL health, with its message', async () => {
    await publishEtl('AllocationSetSaved', { size: 3, window: { start: new Date(setHour.start).toISOString(), end: new Date(setHour.end).toISOString() } });
    await publishEtl('AssetSetSaved', { size: 2, window: { start: new Date(setHour.start).toISOString(), end: new Date(setHour.end).toISOString() } });
    clock.advance(60_000);
    await publishEtl('AllocationSetComputeError', { window: { start: new Date(setHour.end).toISOString(), end: new Date(setHour.end + HOUR).toISOString() }, error: 'the cluster cache is not current: pods: backoff' });
    await page.getByRole('link', { name: 'ETL health' }).click();
    const allocations = page.locator('article.state', { has: page.locator('h2', { hasText: 'Allocations' }) });
    await expect.poll(() => allocations.locator('.state-label').textContent(), POLL).toBe('Last build failed');
    expect(await allocations.locator('.banner.error').textContent()).toContain('AllocationSetComputeError');
    expect(await allocations.locator('.banner.error').textContent()).toContain('the cluster cache is not current: pods: backoff');
    const assets = page.locator('article.state', { has: page.locator('h2', { hasText: 'Assets' }) });
    expect(await assets.locator('.state-label').textContent()).toBe('Healthy');
    const errorRow = page.locator('table.log tr.error-row');
    expect(await errorRow.count()).toBe(1);
    expect(await errorRow.locator('.error-text').textContent()).toBe('the cluster cache is not current: pods: backoff');
    // The kind filter keeps the choice in the URL and the table to that step.
    await page.getByRole('checkbox', { name: 'Saved' }).check();
    await expect.poll(() => page.locator('table.log tbody tr').count(), POLL).toBe(2);
    expect(new URL(page.url()).hash).toBe('#/etl?steps=Saved');
    await page.getByRole('checkbox', { name: 'Saved' }).uncheck();
    await screenshot('etl-health');
    expect(await axeViolations()).toEqual([]);
  });

  it('charts the cost by namespace and by controller, with idle apart', async () => {
    const api = (await server.app.inject('/model/allocation?window=7d&aggregate=namespace&accumulate=true')).json<{ data: Record<string, { totalCost: number }>[] }>().data[0]!;
    await page.getByRole('link', { name: 'Costs' }).click();
    const chart = page.locator('figure.chart svg[role="img"]');
    await chart.waitFor();
    expect(await chart.getAttribute('aria-label')).toBe('Cost by namespace, Last 7 days, largest 2');
    // Largest first: ml (2 cores, 8 GiB, a GPU) then shop (1 core, 2 GiB), each for the hour.
    expect(await chart.locator('.bar-label').allTextContents()).toEqual(['ml', 'shop']);
    const shop = (23.08 + 2 * 3.09) / 730;
    expect(api['shop']?.totalCost).toBeCloseTo(shop, 5);
    expect(await page.locator('table.costs tbody th').allTextContents()).toEqual(['ml', 'shop']);
    expect(await page.locator('table.costs tbody tr').nth(1).locator('td.strong').textContent()).toBe('$0.0401');
    // Idle: n1 (4 cores, 16 GiB, 1 GPU at the default prices) less what the two pods requested.
    const idle = (4 * 23.08 + 16 * 3.09) / 730 + 0.95 - shop - ((2 * 23.08 + 8 * 3.09) / 730 + 0.95);
    expect(api['__idle__']?.totalCost).toBeCloseTo(idle, 5);
    expect(await page.locator('.stat.idle .figure').textContent()).toBe('$0.057');
    expect(await page.locator('table.costs tfoot th').textContent()).toBe('Idle (apart)');
    // Sorting by name, ascending on a second click.
    await page.getByRole('button', { name: 'Namespace' }).click();
    expect(await page.locator('table.costs tbody th').allTextContents()).toEqual(['shop', 'ml']);
    await page.getByRole('button', { name: 'Namespace' }).click();
    expect(await page.locator('table.costs tbody th').allTextContents()).toEqual(['ml', 'shop']);
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Namespace');
    await page.getByRole('radio', { name: 'Controller' }).check();
    await expect.poll(() => page.locator('table.costs tbody th').allTextContents(), POLL).toEqual(expect.arrayContaining(['job:train', 'deployment:web']));
    await page.getByRole('radio', { name: 'Namespace' }).check();
    await expect.poll(() => chart.getAttribute('aria-label'), POLL).toBe('Cost by namespace, Last 7 days, largest 2');
    await screenshot('costs');
    expect(await axeViolations()).toEqual([]);
  });

  it('is keyboard navigable: the skip link, the tabs and the timeline are reached with Tab', async () => {
    await page.goto(`${server.url}/ui/#/changes`);
    await page.reload();
    await rowOf('sample-deployment').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>(FOCUSED)).toBe('Skip to content');
    const reached = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate<string>(FOCUSED));
    }
    expect([...reached]).toEqual(expect.arrayContaining(['Changes', 'ETL health', 'Costs', 'API docs']));
    expect([...reached].some((t) => t.includes('sample-deployment'))).toBe(true);
    await page.keyboard.press('Escape');
  });

  it('made no request to another origin, ran no dialog and broke no policy', () => {
    const origin = new URL(server.url).origin;
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
