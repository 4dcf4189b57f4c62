import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditChange } from '../src/audit/audit-change.js';
import { auditChangeOf } from '../src/audit/audit-change.js';
import type { AuditEvent } from '../src/audit/audit-event.js';
import { loadConfig } from '../src/config.js';
import { startServer, type ServerHandle } from '../src/server.js';
import { buildPage, chromiumAvailable, launchBrowser } from '../test/support/browser.js';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';

// The web page's budget, in Debian's Chromium against the real server on loopback with 1,000
// audit events stored: what the first load transfers (gzip), how soon the Changes view shows all
// 1,000, and what the page asks for while nothing changes.

const EVENTS = 1000;
const LOADS = 5;
/** Seconds the page is left alone with nothing changing. */
const IDLE_SECONDS = 60;

function auditChange(i: number, atMs: number): AuditChange {
  const type = (['add', 'update', 'delete'] as const)[i % 3]!;
  const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const event: AuditEvent = {
    eventType: type,
    resourceType: 'deployment',
    timestamp: new Date(atMs - (EVENTS - i) * 60_000).toISOString().replace('Z', '000000Z'),
    properties: { cluster: 'cluster-one', name: `app-${i}`, namespace: `team-${i % 17}` },
    totalRequests: { cpu: '100m', memory: '32Mi' },
    resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
    costPrediction: { totalMonthlyRate: 2.4045625, cpuMonthlyRate: 2.308, ramMonthlyRate: 0.0965625, gpuMonthlyRate: 0 },
    monthlyCostDelta: type === 'delete' ? -2.4045625 * (i % 9) : 2.4045625 * (i % 9),
    uid,
    predictor: 'requests',
  };
  return auditChangeOf(event, `${type}/${uid}/${i}`, { cluster: 'cluster-one', resourceType: 'deployment', op: 'remove', uid });
}

/** Bytes of the body as sent with `Accept-Encoding: gzip`. */
function gzipBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': 'gzip', accept: '*/*' } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(n));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The Changes view has read all the events and shows the newest: its count line says so and the first page of rows is in the DOM. */
function shownInPage(events: number): boolean {
  // A function, not a string: Playwright evaluates strings with eval, which the page's CSP forbids. Typed loosely: bench/ is compiled without the DOM's types.
  const d = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): { length: number } } }).document;
  return (d.querySelector('.sub')?.textContent ?? '').startsWith(`${events} changes`) && d.querySelectorAll('li.event').length > 0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bench: Benchmark = {
  name: 'ui',
  async run(): Promise<Result[]> {
    if (!chromiumAvailable()) return [];
    const dir = mkdtempSync(join(tmpdir(), 'cost-events-ui-bench-'));
    let server: ServerHandle | undefined;
    const browser = await launchBrowser();
    try {
      progress('building the page');
      await buildPage(dir);
      const parsed = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true' });
      if (parsed.help) throw new Error('unexpected help');
      server = await startServer(parsed.config, { env: {}, serviceAccountDir: '/nonexistent', uiDir: dir });
      const now = Date.now();
      for (let i = 0; i < EVENTS; i++) server.bus.publish('audit', auditChange(i, now));
      await server.storage.writer.idle();
      const page = await browser.context.newPage();
      const url = `${server.url}/ui/`;

      // First load: every URL the page asked for until it settled, then each one's gzip size.
      const firstLoad: string[] = [];
      page.on('request', (r) => firstLoad.push(r.url()));
      await page.goto(url);
      await page.waitForFunction(shownInPage, EVENTS);
      await page.waitForLoadState('networkidle');
      page.removeAllListeners('request');
      let bytes = 0;
      let pageBytes = 0;
      for (const u of new Set(firstLoad)) {
        const n = await gzipBytes(u);
        bytes += n;
        if (u.includes('/ui/')) pageBytes += n;
      }

      // Interactive: from navigation to the 1,000 rows in the DOM, against fetching the same JSON in the same page.
      const shown: number[] = [];
      const fetched: number[] = [];
      for (let i = 0; i < LOADS; i++) {
        await page.goto('about:blank');
        await page.goto(url);
        await page.waitForFunction(shownInPage, EVENTS, { polling: 'raf' });
        shown.push(await page.evaluate<number>('performance.now()'));
        fetched.push(await page.evaluate<number>(`(async () => { const t = performance.now(); await (await fetch('../model/audit/events?count=${EVENTS}', { cache: 'no-store' })).json(); return performance.now() - t; })()`));
      }

      // Idle: nothing changes; every request the page makes is counted.
      progress(`leaving the page idle for ${IDLE_SECONDS} s`);
      const idle: { url: string; at: number }[] = [];
      page.on('request', (r) => idle.push({ url: r.url(), at: Date.now() }));
      await page.waitForTimeout(IDLE_SECONDS * 1000);
      let mostPerSecond = 0;
      for (const a of idle) mostPerSecond = Math.max(mostPerSecond, idle.filter((b) => b.url === a.url && b.at >= a.at && b.at < a.at + 1000).length);
      const auditPolls = idle.filter((r) => r.url.includes('/model/audit/events')).length;

      return [
        { figure: 'first load, all requests, gzip', value: bytes, unit: 'bytes', goal: { on: 'value', op: '<=', limit: 150 * 1024 }, note: `of which the page's own files ${pageBytes} bytes; the rest is the API's answers (${EVENTS} events) over ${new Set(firstLoad).size} requests` },
        { figure: `Changes view interactive with ${EVENTS} events (median of ${LOADS})`, value: median(shown), unit: 'ms', baseline: median(fetched), goal: { on: 'value', op: '<=', limit: 1000 }, note: `from navigation start to all ${EVENTS} read, counted and the newest 100 rendered; baseline: fetching and parsing the same JSON in the page` },
        { figure: `requests while idle for ${IDLE_SECONDS} s`, value: idle.length, unit: 'requests', note: `${auditPolls} of them conditional polls of the audit events; the interval doubles from 5 s to 30 s while nothing changes` },
        { figure: 'most requests for one URL within 1 s while idle', value: mostPerSecond, unit: 'requests', goal: { on: 'value', op: '<=', limit: 1 } },
      ];
    } finally {
      await browser.close();
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
