import { describe, expect, it } from 'vitest';
import type { StoreLimits } from '../../src/storage/store.js';
import { audit, etl, NOW_MS } from '../support/store-records.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// Pruning: deleting what the limits no longer keep, never changing an answer. Custom events past
// their retention are pruned in catalogue-contract.test.ts, beside the custom events.

const backends = storeBackends(await postgresAvailable());

const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 4 };

describe.each(backends)('the $name store, pruning', (backend) => {
  const t = useStores(backend, ['pruning', 'etl-log', 'audit-log', 'revisions'], LIMITS);

  it('prunes one cluster beyond the capacities without changing any answer or the revision', async () => {
    for (let i = 0; i < 6; i++) await t.store.write([etl('c1', 'AllocationSetSaved', i, i), audit(`e${i}`, { cluster: 'c1' }), etl('c2', 'AssetSetSaved', i, i)]);
    const before = { etl: await t.store.queryEtl({}), audit: await t.store.queryAudit({}), revision: await t.store.revision() };
    const deleted = await t.store.prune('c1', NOW_MS);
    expect(deleted).toBe(backend.name === 'memory' ? 0 : 3 + 2);
    expect({ etl: await t.store.queryEtl({}), audit: await t.store.queryAudit({}), revision: await t.store.revision() }).toEqual(before);
    expect(await t.store.prune('c1', NOW_MS)).toBe(0);
  });
});
