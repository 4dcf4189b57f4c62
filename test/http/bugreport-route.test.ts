import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { BugReportSources } from '../../src/bugreport/bug-report.js';
import type { EtlState } from '../../src/etl/etl-state.js';
import { LogTail } from '../../src/logging/log-tail.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { metricsSnapshot } from '../../src/metrics/snapshot.js';
import { Readiness } from '../../src/readiness.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { guardedReader } from '../../src/storage/store-reader.js';
import { StoreWriter } from '../../src/storage/store-writer.js';
import { silentLog } from '../support/app.js';
import { ManualClock } from '../support/manual-clock.js';
import { switchableStore } from '../support/stores.js';

let app: FastifyInstance;
afterEach(async () => {
  await app.close();
});

/** The route over a store that can be switched off, with the audit on or off, with or without an ETL pipeline. */
function build(o: { auditEnabled: boolean; secrets?: string[]; etl?: () => EtlState }) {
  const clock = new ManualClock('2024-05-03T08:01:04Z');
  const db = switchableStore(new MemoryStore({ etlLogCapacity: 10, auditCapacity: 10 }));
  const writer = new StoreWriter({ store: db.store, clock, capacity: 10, log: silentLog });
  const events = guardedReader(db.store, writer);
  const readiness = new Readiness();
  readiness.register({ name: 'storage', status: () => writer.status() });
  const metrics = createMetrics();
  const logs = new LogTail();
  const sources: BugReportSources = {
    clock,
    build: { version: '0.1.0', commit: null, builtAt: null },
    startedAtNs: clock.nowNs(),
    settings: { STORAGE_URL: 'postgres://postgres:***@db/test' },
    readiness,
    watchers: () => [],
    storage: () => ({ backend: db.store.backend, location: db.store.location, ...writer.stats() }),
    etl: () => o.etl?.(),
    events,
    auditEnabled: o.auditEnabled,
    metrics: () => metricsSnapshot(metrics.registry),
    logs,
    secrets: o.secrets ?? [],
  };
  app = buildApp({ clock, events, readiness, bugReport: sources });
  return { db, writer, logs, clock };
}

interface Dump {
  data: { etl: unknown; etlLog: unknown; auditEvents: unknown; readiness: { ready: boolean }; storage: { available: boolean }; logs: { lines: unknown[] } };
}

const records = (live: number, ended = 0, droppedEnded = 0) => ({ live, ended, droppedEnded });

describe('GET /model/bugreport', () => {
  it('still answers while storage is down, saying why the stored sections are missing', async () => {
    const { db, writer } = build({ auditEnabled: true });
    db.setDown(true);
    writer.reportFailure(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const res = await app.inject('/model/bugreport');
    expect(res.statusCode).toBe(200);
    const { data } = res.json<Dump>();
    const error = { error: 'storage (postgres) is unavailable; events produced meanwhile are held and written when it returns; /readyz has the details' };
    expect(data.etlLog).toEqual(error);
    expect(data.auditEvents).toEqual(error);
    expect(data.readiness.ready).toBe(false);
    expect(data.storage.available).toBe(false);
    await writer.close();
  });

  it('has no audit events while the audit is disabled', async () => {
    build({ auditEnabled: false });
    const { data } = (await app.inject('/model/bugreport')).json<Dump>();
    expect(data.auditEvents).toBeNull();
    expect(data.etlLog).toEqual({ allocation: [], asset: [], counters: {} });
  });

  it('shows the ETL pipeline, its times in RFC 3339, and what its cluster cache holds', async () => {
    const cache = { nodes: records(3), pods: records(40, 12, 2), volumes: records(5, 1), claims: records(5), loadBalancers: records(0) };
    let etl: EtlState = { pipeline: { nextWindowStart: Date.parse('2024-05-03T08:00:00Z'), lastTotals: {} }, cache };
    build({ auditEnabled: false, etl: () => etl });
    expect((await app.inject('/model/bugreport')).json<Dump>().data.etl).toEqual({
      pipeline: { nextWindowStart: '2024-05-03T08:00:00Z', lastBuiltEnd: null, lastError: null },
      cache,
    });
    etl = {
      pipeline: { nextWindowStart: Date.parse('2024-05-03T09:00:00Z'), lastBuiltEnd: Date.parse('2024-05-03T08:00:00Z'), lastError: 'storage write failed: gone', lastTotals: {} },
      cache,
    };
    expect((await app.inject('/model/bugreport')).json<Dump>().data.etl).toMatchObject({
      pipeline: { nextWindowStart: '2024-05-03T09:00:00Z', lastBuiltEnd: '2024-05-03T08:00:00Z', lastError: 'storage write failed: gone' },
    });
  });

  it('has a null ETL section when no pipeline runs (no cluster)', async () => {
    build({ auditEnabled: false });
    expect((await app.inject('/model/bugreport')).json<Dump>().data.etl).toBeNull();
  });

  it('keeps log lines that are not JSON as text', async () => {
    const { logs } = build({ auditEnabled: false });
    logs.push('{"level":50,"msg":"broken"}');
    logs.push('not json');
    const { data } = (await app.inject('/model/bugreport')).json<Dump>();
    expect(data.logs.lines).toEqual([{ level: 50, msg: 'broken' }, 'not json']);
  });

  it('masks a secret wherever it turns up', async () => {
    const { logs } = build({ auditEnabled: false, secrets: ['hunter22'] });
    logs.push('{"level":50,"msg":"login hunter22 refused"}');
    const res = await app.inject('/model/bugreport');
    expect(res.payload).not.toContain('hunter22');
    expect(res.json<Dump>().data.logs.lines).toEqual([{ level: 50, msg: 'login *** refused' }]);
  });

  it('is compressed for a client that accepts it, and never cached', async () => {
    build({ auditEnabled: false });
    const res = await app.inject({ url: '/model/bugreport', headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(gunzipSync(res.rawPayload).toString('utf8'))).toMatchObject({ code: 200, data: { version: '0.1.0', build: { commit: null } } });
  });
});
