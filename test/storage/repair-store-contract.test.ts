import { describe, expect, it } from 'vitest';
import type { StoreLimits } from '../../src/storage/store.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// The last ETL repair of each cluster (storage/repair-store.ts): one opaque record per cluster,
// replaced by the next, read back by cluster. Every test runs against memory, SQLite and
// PostgreSQL and expects the same answers.

const backends = storeBackends(await postgresAvailable());
const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 3 };

for (const backend of backends) {
  describe(`RepairStore on ${backend.name}`, () => {
    const fx = useStores(backend, ['repairs'], LIMITS);

    it('holds nothing at first', async () => {
      expect(await fx.store.loadRepairs()).toEqual(new Map());
    });

    it('keeps the last record of each cluster, replacing the one before, and reads them back by cluster in order', async () => {
      const store = fx.store;
      await store.saveRepair('green', '{"state":"running"}');
      await store.saveRepair('blue', '{"state":"done","text":"é ✓ \\u0000"}');
      await store.saveRepair('green', '{"state":"interrupted"}');
      expect([...(await store.loadRepairs())]).toEqual([
        ['blue', '{"state":"done","text":"é ✓ \\u0000"}'],
        ['green', '{"state":"interrupted"}'],
      ]);
      expect([...(await store.loadRepairs(new Set(['green', 'red'])))]).toEqual([['green', '{"state":"interrupted"}']]);
      expect(await store.loadRepairs(new Set())).toEqual(new Map());
    });

    // Durable backends only: the memory backend keeps nothing across a reopen (defined, not skipped, for the others).
    if (backend.name !== 'memory') {
      it('keeps them across a reopen', async () => {
        await fx.store.saveRepair('blue', '{"state":"running"}');
        const reopened = await fx.open();
        expect([...(await reopened.loadRepairs())]).toEqual([['blue', '{"state":"running"}']]);
      });
    }
  });
}
