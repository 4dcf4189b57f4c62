import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { auditEventId } from '../../src/audit/audit-id.js';
import type { KnownWorkload } from '../../src/audit/workload-state.js';
import type { StoreLimits, StoreRecord } from '../../src/storage/store.js';
import { auditEvent, etlEvent } from '../support/events.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// One contract, three backends: every test here runs against memory, SQLite and PostgreSQL and
// expects the same answers, so a route or a test written against one backend holds for all.

const pgOk = await postgresAvailable();

const backends = storeBackends(pgOk);

const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 4 };
const T0 = 1_654_276_074_092_619_416n; // 2022-06-03T17:07:54.092619416Z
const NOW_MS = 1_654_276_100_000;

const etl = (cluster: string, kind: Parameters<typeof etlEvent>[1], i: number, size?: number, key?: string): StoreRecord => ({
  type: 'etl',
  event: etlEvent(cluster, kind, T0 + BigInt(i) * 1_000_000_000n, size === undefined ? {} : { size }, key),
});
const audit = (name: string, o: Parameters<typeof auditEvent>[1] = {}, key = `add/uid-${name}`): StoreRecord => ({ type: 'audit', event: auditEvent(name, o), key });

const sizes = (json: readonly string[]) => json.map((j) => (JSON.parse(j) as { metadata: { size?: number } }).metadata.size);
const names = (json: readonly string[]) => json.map((j) => (JSON.parse(j) as AuditEvent).properties.name);

const workload = (uid: string, lastSeenNs: bigint, replicas = 1): KnownWorkload => ({
  uid,
  name: `w-${uid}`,
  namespace: 'shop',
  resourceVersion: '7',
  spec: { kind: 'deployment', namespace: 'shop', name: `w-${uid}`, uid, replicas, perPod: { cpuCores: 0.1, memoryBytes: 33554432, gpus: 0 } },
  lastSeenNs,
});

describe.each(backends)('the $name store', (backend) => {
  const t = useStores(backend, LIMITS);

  it('serves ETL events per category oldest first, exactly as /model/etl/log prints them', async () => {
    await t.store.write([
      etl('c1', 'AllocationSetSaved', 0, 97),
      { type: 'etl', event: etlEvent('c1', 'AssetSetTotaled', T0 + 1n, { window: { start: '2022-06-03T00:00:00Z', end: '2022-06-04T00:00:00Z' } }) },
      { type: 'etl', event: etlEvent('c1', 'AssetSetReconcileError', T0 + 2n, { error: 'billing "export" missing' }) },
      etl('c1', 'AllocationSetLoaded', 3, 98),
    ]);
    const page = await t.store.queryEtl({});
    expect(page.allocation).toEqual([
      '{"kind":"AllocationSetSaved","metadata":{"size":97},"time":"2022-06-03T17:07:54.092619416Z"}',
      '{"kind":"AllocationSetLoaded","metadata":{"size":98},"time":"2022-06-03T17:07:57.092619416Z"}',
    ]);
    expect(page.asset).toEqual([
      '{"kind":"AssetSetTotaled","metadata":{"window":{"start":"2022-06-03T00:00:00Z","end":"2022-06-04T00:00:00Z"}},"time":"2022-06-03T17:07:54.092619417Z"}',
      '{"kind":"AssetSetReconcileError","metadata":{"error":"billing \\"export\\" missing"},"time":"2022-06-03T17:07:54.092619418Z"}',
    ]);
    expect(JSON.stringify(page.counters)).toBe('{"AllocationSetLoaded":1,"AllocationSetSaved":1,"AssetSetReconcileError":1,"AssetSetTotaled":1}');
  });

  it('serves the most recent ETL_LOG_CAPACITY events per category before any pruning, and counts every one', async () => {
    for (let i = 0; i < 10; i++) await t.store.write([etl('c1', 'AllocationSetSaved', i, i)]);
    await t.store.write([etl('c1', 'AssetSetSaved', 20, 1)]);
    const page = await t.store.queryEtl({});
    expect(sizes(page.allocation)).toEqual([7, 8, 9]);
    expect(sizes(page.asset)).toEqual([1]);
    expect(page.counters).toEqual({ AllocationSetSaved: 10, AssetSetSaved: 1 });
  });

  it('filters ETL events by kind and by window after the capacity cut, never cutting the counters', async () => {
    await t.store.write([etl('c1', 'AllocationSetSaved', 0, 0), etl('c1', 'AllocationSetLoaded', 1, 1), etl('c1', 'AllocationSetSaved', 2, 2), etl('c1', 'AllocationSetSaved', 3, 3)]);
    const kinds = await t.store.queryEtl({ kinds: new Set(['AllocationSetSaved']) });
    expect(sizes(kinds.allocation)).toEqual([2, 3]);
    expect(kinds.counters).toEqual({ AllocationSetLoaded: 1, AllocationSetSaved: 3 });
    const window = await t.store.queryEtl({ window: { start: T0 + 1_000_000_000n, end: T0 + 3_000_000_000n } });
    expect(sizes(window.allocation)).toEqual([1, 2]);
  });

  it('keeps an ETL event with a dedupe key once per cluster, and counts it once', async () => {
    await t.store.write([etl('c1', 'AllocationSetSaved', 0, 1, 'saved/10:00'), etl('c1', 'AllocationSetSaved', 0, 1, 'saved/10:00')]);
    await t.store.write([etl('c1', 'AllocationSetSaved', 1, 2, 'saved/10:00'), etl('c2', 'AllocationSetSaved', 1, 3, 'saved/10:00')]);
    const page = await t.store.queryEtl({});
    expect(sizes(page.allocation)).toEqual([1, 3]);
    expect(page.counters).toEqual({ AllocationSetSaved: 2 });
  });

  it('serves audit events newest first, byte for byte as appended, with every filter', async () => {
    await t.store.write([
      audit('a', { ns: 'team-a', rate: 1 }),
      audit('b', { ns: 'team-b', rate: 5, resource: 'statefulset' }),
      audit('c', { ns: 'team-a', rate: 10, type: 'delete' }, 'delete/uid-c'),
      audit('d', { ns: 'team-c', rate: 50, type: 'update', resource: 'daemonset' }, 'update/uid-d/9'),
    ]);
    const all = await t.store.queryAudit({});
    expect(names(all)).toEqual(['d', 'c', 'b', 'a']);
    expect(all[3]).toBe(JSON.stringify(auditEvent('a', { ns: 'team-a', rate: 1 })));
    expect(names(await t.store.queryAudit({ count: 2 }))).toEqual(['d', 'c']);
    expect(names(await t.store.queryAudit({ namespaces: new Set(['team-a', 'team-c']) }))).toEqual(['d', 'c', 'a']);
    expect(names(await t.store.queryAudit({ eventTypes: new Set(['add', 'delete'] as const) }))).toEqual(['c', 'b', 'a']);
    expect(names(await t.store.queryAudit({ resourceTypes: new Set(['statefulset', 'daemonset'] as const) }))).toEqual(['d', 'b']);
    expect(names(await t.store.queryAudit({ totalCostLowerBound: 5, totalCostUpperBound: 10 }))).toEqual(['c', 'b']);
    expect(names(await t.store.queryAudit({ namespaces: new Set(['team-a']), eventTypes: new Set(['add', 'delete'] as const), count: 1 }))).toEqual(['c']);
  });

  it('serves the most recent AUDIT_CAPACITY audit events per cluster before any pruning', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e', 'f']) await t.store.write([audit(n, { rate: n === 'a' ? 100 : 1 })]);
    expect(names(await t.store.queryAudit({}))).toEqual(['f', 'e', 'd', 'c']);
    // The capacity cuts before the filters: an old event past the bound is not served even when it alone matches.
    expect(await t.store.queryAudit({ totalCostLowerBound: 50 })).toEqual([]);
  });

  it('keeps an audit event once per key and cluster, however often or by whom it is written', async () => {
    await t.store.write([audit('a'), audit('a')]);
    await t.store.write([audit('a', { rate: 9 })]);
    await t.store.write([audit('a', { cluster: 'cluster-two' })]);
    const all = await t.store.queryAudit({});
    expect(all.map((j) => (JSON.parse(j) as AuditEvent).properties.cluster)).toEqual(['cluster-two', 'cluster-one']);
    expect((JSON.parse(all[1]!) as AuditEvent).costPrediction.totalMonthlyRate).toBe(2.4045625000000004);
  });

  it('filters audit events by changedBy manager and by source tool; events without them match neither', async () => {
    await t.store.write([
      audit('a', { changedBy: 'helm', source: 'helm' }),
      audit('b', { changedBy: 'kube-controller-manager', source: 'autoscaler' }),
      audit('c', { changedBy: 'unknown', source: 'unknown' }),
      audit('d'),
    ]);
    expect(names(await t.store.queryAudit({ changedBy: new Set(['helm', 'kube-controller-manager']) }))).toEqual(['b', 'a']);
    expect(names(await t.store.queryAudit({ sources: new Set(['unknown'] as const) }))).toEqual(['c']);
    expect(names(await t.store.queryAudit({ changedBy: new Set(['helm']), sources: new Set(['autoscaler'] as const) }))).toEqual([]);
    expect(names(await t.store.queryAudit({ sources: new Set(['autoscaler', 'helm'] as const), count: 1 }))).toEqual(['b']);
  });

  it('finds an audit event by its id among the events of its millisecond, on any cluster, within AUDIT_CAPACITY', async () => {
    const ms = Date.parse('2023-02-28T13:58:44.552788548Z');
    // Same millisecond, different keys and clusters: only the derived id tells them apart.
    await t.store.write([audit('a'), audit('b'), audit('a', { cluster: 'cluster-two' })]);
    const b = await t.store.findAuditEvent(auditEventId('cluster-one', 'add/uid-b', ms), ms);
    expect(b).toBe(JSON.stringify(auditEvent('b')));
    const a2 = await t.store.findAuditEvent(auditEventId('cluster-two', 'add/uid-a', ms), ms);
    expect(a2).toBe(JSON.stringify(auditEvent('a', { cluster: 'cluster-two' })));
    expect(await t.store.findAuditEvent(auditEventId('cluster-one', 'add/uid-zzz', ms), ms)).toBeUndefined();
    expect(await t.store.findAuditEvent(auditEventId('cluster-one', 'add/uid-b', ms + 1), ms + 1)).toBeUndefined();
    // Past the capacity of its cluster (4): no longer served by the list, nor by id.
    for (const n of ['c', 'd', 'e', 'f']) await t.store.write([audit(n)]);
    expect(await t.store.findAuditEvent(auditEventId('cluster-one', 'add/uid-b', ms), ms)).toBeUndefined();
    expect(await t.store.findAuditEvent(auditEventId('cluster-one', 'add/uid-f', ms), ms)).toBe(JSON.stringify(auditEvent('f')));
  });

  it('filters clusters apart and sums the counters of the clusters selected', async () => {
    await t.store.write([etl('blue', 'AllocationSetSaved', 0, 1), etl('green', 'AllocationSetSaved', 1, 2), etl('green', 'AssetSetSaved', 2, 3), etl('red', 'AllocationSetSaved', 3, 4)]);
    await t.store.write([audit('x', { cluster: 'blue' }), audit('y', { cluster: 'green' }), audit('z', { cluster: 'red' })]);
    const blue = await t.store.queryEtl({ clusters: new Set(['blue']) });
    expect(sizes(blue.allocation)).toEqual([1]);
    expect(blue.counters).toEqual({ AllocationSetSaved: 1 });
    const two = await t.store.queryEtl({ clusters: new Set(['blue', 'green']) });
    expect(sizes(two.allocation)).toEqual([1, 2]);
    expect(two.counters).toEqual({ AllocationSetSaved: 2, AssetSetSaved: 1 });
    expect((await t.store.queryEtl({})).counters).toEqual({ AllocationSetSaved: 3, AssetSetSaved: 1 });
    expect(names(await t.store.queryAudit({ clusters: new Set(['green', 'red']) }))).toEqual(['z', 'y']);
    expect(names(await t.store.queryAudit({ count: 2 }))).toEqual(['z', 'y']);
    expect(await t.store.queryAudit({ clusters: new Set(['nowhere']) })).toEqual([]);
    expect(await t.store.queryEtl({ clusters: new Set(['nowhere']) })).toEqual({ allocation: [], asset: [], counters: {} });
  });

  it('orders ETL events of several clusters by time, then cluster, then arrival', async () => {
    await t.store.write([etl('b', 'AllocationSetSaved', 1, 1), etl('a', 'AllocationSetSaved', 1, 2), etl('a', 'AllocationSetSaved', 0, 3)]);
    expect(sizes((await t.store.queryEtl({})).allocation)).toEqual([3, 2, 1]);
  });

  it('keeps the capacity per cluster: a busy cluster does not push out a quiet one', async () => {
    for (let i = 0; i < 8; i++) await t.store.write([audit(`busy-${i}`, { cluster: 'busy' }), etl('busy', 'AllocationSetSaved', i + 1, i)]);
    await t.store.write([audit('quiet', { cluster: 'quiet' }), etl('quiet', 'AllocationSetSaved', 0, 100)]);
    expect(names(await t.store.queryAudit({}))).toEqual(['quiet', 'busy-7', 'busy-6', 'busy-5', 'busy-4']);
    expect(sizes((await t.store.queryEtl({})).allocation)).toEqual([100, 5, 6, 7]);
  });

  it('prunes one cluster beyond the capacities without changing any answer or the revision', async () => {
    for (let i = 0; i < 6; i++) await t.store.write([etl('c1', 'AllocationSetSaved', i, i), audit(`e${i}`, { cluster: 'c1' }), etl('c2', 'AssetSetSaved', i, i)]);
    const before = { etl: await t.store.queryEtl({}), audit: await t.store.queryAudit({}), revision: await t.store.revision() };
    const deleted = await t.store.prune('c1', NOW_MS);
    expect(deleted).toBe(backend.name === 'memory' ? 0 : 3 + 2);
    expect({ etl: await t.store.queryEtl({}), audit: await t.store.queryAudit({}), revision: await t.store.revision() }).toEqual(before);
    expect(await t.store.prune('c1', NOW_MS)).toBe(0);
  });

  it('changes the revision of what changed, and not for a duplicate', async () => {
    const r0 = await t.store.revision();
    await t.store.write([etl('c1', 'AllocationSetSaved', 0, 0)]);
    const r1 = await t.store.revision();
    expect(r1.etl).not.toBe(r0.etl);
    expect(r1.audit).toBe(r0.audit);
    await t.store.write([audit('a')]);
    const r2 = await t.store.revision();
    expect(r2.audit).not.toBe(r1.audit);
    expect(r2.etl).toBe(r1.etl);
    await t.store.write([audit('a')]);
    expect(await t.store.revision()).toEqual(r2);
  });

  it('remembers the workloads of each kind: put, remove, replace, and until when they were seen', async () => {
    expect(await t.store.loadWorkloads('c1')).toEqual(new Map());
    const scope = { cluster: 'c1', resourceType: 'deployment' } as const;
    await t.store.write([
      { type: 'workload', change: { ...scope, op: 'replace', workloads: [workload('u1', 5n), workload('u2', 5n)], atNs: 5n } },
      { type: 'workload', change: { ...scope, op: 'put', workload: workload('u3', 6n, 3) } },
      { type: 'workload', change: { ...scope, op: 'put', workload: workload('u3', 7n, 4) } },
      { type: 'workload', change: { ...scope, op: 'remove', uid: 'u1' } },
      { type: 'workload', change: { cluster: 'c2', resourceType: 'deployment', op: 'replace', workloads: [workload('other', 1n)], atNs: 1n } },
    ]);
    await t.store.write([{ type: 'workload', change: { ...scope, op: 'seen', atNs: 9n } }]);
    const prior = await t.store.loadWorkloads('c1');
    expect([...prior.keys()]).toEqual(['deployment']);
    const d = prior.get('deployment')!;
    expect(d.seenUntilNs).toBe(9n);
    expect([...d.workloads].sort((a, b) => a.uid.localeCompare(b.uid))).toEqual([workload('u2', 5n), workload('u3', 7n, 4)]);
    await t.store.write([{ type: 'workload', change: { ...scope, op: 'replace', workloads: [], atNs: 10n } }]);
    expect((await t.store.loadWorkloads('c1')).get('deployment')).toEqual({ workloads: [], seenUntilNs: 10n });
  });
});

// Only a store that keeps data on disk can be closed, reopened and migrated concurrently.
describe.each(backends.filter((b) => b.name !== 'memory'))('the durable $name store', (backend) => {
  const t = useStores(backend, LIMITS);

  it('keeps everything, counters included, across a close and a reopen', async () => {
    await t.store.write([etl('c1', 'AllocationSetSaved', 0, 1), audit('kept')]);
    await t.store.write([{ type: 'workload', change: { cluster: 'c1', resourceType: 'statefulset', op: 'replace', workloads: [workload('u1', 3n)], atNs: 4n } }]);
    await t.store.close();
    const again = await t.open();
    expect(sizes((await again.queryEtl({})).allocation)).toEqual([1]);
    expect((await again.queryEtl({})).counters).toEqual({ AllocationSetSaved: 1 });
    expect(names(await again.queryAudit({}))).toEqual(['kept']);
    expect((await again.loadWorkloads('c1')).get('statefulset')).toEqual({ workloads: [workload('u1', 3n)], seenUntilNs: 4n });
    await again.write([audit('kept')]);
    expect(names(await again.queryAudit({}))).toEqual(['kept']);
  });

  it('applies its migrations once, even when several open at the same moment', async () => {
    const stores = await Promise.all([t.open(), t.open(), t.open()]);
    await stores[0].write([audit('once')]);
    for (const s of stores) expect(names(await s.queryAudit({}))).toEqual(['once']);
  });
});
