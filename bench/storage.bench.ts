import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import type { AuditEvent } from '../src/audit/audit-event.js';
import { systemClock } from '../src/clock.js';
import { Readiness } from '../src/readiness.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { PostgresStore } from '../src/storage/postgres/pg-store.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import type { Store, StoreLimits, StoreRecord } from '../src/storage/store.js';
import { guardedReader } from '../src/storage/store-reader.js';
import { StoreWriter } from '../src/storage/store-writer.js';
import { EtlEventSource } from './lib/etl-events.js';
import { compareLoad, type LoadSummary } from './lib/load.js';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';
import { benchSettings, type BenchSettings } from './lib/settings.js';
import { median } from './lib/stats.js';
import { keyedAuditEvent } from '../src/audit/audit-change.js';

// The storage backends, against the memory backend measured in the same run:
//  1. appends/s through the StoreWriter (group commit, as the server writes), ETL events and
//     audit changes (event + remembered workload state, one unit), per backend;
//  2. GET /model/audit/events and /model/etl/log with full logs, each SQL backend against the
//     memory backend: what the revision check per request costs (docs/ARCHITECTURE.md, "Serialising
//     once per change").
// PostgreSQL is the server on BENCH_PG_URL (default 127.0.0.1:5432, database test), in a
// throwaway schema; when it cannot be reached its rows are left out, and said so.

const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** ETL_LOG_CAPACITY's and AUDIT_CAPACITY's defaults: the logs the GET runs serve. */
const LIMITS: StoreLimits = { etlLogCapacity: 1000, auditCapacity: 1000 };
/** Records per transaction, the writer's default. */
const BATCH = 1000;
/** Rounds per append figure, the median kept. */
const ROUNDS = 3;
/** Which parts run: `append`, `get` or both (the default), e.g. BENCH_STORAGE_PARTS=get to compare reads alone. */
const PARTS = new Set((process.env['BENCH_STORAGE_PARTS'] ?? 'append,get').split(','));

type BackendName = 'memory' | 'sqlite' | 'postgres';

/** A way to open a fresh store of one backend, and to clean up after it. */
interface Backend {
  readonly name: BackendName;
  open(): Promise<Store>;
  /** Appends per round: fewer for the slower backends, so each round lasts about a second. */
  readonly appends: number;
  cleanup(): Promise<void>;
}

const noLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function backends(): Promise<Backend[]> {
  const dir = mkdtempSync(join(tmpdir(), 'storage-bench-'));
  let file = 0;
  const list: Backend[] = [
    { name: 'memory', open: async () => new MemoryStore(LIMITS), appends: 500_000, cleanup: async () => undefined },
    {
      name: 'sqlite',
      open: async () => SqliteStore.open(join(dir, `bench-${file++}.db`), LIMITS),
      appends: 200_000,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    },
  ];
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (err) {
    progress(`storage: PostgreSQL at ${PG_URL} is unreachable (${err instanceof Error ? err.message : String(err)}); its figures are left out`);
    return list;
  }
  const schemas: string[] = [];
  list.push({
    name: 'postgres',
    open: async () => {
      const schema = `cost_events_bench_${randomBytes(6).toString('hex')}`;
      await admin.query(`CREATE SCHEMA ${schema}`);
      schemas.push(schema);
      const url = new URL(PG_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return PostgresStore.open(url.toString(), LIMITS);
    },
    appends: 50_000,
    cleanup: async () => {
      for (const s of schemas) await admin.query(`DROP SCHEMA ${s} CASCADE`);
      await admin.end();
    },
  });
  return list;
}

/** An audit change as the detector publishes it: the event (Kubecost's example, ~700 bytes of JSON), its key, the state after it. */
function auditUnit(i: number, cluster = 'cluster-one'): StoreRecord[] {
  const uid = `0b8a6b4e-5c1d-4f3e-9a7b-${String(i).padStart(12, '0')}`;
  const event: AuditEvent = {
    eventType: 'add',
    resourceType: 'deployment',
    timestamp: '2023-02-28T13:58:44.552788548Z',
    properties: { cluster, name: `sample-deployment-${i}`, namespace: `team-${i % 20}` },
    totalRequests: { cpu: '100m', memory: '32Mi' },
    resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
    costPrediction: { totalMonthlyRate: 2.4045625000000004 * (1 + (i % 7)), cpuMonthlyRate: 2.3080000000000003, ramMonthlyRate: 0.0965625, gpuMonthlyRate: 0 },
    monthlyCostDelta: 2.4045625000000004,
    uid,
    predictor: 'requests',
  };
  const spec = { kind: 'deployment' as const, namespace: event.properties.namespace, name: event.properties.name, uid, replicas: 1, perPod: { cpuCores: 0.1, memoryBytes: 33554432, gpus: 0 } };
  return [
    { type: 'audit', audit: keyedAuditEvent(event, `add/${uid}`) },
    { type: 'workload', change: { op: 'put', cluster, resourceType: 'deployment', workload: { uid, name: spec.name, namespace: spec.namespace, resourceVersion: String(i), spec, lastSeenNs: 1n } } },
  ];
}

/**
 * Units/s through a writer: bursts of `BATCH` records submitted in one turn (as a relist or a
 * busy pipeline produces them), each burst committed before the next.
 */
async function appendRate(store: Store, units: number, unit: (i: number) => StoreRecord[], offset: number): Promise<number> {
  const writer = new StoreWriter({ store, clock: systemClock(), capacity: 10 * BATCH, log: noLog, maxBatch: BATCH });
  const perBurst = Math.max(1, Math.floor(BATCH / unit(0).length));
  const started = performance.now();
  for (let i = 0; i < units; ) {
    for (let j = 0; j < perBurst && i < units; j++, i++) writer.submit(unit(offset + i));
    await writer.idle();
  }
  const rate = units / ((performance.now() - started) / 1000);
  const stats = writer.stats();
  await writer.close();
  if (stats.written !== units * unit(0).length) throw new Error(`${store.backend}: wrote ${stats.written} records, expected ${units * unit(0).length}`);
  return rate;
}

/** Events/s with one event per turn: every event its own transaction (its own fsync on SQLite). */
async function singleRate(store: Store, events: number): Promise<number> {
  const source = new EtlEventSource(systemClock());
  const writer = new StoreWriter({ store, clock: systemClock(), capacity: BATCH, log: noLog });
  const started = performance.now();
  for (let i = 0; i < events; i++) {
    writer.submit([{ type: 'etl', event: source.next() }]);
    await writer.idle();
  }
  const rate = events / ((performance.now() - started) / 1000);
  await writer.close();
  return rate;
}

async function appendRows(list: readonly Backend[]): Promise<Result[]> {
  const etl = new Map<BackendName, number>();
  const audit = new Map<BackendName, number>();
  const single = new Map<BackendName, number>();
  for (const b of list) {
    const store = await b.open();
    try {
      const source = new EtlEventSource(systemClock());
      const etlUnit = (): StoreRecord[] => [{ type: 'etl', event: source.next() }];
      progress(`storage: ${b.name}, ${ROUNDS} × ${b.appends.toLocaleString('en-US')} ETL events and ${ROUNDS} × ${(b.appends / 4).toLocaleString('en-US')} audit changes`);
      await appendRate(store, Math.min(b.appends, 10_000), etlUnit, 0); // warm-up
      const etlRuns: number[] = [];
      const auditRuns: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        etlRuns.push(await appendRate(store, b.appends, etlUnit, 0));
        auditRuns.push(await appendRate(store, b.appends / 4, (i) => auditUnit(i), (r + 1) * b.appends));
      }
      etl.set(b.name, median(etlRuns));
      audit.set(b.name, median(auditRuns));
      if (b.name !== 'memory') single.set(b.name, await singleRate(store, b.name === 'sqlite' ? 2_000 : 1_000));
    } finally {
      await store.close();
    }
  }
  const rows: Result[] = [];
  const goals: Partial<Record<BackendName, number>> = { sqlite: 50_000, postgres: 10_000 };
  for (const b of list) {
    if (b.name === 'memory') continue;
    const goal = goals[b.name];
    rows.push(
      {
        figure: `${b.name}: ETL events appended, batched, events/s`,
        value: etl.get(b.name)!,
        unit: 'events/s',
        baseline: etl.get('memory')!,
        ...(goal !== undefined && { goal: { on: 'value' as const, op: '>=' as const, limit: goal } }),
        note:
          `${b.name} appends: through the StoreWriter in bursts of ${BATCH} records, one transaction each` +
          `${b.name === 'sqlite' ? ' (WAL, synchronous=FULL: one fsync per batch)' : ' (one round trip per statement kind, committed by the server)'}; ` +
          `an audit change is two records (the event and the workload state after it); median of ${ROUNDS} rounds; baseline: the memory backend; ` +
          `one per transaction: a commit per event, against the batched rate`,
      },
      { figure: `${b.name}: audit changes appended, batched, changes/s`, value: audit.get(b.name)!, unit: 'events/s', baseline: audit.get('memory')! },
      { figure: `${b.name}: ETL events, one per transaction, events/s`, value: single.get(b.name)!, unit: 'events/s', baseline: etl.get(b.name)! },
    );
  }
  return rows;
}

/** The app over `store`, listening on loopback, with full logs: what GET serves. */
async function serve(store: Store): Promise<{ url: string; close(): Promise<void> }> {
  const clock = systemClock();
  const writer = new StoreWriter({ store, clock, capacity: 10 * BATCH, log: noLog });
  const source = new EtlEventSource(clock);
  for (let i = 0; i < 2 * LIMITS.etlLogCapacity; i++) writer.submit([{ type: 'etl', event: source.next() }]);
  for (let i = 0; i < LIMITS.auditCapacity; i++) writer.submit(auditUnit(i));
  await writer.idle();
  const app = buildApp({ clock, events: guardedReader(store, writer), readiness: new Readiness(), logger: false, auditEnabled: true });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    close: async () => {
      await app.close();
      await writer.close();
    },
  };
}

const pct = (share: number): string => `${Math.round(share * 100)} %`;

async function getRows(list: readonly Backend[], settings: BenchSettings): Promise<Result[]> {
  const memory = list.find((b) => b.name === 'memory')!;
  const baseStore = await memory.open();
  const base = await serve(baseStore);
  const rows: Result[] = [];
  try {
    for (const b of list) {
      if (b.name === 'memory') continue;
      const store = await b.open();
      const subject = await serve(store);
      try {
        for (const path of ['/model/audit/events', '/model/etl/log']) {
          const cmp: { subject: LoadSummary; baseline: LoadSummary } = await compareLoad({ url: subject.url + path }, { url: base.url + path }, settings, (which) =>
            progress(`storage: GET ${path}, ${which === 'subject' ? b.name : 'memory'}`),
          );
          rows.push(
            {
              figure: `${b.name}: GET ${path}, req/s`,
              value: cmp.subject.reqPerSec,
              unit: 'req/s',
              baseline: cmp.baseline.reqPerSec,
              note:
                `${b.name} GET ${path}: ${LIMITS.auditCapacity} audit events, ${LIMITS.etlLogCapacity} ETL events per category, nothing arriving; answers cached per store revision, so each request costs a revision read ` +
                `(SQLite: PRAGMA data_version and total_changes(); PostgreSQL: none while LISTEN hears nothing, one query a second at most); ` +
                `baseline: the memory backend; p99 ${cmp.subject.p99Ms.toFixed(2)} ms vs ${cmp.baseline.p99Ms.toFixed(2)} ms; server CPU ${pct(cmp.subject.serverCpuShare)} vs ${pct(cmp.baseline.serverCpuShare)}`,
            },
            { figure: `${b.name}: GET ${path}, server CPU per request`, value: cmp.subject.serverCpuUsPerRequest, unit: 'µs', baseline: cmp.baseline.serverCpuUsPerRequest },
          );
        }
      } finally {
        await subject.close();
        await store.close();
      }
    }
  } finally {
    await base.close();
    await baseStore.close();
  }
  return rows;
}

export default {
  name: 'storage',
  async run() {
    const settings = benchSettings();
    const list = await backends();
    try {
      return [...(PARTS.has('append') ? await appendRows(list) : []), ...(PARTS.has('get') ? await getRows(list, settings) : [])];
    } finally {
      for (const b of list) await b.cleanup();
    }
  },
} satisfies Benchmark;
