import { describe, expect, it } from 'vitest';
import type { CustomEventRecord, EventSummary, StoredOccurrence } from '../../src/storage/catalogue.js';
import type { StoreLimits, StoreRecord } from '../../src/storage/store.js';
import { auditEvent, customRecord, etlEvent } from '../support/events.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';
import { keyedAuditEvent } from '../../src/audit/audit-change.js';

// The Cloud Eye part of the storage contract: custom events (atomic batches, de-duplication,
// capacity, retention, hourly counts) and the summary and detail queries over custom, ETL and
// audit rows. Every test runs against memory, SQLite and PostgreSQL and expects the same answers.

const backends = storeBackends(await postgresAvailable());

const H = 3_600_000;
/** A whole hour (2024-05-03T08:00:00Z), so bucket edges are easy to place. */
const T = 1_714_723_200_000;
const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 3, customEventCapacity: 6, customEventRetentionMs: 10 * H };

const bodies = (rows: readonly StoredOccurrence[]) => rows.map((r) => (r.source === 'custom' ? (JSON.parse(r.body) as { event_id: string }).event_id : r.source));
const byName = <T extends { name: string }>(rows: readonly T[]) => [...rows].sort((a, b) => a.name.localeCompare(b.name));
const etlRecord = (cluster: string, kind: Parameters<typeof etlEvent>[1], ms: number, size?: number): StoreRecord => ({
  type: 'etl',
  event: etlEvent(cluster, kind, BigInt(ms) * 1_000_000n + 123_456n, size === undefined ? {} : { size }),
});
const auditRecord = (name: string, ms: number, o: Parameters<typeof auditEvent>[1] = {}): StoreRecord => ({
  type: 'audit',
  audit: keyedAuditEvent(auditEvent(name, { cluster: 'c1', ...o, timestamp: `${new Date(ms).toISOString().slice(0, 23)}456789Z` }), `${o.type ?? 'add'}/uid-${name}`),
});

describe.each(backends)('the $name store, Cloud Eye part', (backend) => {
  const t = useStores(backend, ['catalogue', 'revisions', 'pruning'], LIMITS);

  it('stores a batch and serves it newest first, paged, with the count of all that match', async () => {
    const batch = [customRecord('deploy', T + 1), customRecord('deploy', T + 3), customRecord('deploy', T + 2), customRecord('alarm', T + 5)];
    const stored = await t.store.insertCustomEvents('c1', batch);
    expect(stored.ids).toEqual(batch.map((r) => r.eventId));
    expect(stored.inserted).toEqual(batch);
    const page = await t.store.queryOccurrences({ project: 'c1', source: 'custom', name: 'deploy', offset: 0, limit: 2 });
    expect(page.total).toBe(3);
    expect(bodies(page.rows)).toEqual([batch[1]!.eventId, batch[2]!.eventId]);
    const rest = await t.store.queryOccurrences({ project: 'c1', source: 'custom', name: 'deploy', offset: 2, limit: 2 });
    expect(bodies(rest.rows)).toEqual([batch[0]!.eventId]);
    const past = await t.store.queryOccurrences({ project: 'c1', source: 'custom', name: 'deploy', offset: 5, limit: 2 });
    expect(past).toEqual({ total: 3, rows: [], sources: ['shop.Checkout'], users: [''] });
    expect(await t.store.queryOccurrences({ project: 'c2', source: 'custom', name: 'deploy', offset: 0, limit: 2 })).toEqual({ total: 0, rows: [], sources: [], users: [] });
  });

  it('keeps an event once per de-duplication key, answering with the first id, within a batch and across batches', async () => {
    const first = customRecord('deploy', T, { id: 'evFIRST', key: 'k1' });
    const stored = await t.store.insertCustomEvents('c1', [first, customRecord('deploy', T, { id: 'evAGAIN', key: 'k1' }), customRecord('deploy', T + 1, { id: 'evOTHER', key: 'k2' })]);
    expect(stored.ids).toEqual(['evFIRST', 'evFIRST', 'evOTHER']);
    expect(stored.inserted.map((r) => r.eventId)).toEqual(['evFIRST', 'evOTHER']);
    const again = await t.store.insertCustomEvents('c1', [customRecord('deploy', T, { id: 'evLATER', key: 'k1' })]);
    expect(again).toEqual({ ids: ['evFIRST'], inserted: [] });
    // Keys are per project.
    expect((await t.store.insertCustomEvents('c2', [customRecord('deploy', T, { id: 'evC2', key: 'k1' })])).ids).toEqual(['evC2']);
    expect((await t.store.summarizeEvents({ project: 'c1', custom: {} })).custom).toEqual([{ name: 'deploy', count: 2, latestMs: T + 1, latestSource: 'shop.Checkout' }]);
  });


  it('keeps the most recent CUSTOM_EVENT_CAPACITY arrivals per project, whatever their times', async () => {
    const older = [1, 2, 3, 4].map((i) => customRecord('a', T + 10 - i, { id: `ev-old-${i}` }));
    await t.store.insertCustomEvents('c1', older);
    await t.store.insertCustomEvents('c2', [customRecord('a', T, { id: 'ev-quiet' })]);
    await t.store.insertCustomEvents('c1', [customRecord('b', T + 20, { id: 'ev-b1' }), customRecord('a', T + 30, { id: 'ev-a5' }), customRecord('b', T + 21, { id: 'ev-b2' })]);
    // Seven arrivals, capacity six: the first arrival (ev-old-1, the latest in time of the old ones) is gone.
    const a = await t.store.queryOccurrences({ project: 'c1', source: 'custom', name: 'a', offset: 0, limit: 10 });
    expect(bodies(a.rows)).toEqual(['ev-a5', 'ev-old-2', 'ev-old-3', 'ev-old-4']);
    expect(byName((await t.store.summarizeEvents({ project: 'c1', custom: {} })).custom)).toEqual([
      { name: 'a', count: 4, latestMs: T + 30, latestSource: 'shop.Checkout' },
      { name: 'b', count: 2, latestMs: T + 21, latestSource: 'shop.Checkout' },
    ]);
    // A batch larger than the capacity keeps its last six; every event still gets its id.
    const big = Array.from({ length: 8 }, (_, i) => customRecord('c', T + 100 + i, { id: `ev-c${i}` }));
    expect((await t.store.insertCustomEvents('c1', big)).ids).toEqual(big.map((r) => r.eventId));
    const summary = await t.store.summarizeEvents({ project: 'c1', custom: {} });
    expect(summary.custom).toEqual([{ name: 'c', count: 6, latestMs: T + 107, latestSource: 'shop.Checkout' }]);
    // The quiet project keeps its own.
    expect((await t.store.summarizeEvents({ project: 'c2', custom: {} })).custom).toHaveLength(1);
  });

  /** Counts in every range over `bounds` against a count of `times` made here. */
  async function expectExactCounts(times: readonly number[], bounds: readonly (number | undefined)[]) {
    const events = times.map((t, i) => ({ t, i }));
    t.store = await t.open({ ...LIMITS, customEventCapacity: 100 });
    // Two names interleaved; the source of each event is its index, so the latest is identifiable.
    await t.store.insertCustomEvents('c1', events.map(({ t, i }) => customRecord(i % 2 === 0 ? 'even' : 'odd', t, { source: `src.s${i}` })));
    for (const fromMs of bounds) {
      for (const toMs of bounds) {
        if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) continue;
        const inRange = events.filter(({ t }) => (fromMs === undefined || t >= fromMs) && (toMs === undefined || t < toMs));
        const expected = ['even', 'odd'].flatMap((name) => {
          const mine = inRange.filter(({ i }) => (i % 2 === 0 ? 'even' : 'odd') === name);
          const latest = mine.at(-1);
          return latest === undefined ? [] : [{ name, count: mine.length, latestMs: latest.t, latestSource: `src.s${latest.i}` }];
        });
        const range = { ...(fromMs !== undefined && { fromMs }), ...(toMs !== undefined && { toMs }) };
        expect(byName((await t.store.summarizeEvents({ project: 'c1', ...range, custom: {} })).custom), JSON.stringify(range)).toEqual(expected);
        const odd = await t.store.queryOccurrences({ project: 'c1', ...range, source: 'custom', name: 'odd', offset: 0, limit: 1 });
        expect(odd.total, JSON.stringify(range)).toBe(expected.find((e) => e.name === 'odd')?.count ?? 0);
      }
    }
  }

  it('counts custom events in any time range exactly, across hour buckets and their edges', async () => {
    const times = [T - 1, T, T + 1, T + H - 1, T + H, T + 2 * H + 5, T + 3 * H - 1, T + 3 * H, T + 5 * H + 7];
    await expectExactCounts(times, [undefined, T - 5, T - 1, T, T + 1, T + H - 1, T + H, T + 2 * H, T + 3 * H - 1, T + 3 * H, T + 6 * H]);
    expect((await t.store.summarizeEvents({ project: 'c1', custom: { name: 'odd' } })).custom.map((r) => r.name)).toEqual(['odd']);
    // Retention narrows the custom range alone, from whichever bound is later.
    const retained = await t.store.summarizeEvents({ project: 'c1', fromMs: T, custom: { notBeforeMs: T + H } });
    expect(byName(retained.custom).map((r) => [r.name, r.count])).toEqual([['even', 3], ['odd', 2]]);
    expect(byName((await t.store.summarizeEvents({ project: 'c1', fromMs: T + 3 * H, custom: { notBeforeMs: T } })).custom).map((r) => r.count)).toEqual([1, 1]);
    expect((await t.store.summarizeEvents({ project: 'c1', custom: { name: 'none' } })).custom).toEqual([]);
  });

  it('counts custom events in any time range exactly, across day buckets and their edges', async () => {
    const D = 24 * H;
    const day = Math.floor(T / D) * D + D; // the midnight after T
    const times = [day - D + 1, day - H - 1, day - 1, day, day + 1, day + H + 5, day + D - 1, day + D, day + 2 * D + 3 * H, day + 3 * D - 1, day + 3 * D];
    await expectExactCounts(times, [undefined, day - D, day - H, day - 1, day, day + 1, day + H, day + D - H, day + D, day + D + 1, day + 2 * D + 3 * H, day + 3 * D, day + 4 * D]);
  });

  it('breaks a tie in time by arrival: the later report is the latest', async () => {
    await t.store.insertCustomEvents('c1', [customRecord('a', T, { source: 'first.One', id: 'ev1' }), customRecord('a', T, { source: 'second.Two', id: 'ev2' })]);
    expect((await t.store.summarizeEvents({ project: 'c1', custom: {} })).custom[0]?.latestSource).toBe('second.Two');
    expect(bodies((await t.store.queryOccurrences({ project: 'c1', source: 'custom', name: 'a', offset: 0, limit: 5 })).rows)).toEqual(['ev2', 'ev1']);
  });

  it('filters custom occurrences by source, level, state and user, and lists the distinct sources and users sorted', async () => {
    await t.store.insertCustomEvents('c1', [
      customRecord('a', T + 1, { id: 'ev1', source: 'b.Svc', level: 'Major', state: 'incident', user: 'ops' }),
      customRecord('a', T + 2, { id: 'ev2', source: 'a.Svc', level: 'Minor', state: 'normal', user: '' }),
      customRecord('a', T + 3, { id: 'ev3', source: 'b.Svc', level: 'Major', state: 'normal', user: 'dev team' }),
    ]);
    const q = { project: 'c1', source: 'custom', name: 'a', offset: 0, limit: 10 } as const;
    const all = await t.store.queryOccurrences(q);
    expect({ ids: bodies(all.rows), sources: all.sources, users: all.users }).toEqual({ ids: ['ev3', 'ev2', 'ev1'], sources: ['a.Svc', 'b.Svc'], users: ['', 'dev team', 'ops'] });
    expect(bodies((await t.store.queryOccurrences({ ...q, eventSource: 'b.Svc' })).rows)).toEqual(['ev3', 'ev1']);
    expect(bodies((await t.store.queryOccurrences({ ...q, level: 'Major', state: 'normal' })).rows)).toEqual(['ev3']);
    const ops = await t.store.queryOccurrences({ ...q, user: 'ops' });
    expect({ total: ops.total, sources: ops.sources, users: ops.users }).toEqual({ total: 1, sources: ['b.Svc'], users: ['ops'] });
    expect((await t.store.queryOccurrences({ ...q, level: 'Critical' })).total).toBe(0);
  });

  it('summarises ETL events per kind over the held events, in the range, with the latest time in ns', async () => {
    await t.store.write([
      etlRecord('c1', 'AllocationSetSaved', T - 10, 1),
      etlRecord('c1', 'AllocationSetSaved', T, 2),
      etlRecord('c1', 'AssetSetReconcileError', T + 5),
      etlRecord('c1', 'AllocationSetSaved', T + 20, 3),
      etlRecord('c1', 'AllocationSetLoaded', T + 30, 4),
      etlRecord('c2', 'AllocationSetSaved', T + 40, 5),
    ]);
    const all = await t.store.summarizeEvents({ project: 'c1', etl: {} });
    // ETL_LOG_CAPACITY is 3 per category: the allocation event at T - 10 is no longer held.
    expect([...all.etl].sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: 'AllocationSetLoaded', count: 1, latestNs: BigInt(T + 30) * 1_000_000n + 123_456n },
      { kind: 'AllocationSetSaved', count: 2, latestNs: BigInt(T + 20) * 1_000_000n + 123_456n },
      { kind: 'AssetSetReconcileError', count: 1, latestNs: BigInt(T + 5) * 1_000_000n + 123_456n },
    ]);
    expect((await t.store.summarizeEvents({ project: 'c1', fromMs: T + 1, toMs: T + 21, etl: { kind: 'AllocationSetSaved' } })).etl).toEqual([
      { kind: 'AllocationSetSaved', count: 1, latestNs: BigInt(T + 20) * 1_000_000n + 123_456n },
    ]);
    // A range boundary in ms holds every event of that ms.
    expect((await t.store.summarizeEvents({ project: 'c1', fromMs: T + 20, toMs: T + 21, etl: {} })).etl.map((r) => r.count)).toEqual([1]);
    expect((await t.store.summarizeEvents({ project: 'c1', fromMs: T + 21, toMs: T + 30, etl: {} })).etl).toEqual([]);
    const page = await t.store.queryOccurrences({ project: 'c1', source: 'etl', kind: 'AllocationSetSaved', offset: 0, limit: 1 });
    expect(page).toEqual({
      total: 2,
      rows: [{ source: 'etl', cluster: 'c1', kind: 'AllocationSetSaved', timeNs: BigInt(T + 20) * 1_000_000n + 123_456n, metadata: '{"size":3}' }],
      sources: [],
      users: [],
    });
  });

  it('summarises audit events per change type and kind over the held events, in the range, newest first', async () => {
    await t.store.write([
      auditRecord('old', T - 50),
      auditRecord('web', T + 10),
      auditRecord('db', T + 30, { resource: 'statefulset' }),
      auditRecord('api', T + 20),
      auditRecord('other', T + 99, { cluster: 'c2' }),
    ]);
    const summary = await t.store.summarizeEvents({ project: 'c1', audit: {} });
    expect([...summary.audit].sort((a, b) => a.resourceType.localeCompare(b.resourceType))).toEqual([
      { eventType: 'add', resourceType: 'deployment', count: 2, latestMs: T + 20 },
      { eventType: 'add', resourceType: 'statefulset', count: 1, latestMs: T + 30 },
    ]);
    expect((await t.store.summarizeEvents({ project: 'c1', toMs: T + 20, audit: { eventType: 'add', resourceType: 'deployment' } })).audit).toEqual([
      { eventType: 'add', resourceType: 'deployment', count: 1, latestMs: T + 10 },
    ]);
    expect((await t.store.summarizeEvents({ project: 'c1', audit: { eventType: 'delete' } })).audit).toEqual([]);
    const page = await t.store.queryOccurrences({ project: 'c1', source: 'audit', eventType: 'add', resourceType: 'deployment', offset: 0, limit: 5 });
    expect(page.total).toBe(2);
    expect(page.rows.map((r) => (r.source === 'audit' ? [r.key, r.timeMs, (JSON.parse(r.body) as { properties: { name: string } }).properties.name] : []))).toEqual([
      ['add/uid-api', T + 20, 'api'],
      ['add/uid-web', T + 10, 'web'],
    ]);
  });

  it('leaves out the sources a summary does not ask for', async () => {
    await t.store.write([etlRecord('c1', 'AllocationSetSaved', T), auditRecord('web', T)]);
    await t.store.insertCustomEvents('c1', [customRecord('a', T)]);
    const none: EventSummary = { etl: [], audit: [], custom: [] };
    expect(await t.store.summarizeEvents({ project: 'c1' })).toEqual(none);
    const all = await t.store.summarizeEvents({ project: 'c1', etl: {}, audit: {}, custom: {} });
    expect([all.etl.length, all.audit.length, all.custom.length]).toEqual([1, 1, 1]);
  });

  it('changes the custom revision when custom events are stored or deleted, and only then', async () => {
    const r0 = await t.store.revision();
    await t.store.insertCustomEvents('c1', [customRecord('a', T, { key: 'k' })]);
    const r1 = await t.store.revision();
    expect([r1.custom !== r0.custom, r1.etl, r1.audit]).toEqual([true, r0.etl, r0.audit]);
    await t.store.insertCustomEvents('c1', [customRecord('a', T, { key: 'k' })]);
    expect(await t.store.revision()).toEqual(r1);
    await t.store.write([etlRecord('c1', 'AllocationSetSaved', T)]);
    const r2 = await t.store.revision();
    expect([r2.custom, r2.etl !== r1.etl]).toEqual([r1.custom, true]);
    expect(await t.store.prune('c1', T + 10 * H)).toBe(0);
    expect((await t.store.revision()).custom).toBe(r2.custom);
    expect(await t.store.prune('c1', T + 10 * H + 1)).toBe(1);
    expect((await t.store.revision()).custom).not.toBe(r2.custom);
  });

  it('knows the clusters that stored ETL, audit or custom events', async () => {
    await t.store.write([etlRecord('etl-only', 'AllocationSetSaved', T), auditRecord('web', T, { cluster: 'audit-only' })]);
    await t.store.insertCustomEvents('custom-only', [customRecord('a', T)]);
    for (const c of ['etl-only', 'audit-only', 'custom-only']) expect(await t.store.hasCluster(c), c).toBe(true);
    expect(await t.store.hasCluster('nowhere')).toBe(false);
  });

  it('prunes the custom events of one project past CUSTOM_EVENT_RETENTION, keeping the counts exact', async () => {
    await t.store.insertCustomEvents('c1', [customRecord('a', T), customRecord('a', T + H), customRecord('b', T + 2 * H), customRecord('a', T + 3 * H)]);
    await t.store.insertCustomEvents('c2', [customRecord('a', T)]);
    // Retention is ten hours: at T + 11h + 1 the events before T + 1h + 1 have expired.
    expect(await t.store.prune('c1', T + 11 * H + 1)).toBe(2);
    expect(byName((await t.store.summarizeEvents({ project: 'c1', custom: {} })).custom)).toEqual([
      { name: 'a', count: 1, latestMs: T + 3 * H, latestSource: 'shop.Checkout' },
      { name: 'b', count: 1, latestMs: T + 2 * H, latestSource: 'shop.Checkout' },
    ]);
    expect((await t.store.summarizeEvents({ project: 'c2', custom: {} })).custom).toHaveLength(1);
    expect(await t.store.prune('c1', T + 11 * H + 1)).toBe(0);
    // The freed room counts: six more fit before the capacity evicts.
    await t.store.insertCustomEvents('c1', Array.from({ length: 4 }, (_, i) => customRecord('c', T + 4 * H + i)));
    expect((await t.store.queryOccurrences({ project: 'c1', source: 'custom', name: 'a', offset: 0, limit: 5 })).total).toBe(1);
  });
});

// Only the durable stores write in transactions that can fail part way, and can be reopened.
describe.each(backends.filter((b) => b.name !== 'memory'))('the durable $name store, Cloud Eye part', (backend) => {
  const t = useStores(backend, ['catalogue', 'revisions', 'pruning'], LIMITS);

  it('stores nothing of a batch that fails part way', async () => {
    const broken = { ...customRecord('deploy', T + 2), body: null } as unknown as CustomEventRecord;
    await expect(t.store.insertCustomEvents('c1', [customRecord('deploy', T), customRecord('deploy', T + 1), broken])).rejects.toThrow();
    expect(await t.store.summarizeEvents({ project: 'c1', custom: {} })).toEqual({ etl: [], audit: [], custom: [] });
    expect(await t.store.hasCluster('c1')).toBe(false);
    // The store is still usable, and the keys of the failed batch are free.
    expect((await t.store.insertCustomEvents('c1', [customRecord('deploy', T)])).inserted).toHaveLength(1);
  });

  it('keeps custom events, their counts and their keys across a close and a reopen', async () => {
    await t.store.insertCustomEvents('c1', [customRecord('a', T, { id: 'evKEPT', key: 'k' }), customRecord('a', T + 2 * H)]);
    await t.store.close();
    const again = await t.open();
    expect((await again.summarizeEvents({ project: 'c1', fromMs: T + 1, custom: {} })).custom).toEqual([{ name: 'a', count: 1, latestMs: T + 2 * H, latestSource: 'shop.Checkout' }]);
    expect((await again.insertCustomEvents('c1', [customRecord('a', T, { id: 'evNEW', key: 'k' })])).ids).toEqual(['evKEPT']);
    expect(await again.hasCluster('c1')).toBe(true);
  });
});
