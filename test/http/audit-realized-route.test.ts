import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { auditEventId } from '../../src/audit/audit-id.js';
import { REALIZED_PER_PAGE } from '../../src/audit/realized-costs.js';
import { encodeAllocationSet } from '../../src/etl/allocation-set-codec.js';
import type { AllocationSet } from '../../src/etl/sets.js';
import type { Store, StoreLimits } from '../../src/storage/store.js';
import { buildTestApp } from '../support/app.js';
import { allocation } from '../support/etl-records.js';
import { postgresAvailable } from '../support/postgres.js';
import { ALL_PARTS, storeBackends, useStores } from '../support/store-backends.js';
import { delegate } from '../support/stores.js';
import { keyedAuditEvent } from '../../src/audit/audit-change.js';

// `realized` on the audit routes: on one event by id always, on the list only with realized=true,
// for at most REALIZED_PER_PAGE events of an answer; every other byte as stored. Each answer has
// an ETag that changes with the events and with the sets realized reads; filterPredictionOff keeps
// the changes the predictor got wrong (or right). Every test runs on memory, SQLite and PostgreSQL.

const backends = storeBackends(await postgresAvailable());
const LIMITS: StoreLimits = { etlLogCapacity: 10, auditCapacity: 100 };

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

/** Stores `sets` as the pipeline does. */
async function saveSets(store: Store, all: readonly AllocationSet[], reconciled: string | null = null): Promise<void> {
  await store.saveSets(all.map((s) => ({ cluster: s.cluster, category: 'allocation', resolutionMs: H, start: s.window.start, end: s.window.end, size: s.allocations.length, reconciled, payload: encodeAllocationSet(s) })));
}

/** `store` with an add of each of `names` (predicted `predicted[name]`, else 91.25), and with the sets of `sets(names)` unless told otherwise. */
async function filled(store: Store, names: readonly string[], o: { withSets?: boolean; predicted?: Record<string, number> } = {}): Promise<Store> {
  await store.write(names.map((n) => ({ type: 'audit', audit: keyedAuditEvent(event(n, o.predicted?.[n]), `add/uid-${n}/cluster-one`) })));
  if (o.withSets ?? true) await saveSets(store, sets(names));
  return store;
}

const idOf = (name: string) => auditEventId('cluster-one', `add/uid-${name}/cluster-one`, AT);

/** 0.125 an hour from nothing: 91.25 a month. */
const REALIZED = {
  predictedMonthlyDelta: 91.25,
  realizedMonthlyDelta: 91.25,
  before: { window: { start: '2024-05-03T09:00:00Z', end: '2024-05-03T10:00:00Z' }, costPerHour: 0, coverage: 0 },
  after: { window: { start: '2024-05-03T11:00:00Z', end: '2024-05-03T12:00:00Z' }, costPerHour: 0.125, coverage: 1 },
  coverage: 1,
  predictionOff: false,
};

describe.each(backends)('realized cost on the audit routes, $name store', (backend) => {
  const fx = useStores(backend, ALL_PARTS, LIMITS);
  const store = (): Store => fx.store;
  it('is added to the stored event by id, every stored byte kept', async () => {
    app = buildTestApp({ store: await filled(store(), ['api']), realizedResolutionMs: H }).app;
    const res = await app.inject(`/model/audit/events/${idOf('api')}`);
    expect(res.statusCode).toBe(200);
    const stored = JSON.stringify(event('api'));
    expect(res.body).toBe(`{"code":200,"data":${stored.slice(0, -1)},"realized":${JSON.stringify(REALIZED)}}}`);
  });

  it('is null on an event whose window after is not built yet', async () => {
    app = buildTestApp({ store: await filled(store(), ['api'], { withSets: false }), realizedResolutionMs: H }).app;
    const res = await app.inject(`/model/audit/events/${idOf('api')}`);
    expect(res.json<{ data: AuditEvent }>().data.realized).toBeNull();
  });

  it('is not on the list unless asked for, which stays Kubecost\'s answer byte for byte', async () => {
    const filledStore = await filled(store(), ['api']);
    const plain = buildTestApp({ store: filledStore }).app;
    const expected = (await plain.inject('/model/audit/events')).body;
    await plain.close();
    app = buildTestApp({ store: filledStore, realizedResolutionMs: H }).app;
    expect((await app.inject('/model/audit/events')).body).toBe(expected);
    expect((await app.inject('/model/audit/events?realized=false')).body).toBe(expected);
    expect(expected).toBe(`{"code":200,"data":[${JSON.stringify(event('api'))}]}`);
  });

  it(`is on the newest ${REALIZED_PER_PAGE} events of the list with realized=true, events of the same windows sharing one listing, and on none past them`, async () => {
    const names = Array.from({ length: REALIZED_PER_PAGE + 5 }, (_, i) => `w${String(i).padStart(2, '0')}`);
    const inner = await filled(store(), names);
    let listings = 0;
    app = buildTestApp({ store: delegate(inner, { listSets: (q) => ((listings += 1), inner.listSets(q)) }), realizedResolutionMs: H }).app;
    const res = await app.inject('/model/audit/events?realized=true');
    expect(res.statusCode).toBe(200);
    const data = res.json<{ data: AuditEvent[] }>().data;
    expect(data).toHaveLength(REALIZED_PER_PAGE + 5);
    expect(data.slice(0, REALIZED_PER_PAGE).map((e) => e.realized)).toEqual(Array.from({ length: REALIZED_PER_PAGE }, () => REALIZED));
    expect(data.slice(REALIZED_PER_PAGE).map((e) => 'realized' in e)).toEqual([false, false, false, false, false]);
    expect(listings).toBe(1);
  });

  it('marks a change the predictor got wrong', async () => {
    app = buildTestApp({ store: await filled(store(), ['api'], { predicted: { api: 20 } }), realizedResolutionMs: H }).app;
    const data = (await app.inject('/model/audit/events?realized=true')).json<{ data: AuditEvent[] }>().data;
    expect(data[0]?.realized).toMatchObject({ predictedMonthlyDelta: 20, realizedMonthlyDelta: 91.25, predictionOff: true });
  });

  it('refuses a realized that is not true or false, in the envelope', async () => {
    app = buildTestApp({ store: await filled(store(), ['api']), realizedResolutionMs: H }).app;
    const res = await app.inject('/model/audit/events?realized=yes');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 400, data: null, message: 'invalid parameter \'realized\': got "yes"; accepts true or false' });
  });

  describe('ETag', () => {
    const get = async (url: string, etag?: string) => {
      const res = await app!.inject({ url, headers: etag === undefined ? {} : { 'if-none-match': etag } });
      return { status: res.statusCode, etag: res.headers.etag, body: res.body };
    };

    for (const url of ['/model/audit/events?realized=true', `/model/audit/events/${idOf('api')}`]) {
      it(`of ${url.replace(idOf('api'), '{id}')}: 304 while nothing changed, a new one when an event is stored, and when a set realized reads is rebuilt or reconciled`, async () => {
        const t = buildTestApp({ store: await filled(store(), ['api']), realizedResolutionMs: H });
        app = t.app;
        const first = await get(url);
        expect(first.status).toBe(200);
        expect(first.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
        expect(await get(url, first.etag)).toEqual({ status: 304, etag: first.etag, body: '' });

        // Another event: a new revision of the audit.
        await t.store.write([{ type: 'audit', audit: keyedAuditEvent(event('other'), 'add/uid-other/cluster-one') }]);
        const afterEvent = await get(url, first.etag);
        expect(afterEvent.status).toBe(200);
        expect(afterEvent.etag).not.toBe(first.etag);

        // The window after rebuilt with a second replica: realized changes, and so does the tag.
        const [before, after] = sets(['api']);
        const second = allocation('cluster-one/node-a/shop/api-2/app', {
          properties: { cluster: 'cluster-one', namespace: 'shop', controllerKind: 'deployment', controller: 'api', pod: 'api-2', container: 'app' },
          start: T11,
          end: T11 + H,
          cpuCost: 0.125,
        });
        await saveSets(t.store, [{ ...after!, allocations: [...after!.allocations, second] }]);
        const third = await get(url, afterEvent.etag);
        expect(third.status).toBe(200);
        expect(third.etag).not.toBe(afterEvent.etag);
        expect(JSON.parse(third.body)).not.toEqual(JSON.parse(afterEvent.body));

        // Reconciled against a billing export: same records, another digest.
        await saveSets(t.store, [before!], 'export-digest');
        const fourth = await get(url, third.etag);
        expect(fourth.status).toBe(200);
        expect(fourth.etag).not.toBe(third.etag);
        expect(await get(url, fourth.etag)).toMatchObject({ status: 304 });
      });
    }

    it('differs from the answer without realized, and between filters', async () => {
      app = buildTestApp({ store: await filled(store(), ['api']), realizedResolutionMs: H }).app;
      const tags = await Promise.all(['', '?realized=true', '?realized=true&filterPredictionOff=false', '?realized=true&filterPredictionOff=true'].map(async (q) => (await get(`/model/audit/events${q}`)).etag));
      expect(new Set(tags).size).toBe(4);
    });
  });

  describe('filterPredictionOff', () => {
    /** api was predicted right (91.25), cheap was predicted 20 and cost 91.25 too, late has no sets after it. */
    const setup = async () => {
      const s = await filled(store(), ['api', 'cheap'], { predicted: { cheap: 20 } });
      await s.write([{ type: 'audit', audit: keyedAuditEvent({ ...event('late'), timestamp: '2024-05-03T12:30:00.000000000Z' }, 'add/uid-late/cluster-one') }]);
      app = buildTestApp({ store: s, realizedResolutionMs: H }).app;
    };
    const names = async (query: string) => {
      const res = await app!.inject(`/model/audit/events?${query}`);
      expect(res.statusCode).toBe(200);
      return res.json<{ data: AuditEvent[] }>().data.map((e) => [e.properties.name, e.realized?.predictionOff]);
    };

    it('true keeps the changes the predictor got wrong, false those it got right; neither keeps one with no realized', async () => {
      await setup();
      expect(await names('realized=true')).toEqual([
        ['late', undefined],
        ['cheap', true],
        ['api', false],
      ]);
      expect(await names('realized=true&filterPredictionOff=true')).toEqual([['cheap', true]]);
      expect(await names('realized=true&filterPredictionOff=false')).toEqual([['api', false]]);
    });

    it('applies count to what it kept', async () => {
      await setup();
      expect(await names('realized=true&filterPredictionOff=false&count=1')).toEqual([['api', false]]);
      expect(await names('realized=true&filterPredictionOff=true&filterNamespaces=other')).toEqual([]);
    });

    it(`looks at the newest ${REALIZED_PER_PAGE} events that pass the other filters, no further`, async () => {
      const newer = Array.from({ length: REALIZED_PER_PAGE }, (_, i) => `w${String(i).padStart(2, '0')}`);
      const s = await filled(store(), ['wrong'], { predicted: { wrong: 20 } });
      // Newer than `wrong` (a later uid in the same instant sorts after it in no backend, so a later time).
      await s.write(newer.map((n) => ({ type: 'audit' as const, audit: keyedAuditEvent({ ...event(n), timestamp: '2024-05-03T10:45:00.000000000Z' }, `add/uid-${n}/cluster-one`) })));
      await saveSets(s, sets([...newer, 'wrong']));
      app = buildTestApp({ store: s, realizedResolutionMs: H }).app;
      expect(await names('realized=true&filterPredictionOff=true')).toEqual([]);
      expect(await names('realized=true&filterPredictionOff=true&filterNamespaces=shop&count=1')).toEqual([]);
      expect((await names('realized=true&filterPredictionOff=false')).length).toBe(REALIZED_PER_PAGE);
    });

    it('refuses a value that is not true or false, and any without realized=true, in the envelope', async () => {
      await setup();
      for (const [query, message] of [
        ['realized=true&filterPredictionOff=yes', 'invalid parameter \'filterPredictionOff\': got "yes"; accepts true or false'],
        ['filterPredictionOff=true', 'invalid parameter \'filterPredictionOff\': got "true"; accepts true or false together with realized=true (predictionOff is a field of realized)'],
        ['realized=false&filterPredictionOff=false', 'invalid parameter \'filterPredictionOff\': got "false"; accepts true or false together with realized=true (predictionOff is a field of realized)'],
      ] as const) {
        const res = await app!.inject(`/model/audit/events?${query}`);
        expect([res.statusCode, res.json()]).toEqual([400, { code: 400, data: null, message }]);
      }
    });
  });
});
