import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { EtlPublisher } from '../../src/etl/etl-publisher.js';
import { EtlStatusReader, type LocalEtl } from '../../src/etl/etl-status.js';
import type { PipelineState } from '../../src/etl/pipeline.js';
import { EtlRepairs, type RepairSource } from '../../src/etl/repair.js';
import { SetRepository } from '../../src/etl/set-repository.js';
import type { EtlEvent } from '../../src/events/etl-event.js';
import { WINDOW_ACCEPTS } from '../../src/window.js';
import { Readiness } from '../../src/readiness.js';
import type { ComponentStatus } from '../../src/readiness.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { guardedSets } from '../../src/storage/store-reader.js';
import { StoreWriter } from '../../src/storage/store-writer.js';
import { emptyEvents, silentLog } from '../support/app.js';
import { snapshot } from '../support/etl-records.js';
import { ManualClock } from '../support/manual-clock.js';
import { connectionRefused, delegate } from '../support/stores.js';

// GET /model/etl/status and GET/POST /model/etl/{allocation,asset}/repair through app.inject,
// over a memory store, a cluster cache stand-in and a pipeline stand-in whose chain runs at once.
// Every bad input answers a 4xx naming the parameter and what it accepts.

const NOW = '2024-05-03T12:30:00Z';
const H = 3_600_000;
const RETENTION = 49 * H;

interface Rig {
  readonly app: FastifyInstance;
  readonly events: EtlEvent[];
  readonly repairs: EtlRepairs;
  readonly cache: { ready: ComponentStatus };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function rig(o: { cluster?: boolean; storeDown?: boolean } = {}): Rig {
  const clock = new ManualClock(NOW);
  const memory = new MemoryStore({ etlLogCapacity: 10, auditCapacity: 10 });
  const store = o.storeDown === true ? delegate(memory, { listSets: () => Promise.reject(connectionRefused()) }) : memory;
  const writer = new StoreWriter({ store, clock, capacity: 10, log: silentLog });
  const events: EtlEvent[] = [];
  const cache = { ready: { ready: true, state: 'synced' } as ComponentStatus };
  const source: RepairSource = {
    readiness: () => cache.ready,
    currency: () => ({ ready: true, state: 'current' }),
    snapshot: () => snapshot({ cluster: 'cluster-one' }),
    forgetEndedBefore: () => undefined,
    horizonMs: () => 0,
  };
  const state: PipelineState = { nextWindowStart: Date.parse('2024-05-03T12:00:00Z'), lastTotals: {}, startTime: Date.parse('2024-05-03T08:00:00Z') };
  const pipeline = { exclusive: <T>(work: () => Promise<T>) => work(), state: () => state };
  const repairs = new EtlRepairs({
    cluster: 'cluster-one',
    clock,
    resolutionMs: H,
    hourlyRetentionMs: RETENTION,
    settleMs: 0,
    pipeline,
    source,
    sheet: DEFAULT_PRICE_SHEET,
    repository: new SetRepository(memory),
    publisher: new EtlPublisher({ cluster: 'cluster-one', clock, publish: (e) => events.push(e) }),
    store: memory,
    log: silentLog,
  });
  const local: LocalEtl = { pipeline, cache: { readiness: () => cache.ready, currency: () => source.currency(), horizonMs: () => source.horizonMs() }, repairs };
  const status = new EtlStatusReader({
    cluster: 'cluster-one',
    clock,
    resolutionMs: H,
    hourlyRetentionMs: RETENTION,
    dailyRetentionMs: 91 * 24 * H,
    settleMs: 0,
    sets: guardedSets(store, writer),
    repairs: memory,
    local: () => (o.cluster === false ? undefined : local),
  });
  app = buildApp({ clock, events: emptyEvents(), readiness: new Readiness(), etlStatus: { status, repairs: () => (o.cluster === false ? undefined : repairs) } });
  return { app, events, repairs, cache };
}

const accepts = (name: string, value: string, what: string) => `invalid parameter '${name}': got ${JSON.stringify(value)}; accepts ${what}`;

describe('GET /model/etl/status', () => {
  it('answers without a cluster from what is stored: no pipeline, no cache, healthy with nothing expected', async () => {
    const r = rig({ cluster: false });
    const res = await r.app.inject('/model/etl/status');
    expect(res.statusCode).toBe(200);
    const data = res.json<{ data: Record<string, unknown> }>().data;
    expect(data).toMatchObject({ healthy: true, cluster: null, clusters: [], pipeline: null, clusterCache: null, repairRunning: false, repairs: {} });
    expect(data['allocation']).toMatchObject({ '1h': { expectedWindows: 0, coverage: null, progress: 1 }, '1d': { expectedWindows: 0 } });
  });

  it('answers at /model/etl/status and at /etl/status (the cost-model layout behind Kubecost\'s nginx), alike', async () => {
    const r = rig();
    const model = await r.app.inject('/model/etl/status');
    const costModel = await r.app.inject('/etl/status');
    expect([model.statusCode, costModel.statusCode]).toEqual([200, 200]);
    expect(costModel.body).toBe(model.body);
  });

  it.each([
    ['a bad cluster id', '/model/etl/status?filterClusters=blue_1', accepts('filterClusters', 'blue_1', 'a comma list of cluster ids (1 to 64 letters, digits and hyphens) ("blue_1" is not one)')],
    ['filterClusters twice', '/model/etl/status?filterClusters=a&filterClusters=b', "parameter 'filterClusters' was given more than once; give it once"],
  ])('answers 400 for %s', async (_, url, message) => {
    const res = await rig().app.inject(url);
    expect(res.json()).toEqual({ code: 400, data: null, message });
    expect(res.statusCode).toBe(400);
  });

  it('answers 503 while storage is unreachable', async () => {
    const res = await rig({ storeDown: true }).app.inject('/model/etl/status');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 503, data: null });
  });
});

describe('GET and POST /model/etl/{allocation,asset}/repair', () => {
  it.each(['GET', 'POST'] as const)('answers Kubecost\'s 200 to %s and rebuilds the windows', async (method) => {
    const r = rig();
    const res = await r.app.inject({ method, url: '/model/etl/asset/repair?window=2024-05-03T10:00:00Z,2024-05-03T12:00:00Z' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      code: 200,
      data: 'Repairing Asset ETL',
      repair: { category: 'asset', cluster: 'cluster-one', state: 'running', window: { start: '2024-05-03T10:00:00Z', end: '2024-05-03T12:00:00Z' }, windows: 2 },
    });
    await r.repairs.idle();
    expect(r.events.map((e) => `${e.kind} ${e.metadata.window?.start ?? ''}`)).toEqual([
      'AssetSetSaved 2024-05-03T10:00:00Z',
      'AssetSetTotaled 2024-05-03T10:00:00Z',
      'AssetSetSaved 2024-05-03T11:00:00Z',
      'AssetSetTotaled 2024-05-03T11:00:00Z',
    ]);
    expect(r.repairs.current()).toMatchObject({ state: 'done', rebuilt: 2 });
  });

  it('answers at /etl/{allocation,asset}/repair too (the cost-model layout)', async () => {
    const r = rig();
    const res = await r.app.inject({ method: 'POST', url: '/etl/allocation/repair?window=2024-05-03T11:00:00Z,2024-05-03T12:00:00Z' });
    expect(res.json()).toMatchObject({ code: 200, data: 'Repairing Allocation ETL', repair: { windows: 1 } });
    await r.repairs.idle();
    const busy = await r.app.inject('/etl/asset/repair?window=3d');
    expect(busy.json()).toEqual({ code: 400, data: null, message: accepts('window', '3d', 'a window of at most 49h (ETL_HOURLY_RETENTION): older sets are not kept') });
  });

  it('widens the window to whole windows and cuts it at the last closed one', async () => {
    const r = rig();
    const res = await r.app.inject('/model/etl/allocation/repair?window=2024-05-03T10:20:00Z,2024-05-03T13:00:00Z');
    expect(res.json()).toMatchObject({ repair: { window: { start: '2024-05-03T10:00:00Z', end: '2024-05-03T12:00:00Z' }, windows: 2 } });
  });

  it.each([
    ['window missing', '/model/etl/allocation/repair', `missing parameter 'window'; accepts ${WINDOW_ACCEPTS}`],
    ['window malformed', '/model/etl/allocation/repair?window=7x', accepts('window', '7x', WINDOW_ACCEPTS)],
    ['window empty', '/model/etl/asset/repair?window=', accepts('window', '', WINDOW_ACCEPTS)],
    ['window reversed', '/model/etl/asset/repair?window=2024-05-03T12:00:00Z,2024-05-03T10:00:00Z', accepts('window', '2024-05-03T12:00:00Z,2024-05-03T10:00:00Z', 'a start no later than its end (this pair is reversed: give the earlier time first)')],
    ['window longer than the retention', '/model/etl/allocation/repair?window=3d', accepts('window', '3d', 'a window of at most 49h (ETL_HOURLY_RETENTION): older sets are not kept')],
    [
      'window with no closed window',
      '/model/etl/allocation/repair?window=2024-05-03T12:00:00Z,2024-05-03T14:00:00Z',
      accepts('window', '2024-05-03T12:00:00Z,2024-05-03T14:00:00Z', 'a window holding at least one closed 1h window (ETL_RESOLUTION) before 2024-05-03T12:00:00Z'),
    ],
    ['window twice', '/model/etl/allocation/repair?window=1h&window=2h', "parameter 'window' was given more than once; give it once"],
  ])('answers 400 for %s', async (_, url, message) => {
    const r = rig();
    const res = await r.app.inject({ method: 'POST', url });
    expect(res.json()).toEqual({ code: 400, data: null, message });
    expect(res.statusCode).toBe(400);
    expect(r.repairs.current()).toBeUndefined();
  });

  it('answers 503 without a cluster: nothing to rebuild from', async () => {
    const res = await rig({ cluster: false }).app.inject('/model/etl/allocation/repair?window=2h');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      code: 503,
      data: null,
      message: 'this server has no cluster (KUBECONFIG or in-cluster config): it builds no sets, so it has none to repair',
    });
  });

  it('answers 503 while the cluster cache has not listed the cluster', async () => {
    const r = rig();
    r.cache.ready = { ready: false, state: 'listing', detail: 'Pod: listing' };
    const res = await r.app.inject('/model/etl/allocation/repair?window=2h');
    expect(res.json()).toEqual({ code: 503, data: null, message: 'the cluster cache is not synced (Pod: listing); nothing can be rebuilt yet' });
  });

  it('says in the answer what is past retention, and rebuilds the rest', async () => {
    const r = rig();
    // 49h back from 12:30 is 2024-05-01T11:30: the windows ending after it are kept, from 11:00–12:00 on.
    const res = await r.app.inject('/model/etl/allocation/repair?window=2024-05-01T10:00:00Z,2024-05-01T14:00:00Z');
    const reason = 'past retention: sets ending more than 49h ago are not kept (ETL_HOURLY_RETENTION)';
    expect(res.json()).toMatchObject({
      repair: { windows: 3, notRebuilt: [{ start: '2024-05-01T10:00:00Z', end: '2024-05-01T11:00:00Z', reason }] },
      warning: `2024-05-01T10:00:00Z to 2024-05-01T11:00:00Z is not rebuilt: ${reason}`,
    });
  });
});
