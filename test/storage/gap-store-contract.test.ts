import { describe, expect, it } from 'vitest';
import { auditGap, type AuditGap } from '../../src/audit/watch-gap.js';
import { AUDIT_GAP_CAPACITY } from '../../src/storage/gap-store.js';
import type { StoreLimits } from '../../src/storage/store.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// The audit's gaps (storage/gap-store.ts): written as `gap` records, listed newest end first per
// selected cluster, by the window they overlap, bounded per cluster. Every test runs against
// memory, SQLite and PostgreSQL and expects the same answers.

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

    if (backend.name !== 'memory') {
      it('keeps them across a reopen', async () => {
        const g = gap('c1', 0, 30, 2);
        await fx.store.write([{ type: 'gap', gap: g }]);
        expect(await (await fx.open()).queryGaps({})).toEqual([JSON.stringify(g)]);
      });
    }
  });
}
