import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import type { AuditEvent } from '../src/audit/audit-event.js';
import { CloudEyeEvents } from '../src/cloud-eye/cloud-eye-events.js';
import { systemClock } from '../src/clock.js';
import { Readiness } from '../src/readiness.js';
import type { CustomEventRecord } from '../src/storage/catalogue.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { PostgresStore } from '../src/storage/postgres/pg-store.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import type { Store, StoreLimits } from '../src/storage/store.js';
import { guardedCatalogue, guardedReader } from '../src/storage/store-reader.js';
import { StoreWriter } from '../src/storage/store-writer.js';
import { fetchRaw, startBareServer } from './lib/bare-server.js';
import { EtlEventSource } from './lib/etl-events.js';
import { compareLoad } from './lib/load.js';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';
import { benchSettings } from './lib/settings.js';
import { percentile } from './lib/stats.js';
import { keyedAuditEvent } from '../src/audit/audit-change.js';

// GET /V1.0/{project_id}/events, Cloud Eye's summary, with 100,000 custom events stored in the
// project (20 names over 25 days) beside full ETL and audit logs, per backend: req/s and p99 at
// BENCH_CONNECTIONS, and p99 on one connection (one summary's latency, not queued behind others),
// against a bare node:http server answering the same bytes. Two queries: no from/to (every stored
// event counts) and the last day (a range whose ends fall inside hours). Answers are
// reused while nothing changes, as the server reuses them (nothing arrives here), so the HTTP
// figures are the steady state of a polled summary; the query alone, timed in-process, is what
// the first request after a change pays. PostgreSQL is the server on BENCH_PG_URL (default
// 127.0.0.1:5432, database test), in a throwaway schema.

const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const EVENTS = 100_000;
const NAMES = 20;
const SPAN_MS = 25 * 86_400_000;
const LIMITS: StoreLimits = { etlLogCapacity: 1000, auditCapacity: 1000, customEventCapacity: EVENTS };
const PROJECT = 'cluster-one';
/** The p99 a summary must stay under. */
const GOAL_P99_MS = 20;
/** Summary queries timed in-process per figure. */
const QUERIES = 500;

const noLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Each backend to measure: how to open a fresh store, and clean up. */
async function backends(): Promise<{ name: string; open(): Promise<Store>; cleanup(): Promise<void> }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ces-bench-'));
  const list = [
    { name: 'memory', open: async (): Promise<Store> => new MemoryStore(LIMITS), cleanup: async () => undefined },
    { name: 'sqlite', open: async (): Promise<Store> => SqliteStore.open(join(dir, 'events.db'), LIMITS), cleanup: async () => rmSync(dir, { recursive: true, force: true }) },
  ];
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (err) {
    progress(`cloud-eye: PostgreSQL at ${PG_URL} is unreachable (${err instanceof Error ? err.message : String(err)}); its figures are left out`);
    return list;
  }
  const schema = `cost_events_bench_${randomBytes(6).toString('hex')}`;
  list.push({
    name: 'postgres',
    open: async () => {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const url = new URL(PG_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return PostgresStore.open(url.toString(), LIMITS);
    },
    cleanup: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  });
  return list;
}

/** 100,000 custom events of 20 names spread over 25 days up to `nowMs`, reported in batches of 1,000. */
async function fillCustom(store: Store, nowMs: number): Promise<void> {
  for (let start = 0; start < EVENTS; start += 1000) {
    const batch: CustomEventRecord[] = [];
    for (let i = start; i < start + 1000; i++) {
      const name = `event_${String(i % NAMES).padStart(2, '0')}`;
      const timeMs = nowMs - SPAN_MS + Math.floor((i * SPAN_MS) / EVENTS);
      const eventId = `ev${timeMs}${String(i).padStart(9, '0')}`;
      const body = { event_id: eventId, event_name: name, event_source: `svc.item${i % 5}`, time: timeMs, detail: { content: 'deployed', event_level: 'Info' } };
      batch.push({ eventId, name, source: body.event_source, timeMs, level: 'Info', state: '', user: '', dedupeKey: eventId, body: JSON.stringify(body) });
    }
    await store.insertCustomEvents(PROJECT, batch);
  }
}

/** Full ETL and audit logs of the project, through the writer as the server writes them. */
async function fillSystem(store: Store): Promise<void> {
  const clock = systemClock();
  const writer = new StoreWriter({ store, clock, capacity: 10_000, log: noLog });
  const source = new EtlEventSource(clock);
  for (let i = 0; i < 2 * LIMITS.etlLogCapacity; i++) writer.submit([{ type: 'etl', event: source.next() }]);
  for (let i = 0; i < LIMITS.auditCapacity; i++) {
    const event: AuditEvent = {
      eventType: (['add', 'delete', 'update'] as const)[i % 3] ?? 'add',
      resourceType: (['deployment', 'statefulset'] as const)[i % 2] ?? 'deployment',
      timestamp: new Date(Date.now() - (LIMITS.auditCapacity - i) * 1000).toISOString().replace('Z', '000000Z'),
      properties: { cluster: PROJECT, name: `app-${i}`, namespace: `team-${i % 20}` },
      totalRequests: { cpu: '100m', memory: '32Mi' },
      resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
      costPrediction: { totalMonthlyRate: 2.4045625000000004, cpuMonthlyRate: 2.3080000000000003, ramMonthlyRate: 0.0965625, gpuMonthlyRate: 0 },
      monthlyCostDelta: 2.4045625000000004,
      uid: `uid-${i}`,
      predictor: 'requests',
    };
    writer.submit([{ type: 'audit', audit: keyedAuditEvent(event, `add/uid-${i}`) }]);
  }
  await writer.idle();
  await writer.close();
}

/** Latencies of the store's summary query alone, in-process: what the first request after a change pays. */
async function queryLatencies(store: Store, range: { fromMs?: number; toMs?: number }): Promise<{ p50: number; p99: number }> {
  const notBeforeMs = Date.now() - 30 * 86_400_000;
  const run = () => store.summarizeEvents({ project: PROJECT, ...range, etl: {}, audit: {}, custom: { notBeforeMs } });
  for (let i = 0; i < 50; i++) await run();
  const ms: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const started = performance.now();
    await run();
    ms.push(performance.now() - started);
  }
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

async function measure(name: string, store: Store, memoryQuery: Map<string, { p50: number; p99: number }>): Promise<Result[]> {
  const clock = systemClock();
  const writer = new StoreWriter({ store, clock, capacity: 10, log: noLog });
  const events = new CloudEyeEvents({ catalogue: guardedCatalogue(store, writer), clock, clusterId: PROJECT, retentionMs: 30 * 86_400_000, publish: () => undefined });
  // The rate limit stays on, as in production, set too high to refuse anything: its hook is part of every request.
  const app = buildApp({ clock, events: guardedReader(store, writer), readiness: new Readiness(), cloudEye: { events, rateLimit: { max: 1_000_000_000, windowMs: 1000 } } });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const bare = await startBareServer({ keepAliveTimeout: app.server.keepAliveTimeout });
  const rows: Result[] = [];
  try {
    const now = Date.now();
    for (const [label, query, range] of [
      ['every stored event', '', {}],
      ['the last day', `?from=${now - 86_400_000}&to=${now + 3_600_000}`, { fromMs: now - 86_400_000, toMs: now + 3_600_000 }],
    ] as const) {
      progress(`cloud-eye: ${name}, ${label}, the query alone`);
      const query1 = await queryLatencies(store, range);
      if (name === 'memory') memoryQuery.set(label, query1);
      const path = `/V1.0/${PROJECT}/events${query}`;
      const raw = await fetchRaw(url + path);
      if (raw.status !== 200) throw new Error(`GET ${path}: ${raw.status} ${raw.body.toString()}`);
      bare.answer(raw);
      const settings = benchSettings();
      const cmp = await compareLoad({ url: url + path }, { url: bare.url }, settings, (which) => progress(`cloud-eye: ${name}, ${label}, ${which === 'subject' ? 'server' : 'bare'}`));
      // One connection: the latency of one summary, without waiting behind the others.
      const alone = await compareLoad({ url: url + path }, { url: bare.url }, { ...settings, connections: 1 }, (which) =>
        progress(`cloud-eye: ${name}, ${label}, one connection, ${which === 'subject' ? 'server' : 'bare'}`),
      );
      const summary = JSON.parse(raw.body.toString()) as { meta_data: { total: number }; events: { event_count: number }[] };
      const counted = summary.events.reduce((n, e) => n + e.event_count, 0);
      rows.push(
        {
          figure: `${name}: summary of ${label}, p99`,
          value: cmp.subject.p99Ms,
          unit: 'ms',
          baseline: cmp.baseline.p99Ms,
          goal: { on: 'value', op: '<=', limit: GOAL_P99_MS },
          note:
            `cloud-eye ${name}, ${label}: GET ${path.replace(/from=\d+&to=\d+/, 'from=<now − 1 d>&to=<now + 1 h>')}, ${summary.meta_data.total} rows, ${counted} events counted ` +
            `(${EVENTS} custom events of ${NAMES} names over 25 days, ${2 * LIMITS.etlLogCapacity} ETL and ${LIMITS.auditCapacity} audit events); nothing changes meanwhile, so each request reads the store's revision and reuses the answer; ` +
            `baseline: node:http answering the same ${raw.body.length} bytes; p50 ${cmp.subject.p50Ms.toFixed(2)} ms vs ${cmp.baseline.p50Ms.toFixed(2)} ms; ` +
            `server CPU ${cmp.subject.serverCpuUsPerRequest.toFixed(0)} µs per request; one connection: p50 ${alone.subject.p50Ms.toFixed(2)} ms, ${alone.subject.reqPerSec.toFixed(0)} req/s`,
        },
        { figure: `${name}: summary of ${label}, req/s`, value: cmp.subject.reqPerSec, unit: 'req/s', baseline: cmp.baseline.reqPerSec },
        { figure: `${name}: summary of ${label}, p99, one connection`, value: alone.subject.p99Ms, unit: 'ms', baseline: alone.baseline.p99Ms },
        {
          figure: `${name}: summary query of ${label} alone, after a change, p99`,
          value: query1.p99,
          unit: 'ms',
          ...(name !== 'memory' && memoryQuery.has(label) && { baseline: memoryQuery.get(label)?.p99 }),
          goal: { on: 'value', op: '<=', limit: GOAL_P99_MS },
          note:
            `cloud-eye query alone, ${name}, ${label}: the store's summary (ETL, audit and custom parts) called ${QUERIES} times in-process, one at a time, ` +
            `as the first request after a change computes it (later ones reuse it until the next change); p50 ${query1.p50.toFixed(2)} ms; baseline: the memory backend`,
        },
      );
    }
  } finally {
    await bare.close();
    await app.close();
    await writer.close();
  }
  return rows;
}

export default {
  name: 'cloud-eye',
  async run() {
    const rows: Result[] = [];
    const memoryQuery = new Map<string, { p50: number; p99: number }>();
    const list = await backends();
    try {
      for (const b of list) {
        const store = await b.open();
        try {
          progress(`cloud-eye: ${b.name}, storing ${EVENTS.toLocaleString('en-US')} custom events and full ETL and audit logs`);
          const started = performance.now();
          await fillCustom(store, Date.now());
          progress(`cloud-eye: ${b.name}, stored in ${((performance.now() - started) / 1000).toFixed(1)} s`);
          await fillSystem(store);
          rows.push(...(await measure(b.name, store, memoryQuery)));
        } finally {
          await store.close();
        }
      }
    } finally {
      for (const b of list) await b.cleanup();
    }
    return rows;
  },
} satisfies Benchmark;
