import { describe, expect, it } from 'vitest';
import { AUDIT_RESOURCE_TYPES } from '../../src/audit/resource-types.js';
import { auditGap, type AuditGap } from '../../src/audit/watch-gap.js';
import { AUDIT_GAP_CAPACITY, mergingGaps } from '../../src/storage/gap-store.js';
import type { StoreLimits } from '../../src/storage/store.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// The audit's gaps (storage/gap-store.ts): written as `gap` records, listed newest end first per
// selected cluster, by the window they overlap, bounded per cluster; and served with the gaps of one
// outage merged (mergingGaps). Every test runs against memory, SQLite and PostgreSQL and expects
// the same answers.

const backends = storeBackends(await postgresAvailable());
const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 3 };
const S = 1_000_000_000n;
const T = 1_700_000_000n * S;

const gap = (cluster: string, startS: number, endS: number, changes = 0): AuditGap =>
  auditGap({ cluster, kinds: ['deployment'], cause: 'watch', startNs: T + BigInt(startS) * S, endNs: T + BigInt(endS) * S, changes, lastError: 'watch: 410 Gone' });

const ids = (bodies: readonly string[]) => bodies.map((b) => (JSON.parse(b) as AuditGap).id);
const MS = Number(T / 1_000_000n);

for (const backend of backends) {
  describe(`AuditGapStore on ${backend.name}`, () => {
    const fx = useStores(backend, ['gaps'], LIMITS);

    it('holds nothing at first', async () => {
      expect(await fx.store.queryGaps({})).toEqual([]);
    });

    it('serves each gap as written, newest end first, once however often it is written', async () => {
      const store = fx.store;
      const [a, b, c] = [gap('c1', 0, 30, 2), gap('c1', 100, 160), gap('c2', 50, 70, 1)];
      await store.write([{ type: 'gap', gap: a }, { type: 'gap', gap: b }]);
      await store.write([{ type: 'gap', gap: c }, { type: 'gap', gap: a }]);
      expect(await store.queryGaps({})).toEqual([b, c, a].map((g) => JSON.stringify(g)));
      expect(ids(await store.queryGaps({ count: 2 }))).toEqual([b.id, c.id]);
      // The largest count the route lets through, on every backend (a SQL LIMIT binds it).
      expect(ids(await mergingGaps(store).queryGaps({ count: Number.MAX_SAFE_INTEGER }))).toEqual([b.id, c.id, a.id]);
      expect(ids(await store.queryGaps({ clusters: new Set(['c1']) }))).toEqual([b.id, a.id]);
      expect(await store.queryGaps({ clusters: new Set() })).toEqual([]);
    });

    it('selects the gaps that overlap a window', async () => {
      const store = fx.store;
      const [a, b] = [gap('c1', 0, 30), gap('c1', 100, 160)];
      await store.write([{ type: 'gap', gap: a }, { type: 'gap', gap: b }]);
      expect(ids(await store.queryGaps({ window: { start: MS + 20_000, end: MS + 110_000 } }))).toEqual([b.id, a.id]);
      expect(ids(await store.queryGaps({ window: { start: MS + 30_001, end: MS + 100_000 } }))).toEqual([]);
      expect(ids(await store.queryGaps({ window: { start: MS + 150_000, end: MS + 200_000 } }))).toEqual([b.id]);
    });

    it(`serves the most recent ${AUDIT_GAP_CAPACITY} of each cluster, and pruning deletes the rest`, async () => {
      const store = fx.store;
      const many = Array.from({ length: AUDIT_GAP_CAPACITY + 2 }, (_, i) => gap('c1', 10 * i, 10 * i + 5));
      await store.write(many.map((g) => ({ type: 'gap' as const, gap: g })));
      await store.write([{ type: 'gap', gap: gap('c2', 0, 1) }]);
      const served = ids(await store.queryGaps({ clusters: new Set(['c1']) }));
      expect(served).toHaveLength(AUDIT_GAP_CAPACITY);
      expect(served.at(-1)).toBe(many[2]?.id);
      await store.prune('c1', MS);
      expect(ids(await store.queryGaps({}))).toHaveLength(AUDIT_GAP_CAPACITY + 1);
    });

    it('serves the gaps of one outage as one, which counts as one, reading pages until the ones served are whole', async () => {
      // Three outages of every kind, each kind's relist ending a second after the previous kind's.
      const outage = (startS: number, endS: number) =>
        AUDIT_RESOURCE_TYPES.map((kind, i) => auditGap({ cluster: 'c1', kinds: [kind], cause: 'watch', startNs: T + BigInt(startS) * S, endNs: T + BigInt(endS + i) * S, changes: i }));
      const [a, b, c] = [outage(900, 1000), outage(400, 500), outage(0, 100)];
      await fx.store.write([...a, ...b, ...c].map((g) => ({ type: 'gap' as const, gap: g })));
      const one = (startS: number, endS: number) =>
        auditGap({ cluster: 'c1', kinds: [...AUDIT_RESOURCE_TYPES], cause: 'watch', startNs: T + BigInt(startS) * S, endNs: T + BigInt(endS + AUDIT_RESOURCE_TYPES.length - 1) * S, changes: 6 });
      let reads = 0;
      const merged = mergingGaps({ queryGaps: (q) => ((reads += 1), fx.store.queryGaps(q)) });
      const served = async (q: Parameters<typeof merged.queryGaps>[0]) => (await merged.queryGaps(q)).map((g) => JSON.parse(g) as AuditGap);
      expect(await served({})).toEqual([one(900, 1000), one(400, 500), one(0, 100)]);
      reads = 0;
      // count=1 reads count × 4 kinds: the newest outage, but whether it is whole shows only at a gap ending more than the tolerance before it, so 8.
      expect(await served({ count: 1 })).toEqual([one(900, 1000)]);
      expect(reads).toBe(2);
      expect(await served({ count: 2 })).toEqual([one(900, 1000), one(400, 500)]);
      expect(await served({ count: 5 })).toEqual([one(900, 1000), one(400, 500), one(0, 100)]);
      expect(await served({ window: { start: MS + 450_000, end: MS + 460_000 }, count: 1 })).toEqual([one(400, 500)]);
      expect(await served({ clusters: new Set(['c2']), count: 1 })).toEqual([]);
    });

    if (backend.name !== 'memory') {
      it('keeps them across a reopen', async () => {
        const g = gap('c1', 0, 30, 2);
        await fx.store.write([{ type: 'gap', gap: g }]);
        expect(await (await fx.open()).queryGaps({})).toEqual([JSON.stringify(g)]);
      });
    }
  });
}
