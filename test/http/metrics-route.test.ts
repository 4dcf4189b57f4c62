import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { EventBus } from '../../src/events/bus.js';
import type { Topics } from '../../src/events/topics.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { subscribeMetrics } from '../../src/metrics/subscribe-metrics.js';
import { Readiness } from '../../src/readiness.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { wireStorage } from '../support/app.js';
import { ManualClock } from '../support/manual-clock.js';

let app: FastifyInstance;
afterEach(async () => {
  await app.close();
});

/** The app as the composition root wires it: storage and metrics on the bus, metrics handed to the app. */
function build(logger: { level: string; stream: { write(line: string): void } } | false = false): { bus: EventBus<Topics>; metrics: Metrics; clock: ManualClock } {
  const clock = new ManualClock();
  const bus = new EventBus<Topics>((topic, err) => {
    throw new Error(`subscriber of ${topic} failed: ${String(err)}`);
  });
  const { events } = wireStorage(clock, bus, new MemoryStore({ etlLogCapacity: 10, auditCapacity: 10 }));
  const metrics = createMetrics();
  subscribeMetrics(bus, metrics);
  app = buildApp({ clock, events, readiness: new Readiness(), metrics, logger });
  return { bus, metrics, clock };
}

const scrape = async () => {
  const res = await app.inject('/metrics');
  expect(res.statusCode).toBe(200);
  return res.payload;
};

describe('GET /metrics', () => {
  it('answers in the Prometheus text format', async () => {
    build();
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.payload).toContain('# TYPE kubecost_etl_events_total counter\n');
  });

  it('shows ETL events published on the bus', async () => {
    const { bus, clock } = build();
    bus.publish('etl', { kind: 'AllocationSetSaved', metadata: { size: 97 }, time: clock.nowNs(), cluster: 'cluster-one' });
    expect(await scrape()).toContain('kubecost_etl_events_total{etl="allocation",event="AllocationSetSaved"} 1\n');
  });

  it('times requests by route pattern and status, never by raw URL', async () => {
    build();
    await app.inject('/model/etl/log?kind=AssetSet');
    await app.inject('/model/etl/log');
    await app.inject('/model/etl/log?count=0&kind=Nope');
    await app.inject('/no/such/route/4f1c');
    const text = await scrape();
    expect(text).toContain('cost_events_http_request_duration_seconds_count{method="GET",route="/model/etl/log",status_code="200"} 2\n');
    expect(text).toContain('cost_events_http_request_duration_seconds_count{method="GET",route="/model/etl/log",status_code="400"} 1\n');
    expect(text).toContain('cost_events_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1\n');
    expect(text).toContain('cost_events_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/model/etl/log",status_code="200"} 2\n');
    expect(text).not.toContain('4f1c');
    expect(text).not.toContain('kind=');
  });

  it('times routes registered by any plugin, with their parameters as patterns', async () => {
    build();
    // As a route group added later (the Cloud Eye routes) would be: no knowledge of metrics.
    void app.register(async (child) => {
      child.get('/V1.0/:project_id/events', async () => ({ events: [] }));
    });
    await app.inject('/V1.0/0123456789abcdef/events');
    expect(await scrape()).toContain('cost_events_http_request_duration_seconds_count{method="GET",route="/V1.0/:project_id/events",status_code="200"} 1\n');
  });

  it('is not logged per request at info, unlike the other routes', async () => {
    const lines: string[] = [];
    build({ level: 'info', stream: { write: (line) => lines.push(line) } });
    await app.inject('/metrics');
    await app.inject('/model/etl/log');
    const urls = lines.map((l) => (JSON.parse(l) as { url?: string }).url).filter((u) => u !== undefined);
    expect(urls).toEqual(['/model/etl/log']);
  });
});
