import { describe, expect, it } from 'vitest';
import type { StoreLimits } from '../../src/storage/store.js';
import { postgresAvailable } from '../support/postgres.js';
import { ALL_PARTS, storeBackends, useStores } from '../support/store-backends.js';
import { audit, etl, names, sizes, workload } from '../support/store-records.js';

// The whole store: what holds across its parts. Each part has its own suite (etl-log, audit-log,
// revisions, workload-memory, catalogue, set-store, pruning, repair-store, and the outbox's in
// test/notify), so a new backend can be added one interface at a time (docs/ARCHITECTURE.md).

const backends = storeBackends(await postgresAvailable());

const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 4 };

// Only a store that keeps data on disk can be closed, reopened and migrated concurrently.
describe.each(backends.filter((b) => b.name !== 'memory'))('the durable $name store', (backend) => {
  const t = useStores(backend, ALL_PARTS, LIMITS);

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
