import { describe, expect, it } from 'vitest';
import { auditEventId } from '../../src/audit/audit-id.js';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import type { StoreLimits } from '../../src/storage/store.js';
import { auditEvent } from '../support/events.js';
import { audit, names } from '../support/store-records.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// The audit log (AuditLogStore): what `/model/audit/events` and `/model/audit/events/{id}` serve.
// Every test runs against memory, SQLite and PostgreSQL and expects the same answers.

const backends = storeBackends(await postgresAvailable());

const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 4 };

describe.each(backends)('the $name store, audit log', (backend) => {
  const t = useStores(backend, ['audit-log'], LIMITS);

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
    // The largest count the route lets through, on every backend (a SQL LIMIT binds it).
    expect(await t.store.queryAudit({ count: Number.MAX_SAFE_INTEGER })).toHaveLength(4);
    expect(names(await t.store.queryAudit({ namespaces: new Set(['team-a', 'team-c']) }))).toEqual(['d', 'c', 'a']);
    expect(names(await t.store.queryAudit({ eventTypes: new Set(['add', 'delete'] as const) }))).toEqual(['c', 'b', 'a']);
    expect(names(await t.store.queryAudit({ resourceTypes: new Set(['statefulset', 'daemonset'] as const) }))).toEqual(['d', 'b']);
    expect(names(await t.store.queryAudit({ totalCostLowerBound: 5, totalCostUpperBound: 10 }))).toEqual(['c', 'b']);
    expect(names(await t.store.queryAudit({ namespaces: new Set(['team-a']), eventTypes: new Set(['add', 'delete'] as const), count: 1 }))).toEqual(['c']);
  });

  it('serves an event with text beyond ASCII, quotes, backslashes, control characters and a lone surrogate byte for byte', async () => {
    const name = 'caf\u00e9 "q" \\ \n \u0000 \u0001 ✓ 🚀 \ud800 日本';
    await t.store.write([audit(name, { ns: 'ns-é', changedBy: 'kubectl "x"' }, 'add/uid-odd'), audit('plain')]);
    const [plain, odd] = await t.store.queryAudit({});
    expect(odd).toBe(JSON.stringify(auditEvent(name, { ns: 'ns-é', changedBy: 'kubectl "x"' })));
    expect(plain).toBe(JSON.stringify(auditEvent('plain')));
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

  it('filters clusters apart', async () => {
    await t.store.write([audit('x', { cluster: 'blue' }), audit('y', { cluster: 'green' }), audit('z', { cluster: 'red' })]);
    expect(names(await t.store.queryAudit({ clusters: new Set(['green', 'red']) }))).toEqual(['z', 'y']);
    expect(names(await t.store.queryAudit({ count: 2 }))).toEqual(['z', 'y']);
    expect(await t.store.queryAudit({ clusters: new Set(['nowhere']) })).toEqual([]);
  });

  it('keeps the capacity per cluster: a busy cluster does not push out a quiet one', async () => {
    for (let i = 0; i < 8; i++) await t.store.write([audit(`busy-${i}`, { cluster: 'busy' })]);
    await t.store.write([audit('quiet', { cluster: 'quiet' })]);
    expect(names(await t.store.queryAudit({}))).toEqual(['quiet', 'busy-7', 'busy-6', 'busy-5', 'busy-4']);
  });
});
