import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { auditEventId } from '../../src/audit/audit-id.js';
import { REALIZED_PER_PAGE } from '../../src/audit/realized-costs.js';
import { encodeAllocationSet } from '../../src/etl/allocation-set-codec.js';
import type { AllocationSet } from '../../src/etl/sets.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Store } from '../../src/storage/store.js';
import { buildTestApp } from '../support/app.js';
import { allocation } from '../support/etl-records.js';
import { delegate } from '../support/stores.js';

// `realized` on the audit routes: on one event by id always, on the list only with realized=true,
// for at most REALIZED_PER_PAGE events of an answer; every other byte as stored.

const H = 3_600_000;
/** 2024-05-03T10:30:00Z: the windows are 09:00–10:00 and 11:00–12:00. */
const AT = Date.UTC(2024, 4, 3, 10, 30);
const T9 = Date.UTC(2024, 4, 3, 9);
const T11 = Date.UTC(2024, 4, 3, 11);

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function event(name: string, predicted = 91.25): AuditEvent {
  return {
    eventType: 'add',
    resourceType: 'deployment',
    timestamp: '2024-05-03T10:30:00.000000000Z',
    properties: { cluster: 'cluster-one', name, namespace: 'shop' },
    totalRequests: { cpu: '1', memory: '1Gi' },
    resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
    costPrediction: { totalMonthlyRate: predicted, cpuMonthlyRate: predicted, ramMonthlyRate: 0, gpuMonthlyRate: 0 },
    monthlyCostDelta: predicted,
    uid: `uid-${name}`,
    predictor: 'requests',
  };
}

/** `names` each ran a replica costing 0.125 an hour for the whole of 11:00–12:00; nothing ran before. */
function sets(names: readonly string[]): AllocationSet[] {
  const after = names.map((n) =>
    allocation(`cluster-one/node-a/shop/${n}-1/app`, {
      properties: { cluster: 'cluster-one', namespace: 'shop', controllerKind: 'deployment', controller: n, pod: `${n}-1`, container: 'app' },
      start: T11,
      end: T11 + H,
      cpuCost: 0.125,
    }),
  );
  return [
    { cluster: 'cluster-one', window: { start: T9, end: T9 + H }, allocations: [] },
    { cluster: 'cluster-one', window: { start: T11, end: T11 + H }, allocations: after },
  ];
}

async function filled(names: readonly string[], withSets = true): Promise<Store> {
  const store = new MemoryStore({ etlLogCapacity: 10, auditCapacity: 100 });
  await store.write(names.map((n) => ({ type: 'audit', event: event(n), key: `add/uid-${n}/cluster-one` })));
  if (withSets) {
    await store.saveSets(
      sets(names).map((s) => ({ cluster: s.cluster, category: 'allocation', resolutionMs: H, start: s.window.start, end: s.window.end, size: s.allocations.length, reconciled: null, payload: encodeAllocationSet(s) })),
    );
  }
  return store;
}

/** 0.125 an hour from nothing: 91.25 a month. */
const REALIZED = {
  predictedMonthlyDelta: 91.25,
  realizedMonthlyDelta: 91.25,
  before: { window: { start: '2024-05-03T09:00:00Z', end: '2024-05-03T10:00:00Z' }, costPerHour: 0, coverage: 0 },
  after: { window: { start: '2024-05-03T11:00:00Z', end: '2024-05-03T12:00:00Z' }, costPerHour: 0.125, coverage: 1 },
  coverage: 1,
  predictionOff: false,
};

describe('realized cost on the audit routes', () => {
  it('is added to the stored event by id, every stored byte kept', async () => {
    const store = await filled(['api']);
    app = buildTestApp({ store, realizedResolutionMs: H }).app;
    const res = await app.inject(`/model/audit/events/${auditEventId('cluster-one', 'add/uid-api/cluster-one', AT)}`);
    expect(res.statusCode).toBe(200);
    const stored = JSON.stringify(event('api'));
    expect(res.body).toBe(`{"code":200,"data":${stored.slice(0, -1)},"realized":${JSON.stringify(REALIZED)}}}`);
  });

  it('is null on an event whose window after is not built yet', async () => {
    app = buildTestApp({ store: await filled(['api'], false), realizedResolutionMs: H }).app;
    const res = await app.inject(`/model/audit/events/${auditEventId('cluster-one', 'add/uid-api/cluster-one', AT)}`);
    expect(res.json<{ data: AuditEvent }>().data.realized).toBeNull();
  });

  it('is not on the list unless asked for, which stays Kubecost\'s answer byte for byte', async () => {
    const store = await filled(['api']);
    const plain = buildTestApp({ store }).app;
    const expected = (await plain.inject('/model/audit/events')).body;
    await plain.close();
    app = buildTestApp({ store, realizedResolutionMs: H }).app;
    expect((await app.inject('/model/audit/events')).body).toBe(expected);
    expect((await app.inject('/model/audit/events?realized=false')).body).toBe(expected);
    expect(expected).toBe(`{"code":200,"data":[${JSON.stringify(event('api'))}]}`);
  });

  it(`is on the newest ${REALIZED_PER_PAGE} events of the list with realized=true, each costing one listing, and on none past them`, async () => {
    const names = Array.from({ length: REALIZED_PER_PAGE + 5 }, (_, i) => `w${String(i).padStart(2, '0')}`);
    const inner = await filled(names);
    let listings = 0;
    const store = delegate(inner, { listSets: (q) => ((listings += 1), inner.listSets(q)) });
    app = buildTestApp({ store, realizedResolutionMs: H }).app;
    const res = await app.inject('/model/audit/events?realized=true');
    expect(res.statusCode).toBe(200);
    const data = res.json<{ data: AuditEvent[] }>().data;
    expect(data).toHaveLength(REALIZED_PER_PAGE + 5);
    expect(data.slice(0, REALIZED_PER_PAGE).map((e) => e.realized)).toEqual(Array.from({ length: REALIZED_PER_PAGE }, () => REALIZED));
    expect(data.slice(REALIZED_PER_PAGE).map((e) => 'realized' in e)).toEqual([false, false, false, false, false]);
    expect(listings).toBe(REALIZED_PER_PAGE);
  });

  it('marks a change the predictor got wrong', async () => {
    const store = new MemoryStore({ etlLogCapacity: 10, auditCapacity: 100 });
    await store.write([{ type: 'audit', event: event('api', 20), key: 'add/uid-api/cluster-one' }]);
    const [before, after] = sets(['api']);
    for (const s of [before!, after!]) {
      await store.saveSets([{ cluster: s.cluster, category: 'allocation', resolutionMs: H, start: s.window.start, end: s.window.end, size: s.allocations.length, reconciled: null, payload: encodeAllocationSet(s) }]);
    }
    app = buildTestApp({ store, realizedResolutionMs: H }).app;
    const data = (await app.inject('/model/audit/events?realized=true')).json<{ data: AuditEvent[] }>().data;
    expect(data[0]?.realized).toMatchObject({ predictedMonthlyDelta: 20, realizedMonthlyDelta: 91.25, predictionOff: true });
  });

  it('refuses a realized that is not true or false, in the envelope', async () => {
    app = buildTestApp({ store: await filled(['api']), realizedResolutionMs: H }).app;
    const res = await app.inject('/model/audit/events?realized=yes');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 400, data: null, message: 'invalid parameter \'realized\': got "yes"; accepts true or false' });
  });
});
