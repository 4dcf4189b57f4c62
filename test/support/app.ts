import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { EventBus } from '../../src/events/bus.js';
import type { EtlMetadata } from '../../src/events/etl-event.js';
import type { EtlKind } from '../../src/events/etl-kinds.js';
import { EtlLog } from '../../src/events/etl-log.js';
import type { Topics } from '../../src/events/topics.js';
import { Readiness } from '../../src/readiness.js';
import { ManualClock } from './manual-clock.js';

/** An app wired as the composition root wires it, with a manual clock and no listener. */
export interface TestApp {
  readonly app: FastifyInstance;
  readonly bus: EventBus<Topics>;
  readonly etlLog: EtlLog;
  readonly clock: ManualClock;
  readonly readiness: Readiness;
  /** Publishes one ETL event on the bus, stamped now, exactly as the pipeline does. */
  publishEtl(kind: EtlKind, metadata?: EtlMetadata): void;
}

/** Builds the app for `inject` tests; close it in afterEach. */
export function buildTestApp(options: { capacity?: number; now?: string } = {}): TestApp {
  const clock = new ManualClock(options.now);
  const etlLog = new EtlLog(options.capacity ?? 1000);
  const bus = new EventBus<Topics>((topic, err) => {
    throw new Error(`subscriber of ${topic} failed: ${String(err)}`);
  });
  bus.subscribe('etl', (e) => etlLog.append(e));
  const readiness = new Readiness();
  const app = buildApp({ clock, etlLog, readiness });
  return {
    app,
    bus,
    etlLog,
    clock,
    readiness,
    publishEtl: (kind, metadata = {}) => bus.publish('etl', { kind, metadata, time: clock.nowNs(), cluster: 'cluster-one' }),
  };
}

/** A set window of one hour starting at `start` (RFC 3339). */
export function hourWindow(start: string): { start: string; end: string } {
  const end = new Date(Date.parse(start) + 3_600_000).toISOString().replace('.000Z', 'Z');
  return { start, end };
}
