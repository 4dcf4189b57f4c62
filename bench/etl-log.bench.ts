import { startBenchApp, type BenchApp } from './lib/app.js';
import { fetchRaw, startBareServer } from './lib/bare-server.js';
import { EtlEventSource } from './lib/etl-events.js';
import { compareLoad, type LoadSummary, type LoadTarget } from './lib/load.js';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';
import { benchSettings, type BenchSettings } from './lib/settings.js';

// GET /model/etl/log with both rings full, against a bare node:http server answering the very
// same bytes with the same headers: the ratio is what Fastify, routing, query validation, the
// cache lookup and content negotiation cost on top of writing the bytes. Then the same route
// while events keep arriving (issue #19), so the cached answer is made again for each change.

const PATH = '/model/etl/log';
/** ETL_LOG_CAPACITY's default. */
const CAPACITY = 1000;
/** Events published per second in the churn runs, each one invalidating the cached answer. */
const CHURN_PER_SECOND = 100;
/**
 * Rounds of the churn comparisons (four runs a side, not two). The load generator is the busier
 * process here (a whole core, for 324 KB answers), and its cost per answer swings between runs by
 * up to two to one on both sides alike (10,300–21,200 answers in 2.5 s from the bare server in one
 * process): with two runs a side, one slow run decided the ratio (bench/README.md, session 10).
 */
const CHURN_ROUNDS = 2;
/** Requests per second of the paced churn run: under what either server answers (4,000–8,000 req/s here), so neither waits on the generator. */
const FIXED_RATE = 1500;

const CODINGS = [
  { name: 'identity', headers: {} },
  { name: 'gzip', headers: { 'accept-encoding': 'gzip' } },
  { name: 'br', headers: { 'accept-encoding': 'br' } },
] as const;

const pct = (share: number): string => `${Math.round(share * 100)} %`;
const busy = (s: LoadSummary): string => `server ${pct(s.serverCpuShare)}, generator ${pct(s.generatorCpuShare)}`;

/** Publishes events until both rings hold `CAPACITY` events. */
function fillRings(server: BenchApp, source: EtlEventSource): void {
  for (;;) {
    const view = server.etlLog.query();
    if (view.allocation.length === CAPACITY && view.asset.length === CAPACITY) return;
    for (let i = 0; i < CAPACITY; i++) server.bus.publish('etl', source.next());
  }
}

/** The three figures of a comparison: req/s and p99 with their goals, and server CPU per request. */
function comparisonRows(label: string, app: LoadSummary, bare: LoadSummary): Result[] {
  return [
    {
      figure: `${label}, req/s`,
      value: app.reqPerSec,
      unit: 'req/s',
      baseline: bare.reqPerSec,
      goal: { on: 'ratio', op: '>=', limit: 0.9 },
      note: `${label}: CPU busy (share of one core): app run ${busy(app)}; bare run ${busy(bare)}; p50 app ${app.p50Ms.toFixed(2)} ms, bare ${bare.p50Ms.toFixed(2)} ms`,
    },
    { figure: `${label}, p99`, value: app.p99Ms, unit: 'ms', baseline: bare.p99Ms, goal: { on: 'ratio', op: '<=', limit: 1.2 } },
    { figure: `${label}, server CPU per request`, value: app.serverCpuUsPerRequest, unit: 'µs', baseline: bare.serverCpuUsPerRequest },
  ];
}

/** Serves the app's own bytes from the bare server and compares the two, for each coding. */
async function staticRuns(server: BenchApp, settings: BenchSettings): Promise<Result[]> {
  const bareServer = await startBareServer({ keepAliveTimeout: server.app.server.keepAliveTimeout });
  const sizes: Result[] = [];
  const results: Result[] = [];
  let identityBytes = 0;
  try {
    for (const coding of CODINGS) {
      const answer = await fetchRaw(server.url + PATH, coding.headers);
      const encoding = answer.headers['content-encoding'] ?? 'identity';
      if (answer.status !== 200 || encoding !== coding.name) {
        throw new Error(`GET ${PATH} with ${JSON.stringify(coding.headers)} answered ${answer.status} in ${encoding}`);
      }
      if (coding.name === 'identity') identityBytes = answer.body.length;
      sizes.push(
        coding.name === 'identity'
          ? {
              figure: 'response body, identity',
              value: answer.body.length,
              unit: 'bytes',
              note: `response body: ${CAPACITY} events in each ring; compressed sizes are compared with identity`,
            }
          : { figure: `response body, ${coding.name}`, value: answer.body.length, unit: 'bytes', baseline: identityBytes },
      );
      bareServer.answer(answer);
      const cmp = await compareLoad(
        { url: server.url + PATH, headers: coding.headers },
        { url: bareServer.url + PATH, headers: coding.headers },
        settings,
        (which) => progress(`etl-log ${coding.name}: ${which === 'subject' ? 'app' : 'bare node:http'}`),
      );
      results.push(...comparisonRows(`GET ${PATH} ${coding.name}`, cmp.subject, cmp.baseline));
    }
  } finally {
    await bareServer.close();
  }
  return [...sizes, ...results];
}

/**
 * Compares `subject` (the app) against `baseline` (the bare server) as `compareLoad` does, with
 * events published at {@link CHURN_PER_SECOND} during the app's runs only; also says how many
 * were published per second of those runs.
 */
async function compareUnderChurn(
  server: BenchApp,
  source: EtlEventSource,
  subject: LoadTarget,
  baseline: LoadTarget,
  settings: BenchSettings,
  rounds: number,
  what: string,
): Promise<{ subject: LoadSummary; baseline: LoadSummary; eventsPerSecond: number }> {
  let published = 0;
  let churnMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let since = 0;
  const stop = () => {
    if (timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
    churnMs += performance.now() - since;
  };
  let cmp: { subject: LoadSummary; baseline: LoadSummary };
  try {
    cmp = await compareLoad(
      subject,
      baseline,
      settings,
      (which) => {
        stop();
        if (which === 'subject') {
          since = performance.now();
          timer = setInterval(() => {
            server.bus.publish('etl', source.next());
            published++;
          }, 1000 / CHURN_PER_SECOND);
        }
        progress(`etl-log ${what}: ${which === 'subject' ? `app with ${CHURN_PER_SECOND} events/s arriving` : 'bare node:http'}`);
      },
      rounds,
    );
  } finally {
    stop();
  }
  return { ...cmp, eventsPerSecond: published / (churnMs / 1000) };
}

/**
 * Loads the app while events keep arriving, against the bare server answering the app's bytes
 * of the same coding (taken once, before the churn), in alternating runs of one window as every
 * other comparison: the events are published during the app's runs only. The bare server does
 * nothing per event, which is the goal: serving while the log changes as cheaply as serving
 * fixed bytes. For identity, the same again at a fixed request rate both sides answer with room
 * to spare: there the generator is not the bottleneck, so the server CPU per request is the
 * steadier figure of what the app costs while the log changes.
 */
async function churnRuns(server: BenchApp, source: EtlEventSource, settings: BenchSettings): Promise<Result[]> {
  const results: Result[] = [];
  const bareServer = await startBareServer({ keepAliveTimeout: server.app.server.keepAliveTimeout });
  try {
    for (const coding of CODINGS) {
      bareServer.answer(await fetchRaw(server.url + PATH, coding.headers));
      const app = { url: server.url + PATH, headers: coding.headers };
      const bare = { url: bareServer.url + PATH, headers: coding.headers };
      const cmp = await compareUnderChurn(server, source, app, bare, settings, CHURN_ROUNDS, coding.name);
      const label = `GET ${PATH} ${coding.name} + ${CHURN_PER_SECOND} events/s`;
      results.push(
        {
          figure: `${label}, req/s`,
          value: cmp.subject.reqPerSec,
          unit: 'req/s',
          baseline: cmp.baseline.reqPerSec,
          goal: { on: 'ratio', op: '>=', limit: coding.name === 'identity' ? 0.9 : 0.8 },
          note: `${label}: ${Math.round(cmp.eventsPerSecond)} events/s published (during the app's runs, warm-up included); baseline: the bare server answering the app's ${coding.name} bytes, in the same window; ${CHURN_ROUNDS * 2} runs a side, alternating; CPU busy: app run ${busy(cmp.subject)}; bare run ${busy(cmp.baseline)}`,
        },
        { figure: `${label}, p99`, value: cmp.subject.p99Ms, unit: 'ms', baseline: cmp.baseline.p99Ms, goal: { on: 'ratio', op: '<=', limit: 1.5 } },
        { figure: `${label}, server CPU per request`, value: cmp.subject.serverCpuUsPerRequest, unit: 'µs', baseline: cmp.baseline.serverCpuUsPerRequest },
      );
      if (coding.name !== 'identity') continue;
      const fixed = { ratePerSecond: FIXED_RATE };
      const paced = await compareUnderChurn(server, source, { ...app, ...fixed }, { ...bare, ...fixed }, settings, 1, `${coding.name} at ${FIXED_RATE} req/s`);
      results.push({
        figure: `${label} at a fixed ${FIXED_RATE} req/s, server CPU per request`,
        value: paced.subject.serverCpuUsPerRequest,
        unit: 'µs',
        baseline: paced.baseline.serverCpuUsPerRequest,
        note: `${label} at a fixed ${FIXED_RATE} req/s (autocannon's overallRate): the server's process CPU per answer, the generator not the bottleneck (CPU busy: app run ${busy(paced.subject)}; bare run ${busy(paced.baseline)}; ${Math.round(paced.subject.reqPerSec)} and ${Math.round(paced.baseline.reqPerSec)} req/s answered)`,
      });
    }
  } finally {
    await bareServer.close();
  }
  return results;
}

/**
 * A dashboard polling with `If-None-Match` at full log: 304s (no body, nothing rendered) against
 * the 200 path of the same route, side by side in one run, per coding.
 */
async function conditionalRuns(server: BenchApp, settings: BenchSettings): Promise<Result[]> {
  const results: Result[] = [];
  for (const coding of CODINGS) {
    const answer = await fetchRaw(server.url + PATH, coding.headers);
    const etag = answer.headers['etag'];
    if (answer.status !== 200 || typeof etag !== 'string') throw new Error(`GET ${PATH} answered ${answer.status} without an ETag`);
    const cmp = await compareLoad(
      { url: server.url + PATH, headers: { ...coding.headers, 'if-none-match': etag }, notModified: true },
      { url: server.url + PATH, headers: coding.headers },
      settings,
      (which) => progress(`etl-log ${coding.name}: ${which === 'subject' ? 'If-None-Match (304)' : 'full answer (200)'}`),
    );
    results.push({
      figure: `GET ${PATH} ${coding.name} If-None-Match (304) vs 200, req/s`,
      value: cmp.subject.reqPerSec,
      unit: 'req/s',
      baseline: cmp.baseline.reqPerSec,
      goal: { on: 'ratio', op: '>=', limit: 2 },
      note: `If-None-Match ${coding.name}: the baseline is the same route answering 200 with the full log (${answer.body.length} bytes); CPU busy: 304 run ${busy(cmp.subject)}; 200 run ${busy(cmp.baseline)}`,
    });
  }
  return results;
}

export default {
  name: 'etl-log',
  async run() {
    const settings = benchSettings();
    const server = await startBenchApp({ capacity: CAPACITY });
    try {
      const source = new EtlEventSource(server.clock);
      fillRings(server, source);
      const conditional = await conditionalRuns(server, settings);
      return [...conditional, ...(await staticRuns(server, settings)), ...(await churnRuns(server, source, settings))];
    } finally {
      await server.close();
    }
  },
} satisfies Benchmark;
