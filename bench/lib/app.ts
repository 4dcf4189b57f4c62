import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { EventBus } from '../../src/events/bus.js';
import { EtlLog } from '../../src/events/etl-log.js';
import type { Topics } from '../../src/events/topics.js';
import { Readiness } from '../../src/readiness.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { guardedReader } from '../../src/storage/store-reader.js';
import { StoreWriter } from '../../src/storage/store-writer.js';
import { subscribeWriter } from '../../src/storage/subscribe-writer.js';

/** The real app on a loopback port, wired to its bus as src/server.ts wires it. */
export interface BenchApp {
  readonly app: FastifyInstance;
  readonly bus: EventBus<Topics>;
  readonly etlLog: EtlLog;
  readonly clock: Clock;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the app with `buildApp` (no logger, as in tests), subscribes the ETL log, listens on 127.0.0.1:0. */
export async function startBenchApp(options: { capacity: number }): Promise<BenchApp> {
  const clock = systemClock();
  // The app serves from the memory store, as STORAGE_URL=memory: runs; `etlLog` mirrors what it holds for the benches' checks.
  const etlLog = new EtlLog(options.capacity);
  const store = new MemoryStore({ etlLogCapacity: options.capacity, auditCapacity: options.capacity });
  const noLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const writer = new StoreWriter({ store, clock, capacity: options.capacity, log: noLog });
  const app = buildApp({ clock, events: guardedReader(store, writer), readiness: new Readiness(), logger: false });
  const bus = new EventBus<Topics>((topic, err) => {
    throw new Error(`subscriber of ${topic} failed: ${String(err)}`);
  });
  bus.subscribe('etl', (e) => etlLog.append(e));
  subscribeWriter(bus, writer);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, bus, etlLog, clock, url, close: () => app.close() };
}
