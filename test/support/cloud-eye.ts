import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { CloudEyeEvents } from '../../src/cloud-eye/cloud-eye-events.js';
import type { CustomEventsReported } from '../../src/cloud-eye/report-events.js';
import { tokenHash } from '../../src/cloud-eye/token-grants.js';
import { EventBus } from '../../src/events/bus.js';
import type { Topics } from '../../src/events/topics.js';
import type { CesAccess } from '../../src/http/cloud-eye-auth.js';
import type { CorsOrigins } from '../../src/http/cors.js';
import { Readiness } from '../../src/readiness.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Store } from '../../src/storage/store.js';
import { guardedCatalogue } from '../../src/storage/store-reader.js';
import type { StoreWriter } from '../../src/storage/store-writer.js';
import { wireStorage } from './app.js';
import { ManualClock } from './manual-clock.js';

/** The app with the Cloud Eye routes, wired as the composition root wires them, with a manual clock. */
export interface CloudEyeTestApp {
  readonly app: FastifyInstance;
  readonly bus: EventBus<Topics>;
  readonly store: Store;
  readonly writer: StoreWriter;
  readonly clock: ManualClock;
  /** What was published on the bus topic `customEvents`. */
  readonly published: CustomEventsReported[];
  /** `GET` a path under /V1.0 with an optional token. */
  get(path: string, token?: string): Promise<LightMyRequestResponse>;
  /** `POST` a JSON body (given as a value, or as raw text) to a path under /V1.0. */
  post(path: string, body: unknown, token?: string): Promise<LightMyRequestResponse>;
}

/** Ids that say in which order they were made: `ev` + ms + `id` + a 7-digit counter. */
export function sequentialIds(): (nowMs: number) => string {
  let n = 0;
  return (nowMs) => `ev${nowMs}id${String(++n).padStart(7, '0')}`;
}

/** The clock's start in the Cloud Eye tests: 2024-05-03T08:01:04Z. */
export const NOW = Date.parse('2024-05-03T08:01:04Z');

/** Builds the app for `inject` tests; close it in afterEach. */
export function buildCloudEyeTestApp(
  o: { store?: Store; access?: CesAccess; rateLimit?: { max: number; windowMs: number }; retentionMs?: number; clusterId?: string; capacity?: number; corsOrigins?: CorsOrigins } = {},
): CloudEyeTestApp {
  const clock = new ManualClock(NOW);
  const bus = new EventBus<Topics>((topic, err) => {
    throw new Error(`subscriber of ${topic} failed: ${String(err)}`);
  });
  const store = o.store ?? new MemoryStore({ etlLogCapacity: o.capacity ?? 1000, auditCapacity: o.capacity ?? 1000, customEventCapacity: o.capacity ?? 100_000 });
  const { writer, events } = wireStorage(clock, bus, store);
  const published: CustomEventsReported[] = [];
  bus.subscribe('customEvents', (r) => published.push(r));
  const cloudEye = new CloudEyeEvents({
    catalogue: guardedCatalogue(store, writer),
    clock,
    clusterId: o.clusterId ?? 'cluster-one',
    retentionMs: o.retentionMs ?? 30 * 86_400_000,
    publish: (r) => bus.publish('customEvents', r),
    newId: sequentialIds(),
  });
  const app = buildApp({
    clock,
    events,
    readiness: new Readiness(),
    ...(o.corsOrigins !== undefined && { corsOrigins: o.corsOrigins }),
    cloudEye: { events: cloudEye, rateLimit: o.rateLimit ?? { max: 0, windowMs: 60_000 }, ...(o.access !== undefined && { access: o.access }) },
  });
  const headers = (token: string | undefined) => (token === undefined ? {} : { 'x-auth-token': token });
  return {
    app,
    bus,
    store,
    writer,
    clock,
    published,
    get: (path, token) => app.inject({ method: 'GET', url: `/V1.0${path}`, headers: headers(token) }),
    post: (path, body, token) =>
      app.inject({
        method: 'POST',
        url: `/V1.0${path}`,
        headers: { 'content-type': 'application/json', ...headers(token) },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
}

/** A token file's text granting each token (given in clear, stored hashed) its projects and actions. */
export function tokenFileText(grants: readonly { token: string; projects: readonly string[]; actions: readonly string[] }[]): string {
  return JSON.stringify({ tokens: grants.map((g) => ({ sha256: tokenHash(g.token).toString('hex'), projects: g.projects, actions: g.actions })) });
}

/** A valid report item at `time` (default now). */
export function reportItem(name = 'systemInvaded', time = NOW, detail: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_name: name, event_source: 'financial.System', time, detail: { content: 'The financial system was invaded', event_level: 'Major', ...detail } };
}

/** Cloud Eye's error body. */
export function cesError(status: number, code: string, details: string): { http_code: string; message: { details: string; code: string } } {
  return { http_code: String(status), message: { details, code } };
}
