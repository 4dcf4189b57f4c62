import { describe, expect, it } from 'vitest';
import type { RepairStore } from '../../src/storage/repair-store.js';
import type { Store, StoreLimits } from '../../src/storage/store.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// The last ETL repair of each cluster (storage/repair-store.ts): one opaque record per cluster,
// replaced by the next, read back by cluster. Every test runs against memory, SQLite and
// PostgreSQL and expects the same answers.

const backends = storeBackends(await postgresAvailable());
const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 3 };

/** Every backend implements RepairStore beside Store (open-store.ts returns both). */
function repairsOf(store: Store): RepairStore {
  if (!('saveRepair' in store) || !('loadRepairs' in store)) throw new Error(`${store.backend} does not implement RepairStore`);
  return store as Store & RepairStore;
}

for (const backend of backends) {
  describe(`RepairStore on ${backend.name}`, () => {
    const fx = useStores(backend, LIMITS);

    it('holds nothing at first', async () => {
      expect(await repairsOf(fx.store).loadRepairs()).toEqual(new Map());
    });

    it('keeps the last record of each cluster, replacing the one before, and reads them back by cluster in order', async () => {
      const store = repairsOf(fx.store);
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
        await repairsOf(fx.store).saveRepair('blue', '{"state":"running"}');
        const reopened = repairsOf(await fx.open());
        expect([...(await reopened.loadRepairs())]).toEqual([['blue', '{"state":"running"}']]);
      });
    }
  });
}
