import { describe, expect, it } from 'vitest';
import type { StoreLimits } from '../../src/storage/store.js';
import { audit, etl } from '../support/store-records.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';
import { eventually } from '../support/wait-for.js';

// Revisions (StoreRevisions): the markers readers cache their answers under. The custom events'
// revision is in catalogue-contract.test.ts, beside the custom events.

const backends = storeBackends(await postgresAvailable());

const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 4 };

describe.each(backends)('the $name store, revisions', (backend) => {
  const t = useStores(backend, ['revisions'], LIMITS);

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

  // Another store on the same place: durable backends only (a memory store has no place to share).
  if (backend.name === 'memory') return;
  it('moves when another store on the same database writes (another process or replica)', async () => {
    const other = await t.open();
    const before = await t.store.revision();
    await other.write([etl('c1', 'AllocationSetSaved', 0, 0)]);
    // SQLite sees it on the next read (PRAGMA data_version moved); PostgreSQL once the write's
    // notification arrives, within REVISION_MAX_AGE_MS (revision-feed-postgres.test.ts).
    if (backend.name === 'sqlite') expect((await t.store.revision()).etl).not.toBe(before.etl);
    const after = await eventually(async () => {
      const r = await t.store.revision();
      return r.etl === before.etl ? undefined : r;
    }, 'the other store\'s write');
    expect(after).toEqual(await other.revision());
  });
});
