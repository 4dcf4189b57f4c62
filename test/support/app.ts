import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { RealizedCosts } from '../../src/audit/realized-costs.js';
import { EventBus } from '../../src/events/bus.js';
import type { EtlMetadata } from '../../src/events/etl-event.js';
import type { EtlKind } from '../../src/events/etl-kinds.js';
import type { Topics } from '../../src/events/topics.js';
import { Readiness } from '../../src/readiness.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Store } from '../../src/storage/store.js';
import { guardedGaps, guardedReader, type EventReader } from '../../src/storage/store-reader.js';
import { StoreWriter } from '../../src/storage/store-writer.js';
import { subscribeWriter } from '../../src/storage/subscribe-writer.js';
import { ManualClock } from './manual-clock.js';

/** An app wired as the composition root wires it, with a manual clock and no listener. */
export interface TestApp {
  readonly app: FastifyInstance;
  readonly bus: EventBus<Topics>;
  readonly store: Store;
  readonly writer: StoreWriter;
  readonly clock: ManualClock;
  readonly readiness: Readiness;
  /** Publishes one ETL event on the bus, stamped now, exactly as the pipeline does. */
  publishEtl(kind: EtlKind, metadata?: EtlMetadata, cluster?: string): void;
}

/** A logger that drops everything. */
export const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Storage as the composition root wires it: a store (memory unless given), its writer on the bus, the guarded reader. */
export function wireStorage(clock: ManualClock, bus: EventBus<Topics>, store: Store): { writer: StoreWriter; events: EventReader } {
  const writer = new StoreWriter({ store, clock, capacity: 100_000, log: silentLog });
  subscribeWriter(bus, writer);
  return { writer, events: guardedReader(store, writer) };
}

/** Empty in-memory events for tests of routes that do not read them. */
export function emptyEvents(): EventReader {
  const store = new MemoryStore({ etlLogCapacity: 10, auditCapacity: 10 });
  return guardedReader(store, new StoreWriter({ store, clock: new ManualClock(), capacity: 10, log: silentLog }));
}

/** Builds the app for `inject` tests; close it in afterEach. With `realizedResolutionMs`, audit events get `realized` from the store's sets of that resolution. */
export function buildTestApp(options: { capacity?: number; now?: string; store?: Store; auditEnabled?: boolean; realizedResolutionMs?: number } = {}): TestApp {
  const clock = new ManualClock(options.now);
  const bus = new EventBus<Topics>((topic, err) => {
    throw new Error(`subscriber of ${topic} failed: ${String(err)}`);
  });
  const store = options.store ?? new MemoryStore({ etlLogCapacity: options.capacity ?? 1000, auditCapacity: options.capacity ?? 1000 });
  const { writer, events } = wireStorage(clock, bus, store);
  const readiness = new Readiness();
  const gaps = 'queryGaps' in store ? guardedGaps(store, writer) : undefined;
  const realizedMs = options.realizedResolutionMs;
  const app = buildApp({
    clock,
    events,
    readiness,
    auditEnabled: options.auditEnabled ?? true,
    ...(gaps && { gaps }),
    ...(realizedMs !== undefined && { realized: new RealizedCosts({ sets: store, resolutionMs: realizedMs, hoursPerMonth: 730 }) }),
  });
  return {
    app,
    bus,
    store,
    writer,
    clock,
    readiness,
    publishEtl: (kind, metadata = {}, cluster = 'cluster-one') => bus.publish('etl', { kind, metadata, time: clock.nowNs(), cluster }),
  };
}

/** A set window of one hour starting at `start` (RFC 3339). */
export function hourWindow(start: string): { start: string; end: string } {
  const end = new Date(Date.parse(start) + 3_600_000).toISOString().replace('.000Z', 'Z');
  return { start, end };
}
