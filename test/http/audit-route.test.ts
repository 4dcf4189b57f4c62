import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AuditEvent, AuditEventType } from '../../src/audit/audit-event.js';
import type { SourceTool } from '../../src/audit/attribution.js';
import { auditEventId } from '../../src/audit/audit-id.js';
import type { AuditResourceType } from '../../src/audit/resource-types.js';
import { AUDIT_DISABLED_MESSAGE } from '../../src/http/audit-routes.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Store } from '../../src/storage/store.js';
import { buildTestApp } from '../support/app.js';
import { delegate } from '../support/stores.js';
import { keyedAuditEvent } from '../../src/audit/audit-change.js';

let app: FastifyInstance;
afterEach(async () => {
  await app.close();
});

const event = (
  name: string,
  o: { type?: AuditEventType; resource?: AuditResourceType; ns?: string; rate?: number; cluster?: string; by?: string; src?: SourceTool } = {},
): AuditEvent => ({
  eventType: o.type ?? 'add',
  resourceType: o.resource ?? 'deployment',
  timestamp: '2023-02-28T13:58:44.552788548Z',
  properties: { cluster: o.cluster ?? 'cluster-one', name, namespace: o.ns ?? 'kubecost' },
  totalRequests: { cpu: '100m', memory: '32Mi' },
  resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
  costPrediction: { totalMonthlyRate: o.rate ?? 2.4045625000000004, cpuMonthlyRate: 2.3080000000000003, ramMonthlyRate: 0.0965625, gpuMonthlyRate: 0 },
  monthlyCostDelta: o.type === 'delete' ? -(o.rate ?? 2.4045625000000004) : (o.rate ?? 2.4045625000000004),
  uid: `uid-${name}`,
  predictor: 'requests',
  ...(o.by !== undefined && { changedBy: { manager: o.by } }),
  ...(o.src !== undefined && { source: { tool: o.src } }),
});

const memory = (capacity = 100) => new MemoryStore({ etlLogCapacity: 10, auditCapacity: capacity });
const append = (store: Store, ...events: AuditEvent[]) => store.write(events.map((e) => ({ type: 'audit', audit: keyedAuditEvent(e, `${e.eventType}/${e.uid}/${e.properties.cluster}`) })));

const setup = (store: Store | undefined) => {
  app = buildTestApp({ auditEnabled: store !== undefined, ...(store && { store }) }).app;
};

const filled = async () => {
  const store = memory();
  await append(
    store,
    event('a', { ns: 'team-a', rate: 1, by: 'helm', src: 'helm' }),
    event('b', { ns: 'team-b', rate: 5, resource: 'statefulset', by: 'kubectl', src: 'kubectl' }),
    event('c', { ns: 'team-a', rate: 10, type: 'delete', by: 'unknown', src: 'helm' }),
    event('d', { ns: 'team-c', rate: 50, type: 'update', resource: 'daemonset', by: 'kube-controller-manager', src: 'autoscaler' }),
  );
  return store;
};

const names = async (url: string) => {
  const res = await app.inject(url);
  expect(res.statusCode).toBe(200);
  return res.json<{ data: AuditEvent[] }>().data.map((e) => e.properties.name);
};

describe('GET /model/audit/events', () => {
  it('answers with the events newest first in the Kubecost envelope', async () => {
    const store = memory(10);
    await append(store, event('first'), event('sample-deployment'));
    setup(store);
    const res = await app.inject('/model/audit/events');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ code: number; data: AuditEvent[] }>();
    expect(body.code).toBe(200);
    expect(body.data.map((e) => e.properties.name)).toEqual(['sample-deployment', 'first']);
    expect(body.data[0]).toEqual(event('sample-deployment'));
  });

  it('keeps only the most recent AUDIT_CAPACITY events', async () => {
    const store = memory(2);
    await append(store, event('a'), event('b'), event('c'));
    setup(store);
    expect(await names('/model/audit/events')).toEqual(['c', 'b']);
  });

  it.each([
    ['count', '?count=2', ['d', 'c']],
    ['filterNamespaces', '?filterNamespaces=team-a,team-c', ['d', 'c', 'a']],
    ['filterEventTypes', '?filterEventTypes=add,delete', ['c', 'b', 'a']],
    ['filterEventTypes update', '?filterEventTypes=update', ['d']],
    ['filterResourceTypes', '?filterResourceTypes=statefulset,daemonset', ['d', 'b']],
    ['filterTotalCostLowerBound', '?filterTotalCostLowerBound=5', ['d', 'c', 'b']],
    ['filterTotalCostUpperBound', '?filterTotalCostUpperBound=10', ['c', 'b', 'a']],
    ['both bounds, inclusive', '?filterTotalCostLowerBound=5&filterTotalCostUpperBound=10', ['c', 'b']],
    ['every filter with count after the filters', '?filterNamespaces=team-a&filterEventTypes=add,delete&filterResourceTypes=deployment&filterTotalCostLowerBound=0.5&count=1', ['c']],
    ['case-insensitive types', '?filterEventTypes=DELETE&filterResourceTypes=Deployment', ['c']],
    ['empty filters as no filter', '?filterNamespaces=&filterEventTypes=', ['d', 'c', 'b', 'a']],
    ['filterChangedBy', '?filterChangedBy=helm,kubectl', ['b', 'a']],
    ['filterSources', '?filterSources=autoscaler,kubectl', ['d', 'b']],
    ['filterChangedBy with filterSources and filterNamespaces', '?filterChangedBy=helm,kube-controller-manager&filterSources=Helm&filterNamespaces=team-a', ['a']],
    ['filterSources with a delete of a Helm workload', '?filterSources=helm', ['c', 'a']],
  ])('filters by %s', async (_name, query, expected) => {
    setup(await filled());
    expect(await names(`/model/audit/events${query}`)).toEqual(expected);
  });

  it.each([
    ['?count=0', 'invalid parameter \'count\': got "0"; accepts a positive integer (at most 9007199254740991)'],
    ['?count=abc', 'invalid parameter \'count\': got "abc"; accepts a positive integer (at most 9007199254740991)'],
    ['?count=1.5', 'invalid parameter \'count\': got "1.5"; accepts a positive integer (at most 9007199254740991)'],
    ['?count=Infinity', 'invalid parameter \'count\': got "Infinity"; accepts a positive integer (at most 9007199254740991)'],
    ['?count=-Infinity', 'invalid parameter \'count\': got "-Infinity"; accepts a positive integer (at most 9007199254740991)'],
    // Quoted as sent, not as Ajv converted it (1e20, 0).
    ['?count=99999999999999999999', 'invalid parameter \'count\': got "99999999999999999999"; accepts a positive integer (at most 9007199254740991)'],
    ['?count=00', 'invalid parameter \'count\': got "00"; accepts a positive integer (at most 9007199254740991)'],
    ['?count=-0', 'invalid parameter \'count\': got "-0"; accepts a positive integer (at most 9007199254740991)'],
    ['?count=1&count=2', "parameter 'count' was given more than once; give it once"],
    ['?filterEventTypes=add,modify', 'invalid parameter \'filterEventTypes\': got "add,modify"; accepts a comma list of add, delete, update ("modify" is none of them)'],
    ['?filterResourceTypes=cronjob', 'invalid parameter \'filterResourceTypes\': got "cronjob"; accepts a comma list of deployment, statefulset, daemonset, pod ("cronjob" is none of them)'],
    ['?filterSources=helm,terraform', 'invalid parameter \'filterSources\': got "helm,terraform"; accepts a comma list of helm, argocd, flux, kubectl, autoscaler, unknown ("terraform" is none of them)'],
    ['?filterSources=a&filterSources=b', "parameter 'filterSources' was given more than once; give it once"],
    ['?filterTotalCostLowerBound=cheap', 'invalid parameter \'filterTotalCostLowerBound\': got "cheap"; accepts a number'],
    ['?filterTotalCostLowerBound=10&filterTotalCostUpperBound=1', "invalid parameter 'filterTotalCostUpperBound': got \"1\"; accepts a number at least filterTotalCostLowerBound (10)"],
  ])('refuses %s with a 400 naming the parameter', async (query, message) => {
    setup(await filled());
    const res = await app.inject(`/model/audit/events${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 400, data: null, message });
  });

  it('answers 404 with how to enable it when the audit is disabled', async () => {
    setup(undefined);
    const res = await app.inject('/model/audit/events');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      code: 404,
      data: null,
      message: 'the Cost Events Audit API is disabled; enable it with COST_EVENTS_AUDIT_ENABLED=true (Helm: --set costEventsAudit.enabled=true)',
    });
  });

  it('shows events appended after an earlier answer', async () => {
    const store = await filled();
    setup(store);
    expect(await names('/model/audit/events?count=1')).toEqual(['d']);
    await append(store, event('e'));
    expect(await names('/model/audit/events?count=1')).toEqual(['e']);
  });

  it('keeps clusters apart with filterClusters, and serves every cluster without it', async () => {
    const store = memory();
    await append(store, event('blue-1', { cluster: 'blue' }), event('green-1', { cluster: 'green' }), event('red-1', { cluster: 'red' }));
    setup(store);
    expect(await names('/model/audit/events?filterClusters=blue')).toEqual(['blue-1']);
    expect(await names('/model/audit/events?filterClusters=red,%20blue')).toEqual(['red-1', 'blue-1']);
    expect(await names('/model/audit/events')).toEqual(['red-1', 'green-1', 'blue-1']);
    expect(await names('/model/audit/events?filterClusters=')).toEqual(['red-1', 'green-1', 'blue-1']);
    expect(await names('/model/audit/events?filterClusters=elsewhere')).toEqual([]);
  });

  it('refuses a filterClusters entry that cannot be a cluster id', async () => {
    setup(memory());
    const res = await app.inject('/model/audit/events?filterClusters=blue,green_2');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 400,
      data: null,
      message: 'invalid parameter \'filterClusters\': got "blue,green_2"; accepts a comma list of cluster ids (1 to 64 letters, digits and hyphens) ("green_2" is not one)',
    });
  });

  it('reads the store once per revision, and again when another writer moved it', async () => {
    const store = await filled();
    let reads = 0;
    setup(
      delegate(store, {
        queryAudit: (q) => {
          reads++;
          return store.queryAudit(q);
        },
      }),
    );
    for (let i = 0; i < 3; i++) expect(await names('/model/audit/events?count=2')).toEqual(['d', 'c']);
    expect(reads).toBe(1);
    // Another replica writing to a shared database moves the revision this one reads per request.
    await store.write([{ type: 'audit', audit: keyedAuditEvent(event('from-elsewhere'), 'add/elsewhere') }]);
    expect(await names('/model/audit/events?count=2')).toEqual(['from-elsewhere', 'd']);
    expect(reads).toBe(2);
  });
});

describe('GET /model/audit/events/{id}', () => {
  const MS = Date.parse('2023-02-28T13:58:44.552788548Z');
  const idOf = (e: AuditEvent) => auditEventId(e.properties.cluster, `${e.eventType}/${e.uid}/${e.properties.cluster}`, MS);

  it('answers the one event of that id in the envelope, as the list serves it', async () => {
    const store = await filled();
    setup(store);
    const c = event('c', { ns: 'team-a', rate: 10, type: 'delete', by: 'unknown', src: 'helm' });
    const res = await app.inject(`/model/audit/events/${idOf(c)}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe(`{"code":200,"data":${JSON.stringify(c)}}`);
  });

  it('answers at the cost-model path too, as every Kubecost route does', async () => {
    setup(await filled());
    const c = event('c', { ns: 'team-a', rate: 10, type: 'delete', by: 'unknown', src: 'helm' });
    const res = await app.inject(`/audit/events/${idOf(c)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(`{"code":200,"data":${JSON.stringify(c)}}`);
  });

  it('answers 404 in the envelope for an id no event has', async () => {
    setup(await filled());
    const res = await app.inject(`/model/audit/events/${auditEventId('cluster-one', 'add/nobody', MS)}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      code: 404,
      data: null,
      message: `no audit event has id '${auditEventId('cluster-one', 'add/nobody', MS)}' (it may never have existed, or be older than the most recent AUDIT_CAPACITY events of its cluster)`,
    });
  });

  it('refuses an id that is not of the id form, saying what it accepts', async () => {
    setup(await filled());
    const res = await app.inject('/model/audit/events/sample-deployment');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 400,
      data: null,
      message: `invalid parameter 'id': got "sample-deployment"; accepts an event id: 'ev', 13 digits (epoch ms) and 9 letters or digits, as /model/audit/events gives it`,
    });
  });

  it('answers 404 with how to enable it when the audit is disabled', async () => {
    setup(undefined);
    const res = await app.inject(`/model/audit/events/${auditEventId('cluster-one', 'add/x', MS)}`);
    expect(res.statusCode).toBe(404);
    expect(res.json<{ message: string }>().message).toBe(AUDIT_DISABLED_MESSAGE);
  });
});
