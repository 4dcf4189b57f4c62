import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditChange } from '../src/audit/audit-change.js';
import { auditChangeOf } from '../src/audit/audit-change.js';
import { systemClock } from '../src/clock.js';
import { EventBus } from '../src/events/bus.js';
import type { Topics } from '../src/events/topics.js';
import { httpSink } from '../src/notify/http-sink.js';
import { Notifier } from '../src/notify/notifier.js';
import { parseNotifyConfig } from '../src/notify/notify-config.js';
import { NotifyRouter } from '../src/notify/notify-router.js';
import { PostgresStore } from '../src/storage/postgres/pg-store.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../src/storage/store.js';
import { StoreWriter } from '../src/storage/store-writer.js';
import { auditRecord, subscribeWriter } from '../src/storage/subscribe-writer.js';
import { auditEvent } from '../test/support/events.js';
import { createTestSchema, postgresAvailable } from '../test/support/postgres.js';
import { Receiver } from '../test/support/receiver.js';
import { progress } from './lib/progress.js';
import { median } from './lib/stats.js';
import type { Benchmark, Result } from './lib/result.js';

// Notifications: deliveries per second from an SQLite outbox to a webhook receiver on loopback
// (real HTTP, keep-alive, the notifier's own batching), and the CPU the audit path spends per
// change with a route matching every change against the same path with notifications off. The
// same on PostgreSQL (the outbox replicas share) when the local one answers; without it those
// rows are left out, said on the progress line.

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const DELIVERIES = 3_000;
const CHANGES = 20_000;
/** Alternating off/on pairs of the audit CPU figures. */
const ROUNDS = 7;

function change(i: number): AuditChange {
  const event = { ...auditEvent(`w${i}`, { cluster: 'c1', ns: 'team-a' }), monthlyCostDelta: 10 + (i % 50) };
  return auditChangeOf(event, `add/uid-${i}`, { op: 'seen', cluster: 'c1', resourceType: 'deployment', atNs: BigInt(i) });
}

/** A fresh, empty store of one backend and how to throw it away. */
interface Backend {
  readonly name: string;
  open(): Promise<{ store: Store; discard: () => Promise<void> }>;
}

const LIMITS = { etlLogCapacity: 1000, auditCapacity: 1000 };

const sqlite: Backend = {
  name: 'SQLite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'bench-notify-'));
    const store = SqliteStore.open(join(dir, 'events.db'), LIMITS);
    return {
      store,
      discard: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  async open() {
    const schema = await createTestSchema();
    const store = await PostgresStore.open(schema.url, LIMITS);
    return {
      store,
      discard: async () => {
        await store.close();
        await schema.drop();
      },
    };
  },
};

async function deliveriesPerSecond(backend: Backend): Promise<number> {
  const { store, discard } = await backend.open();
  const receiver = new Receiver();
  await receiver.start();
  const clock = systemClock();
  const cfg = parseNotifyConfig(`sinks:\n  - {name: ops, type: webhook, url: "${receiver.url}", concurrency: 16}\nroutes:\n  - {name: all, sinks: [ops]}\n`, {});
  const router = new NotifyRouter({ clock, cluster: 'c1', resolutionMs: 3_600_000, config: () => cfg });
  for (let i = 0; i < DELIVERIES; i += 500) await store.write(Array.from({ length: 500 }, (_, j) => change(i + j)).map((c) => auditRecord(c, router.auditNotices(c))));
  const notifier = new Notifier({ outbox: store.outbox, clock, config: () => cfg, makeSink: (s) => httpSink(s, clock), owner: 'bench', log: quiet, batch: 256 });
  const started = performance.now();
  while ((await store.outbox.stats()).pending > 0) await notifier.tick();
  const seconds = (performance.now() - started) / 1000;
  await notifier.stop();
  await receiver.stop();
  await discard();
  if (receiver.received.length !== DELIVERIES) throw new Error(`expected ${DELIVERIES} deliveries, got ${receiver.received.length}`);
  return DELIVERIES / seconds;
}

/**
 * CPU µs per audit change: bus → writer (→ router when on) → commit; with notifications on,
 * also the CPU µs per notice of the first lease after them, which (on SQLite) queues every notice
 * the changes left on their events' rows (one INSERT … SELECT) and leases one: work the audit path
 * no longer does. This process's CPU only: PostgreSQL's own work is in its server's processes.
 */
async function auditCpuPerChange(backend: Backend, notify: boolean): Promise<{ path: number; queue: number }> {
  const { store, discard } = await backend.open();
  const clock = systemClock();
  const writer = new StoreWriter({ store, clock, capacity: 1_000_000, log: quiet });
  const bus = new EventBus<Topics>(() => undefined);
  const cfg = parseNotifyConfig(
    'sinks:\n  - {name: ops, type: webhook, url: "http://127.0.0.1:9/x"}\nroutes:\n  - {name: expensive, match: {namespaces: ["team-*"], minMonthlyCostDelta: 10}, sinks: [ops]}\n',
    {},
  );
  const router = new NotifyRouter({ clock, cluster: 'c1', resolutionMs: 3_600_000, config: () => cfg });
  subscribeWriter(bus, writer, notify ? { audit: (c) => router.auditNotices(c), etl: (e) => router.etlRecords(e) } : undefined);
  const changes = Array.from({ length: CHANGES }, (_, i) => change(i));
  const before = process.cpuUsage();
  for (let i = 0; i < changes.length; i += 1000) {
    for (let j = i; j < i + 1000; j++) bus.publish('audit', changes[j]!);
    await writer.idle();
  }
  const used = process.cpuUsage(before);
  const beforeLease = process.cpuUsage();
  if (notify && (await store.outbox.lease('bench', clock.nowMs(), 60_000, 1)).length !== 1) throw new Error('expected a notice to lease');
  const leased = process.cpuUsage(beforeLease);
  await writer.close();
  await discard();
  return { path: (used.user + used.system) / CHANGES, queue: notify ? (leased.user + leased.system) / CHANGES : 0 };
}

/** The rows of one backend: deliveries/s, and the audit path's CPU per change with notifications on against off. */
async function backendRows(backend: Backend): Promise<Result[]> {
  const rate = await deliveriesPerSecond(backend);
  progress(`${backend.name}: ${rate.toFixed(0)} deliveries/s`);
  // One pair to warm the JIT up (not counted), then ROUNDS pairs in alternating order (off then
  // on, on then off, …) so neither side always runs first; the median of each side. The best of
  // three swung by ±0.15 between runs on an idle machine.
  await auditCpuPerChange(backend, false);
  await auditCpuPerChange(backend, true);
  const off: number[] = [];
  const on: number[] = [];
  const queued: number[] = [];
  const measureOn = async () => {
    const { path, queue } = await auditCpuPerChange(backend, true);
    on.push(path);
    queued.push(path + queue);
  };
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      off.push((await auditCpuPerChange(backend, false)).path);
      await measureOn();
    } else {
      await measureOn();
      off.push((await auditCpuPerChange(backend, false)).path);
    }
  }
  progress(`${backend.name}: audit CPU per change, off: ${off.map((v) => v.toFixed(1)).join(' ')} µs; on: ${on.map((v) => v.toFixed(1)).join(' ')} µs`);
  // SQLite's rows keep the names they always had, so earlier tables still compare.
  const where = backend === sqlite ? '' : `, ${backend.name}`;
  return [
    { figure: `notification deliveries to a local webhook, ${backend.name} outbox`, value: rate, unit: 'events/s', goal: { on: 'value', op: '>=', limit: 1000 } },
    {
      figure: `audit CPU per change, notifications on (baseline: off)${where}`,
      value: median(on),
      baseline: median(off),
      unit: 'µs',
      goal: { on: 'ratio', op: '<=', limit: 1.1 },
      note: `${CHANGES} changes through bus → StoreWriter → ${backend.name}, one route matching every change; medians of ${ROUNDS} alternating rounds each; this process's CPU (the database server's is its own)`,
    },
    {
      figure: `audit CPU per change plus queueing its notice, on (baseline: off)${where}`,
      value: median(queued),
      baseline: median(off),
      unit: 'µs',
      note:
        backend === sqlite
          ? 'the first lease after the changes: on SQLite it makes the outbox rows of the notices the audit path left on its events (one INSERT … SELECT), work moved off the audit path, not removed'
          : `the first lease after the changes, in this process: on ${backend.name} the audit's statement writes the notices' outbox rows itself`,
    },
  ];
}

const bench: Benchmark = {
  name: 'notify',
  async run(): Promise<Result[]> {
    const rows = await backendRows(sqlite);
    if (!(await postgresAvailable())) {
      progress('notify: PostgreSQL at 127.0.0.1:5432 does not answer: its rows are left out');
      return rows;
    }
    return [...rows, ...(await backendRows(postgres))];
  },
};
export default bench;
