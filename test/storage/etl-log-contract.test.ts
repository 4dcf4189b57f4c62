import { describe, expect, it } from 'vitest';
import type { StoreLimits } from '../../src/storage/store.js';
import { etlEvent } from '../support/events.js';
import { etl, sizes, T0 } from '../support/store-records.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// The ETL log (EtlLogStore): what `/model/etl/log` serves. Every test runs against memory, SQLite
// and PostgreSQL and expects the same answers.

const backends = storeBackends(await postgresAvailable());

const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 4 };

describe.each(backends)('the $name store, ETL log', (backend) => {
  const t = useStores(backend, ['etl-log'], LIMITS);

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

  it('filters clusters apart and sums the counters of the clusters selected', async () => {
    await t.store.write([etl('blue', 'AllocationSetSaved', 0, 1), etl('green', 'AllocationSetSaved', 1, 2), etl('green', 'AssetSetSaved', 2, 3), etl('red', 'AllocationSetSaved', 3, 4)]);
    const blue = await t.store.queryEtl({ clusters: new Set(['blue']) });
    expect(sizes(blue.allocation)).toEqual([1]);
    expect(blue.counters).toEqual({ AllocationSetSaved: 1 });
    const two = await t.store.queryEtl({ clusters: new Set(['blue', 'green']) });
    expect(sizes(two.allocation)).toEqual([1, 2]);
    expect(two.counters).toEqual({ AllocationSetSaved: 2, AssetSetSaved: 1 });
    expect((await t.store.queryEtl({})).counters).toEqual({ AllocationSetSaved: 3, AssetSetSaved: 1 });
    expect(await t.store.queryEtl({ clusters: new Set(['nowhere']) })).toEqual({ allocation: [], asset: [], counters: {} });
  });

  it('orders ETL events of several clusters by time, then cluster, then arrival', async () => {
    await t.store.write([etl('b', 'AllocationSetSaved', 1, 1), etl('a', 'AllocationSetSaved', 1, 2), etl('a', 'AllocationSetSaved', 0, 3)]);
    expect(sizes((await t.store.queryEtl({})).allocation)).toEqual([3, 2, 1]);
  });

  it('keeps the capacity per cluster: a busy cluster does not push out a quiet one', async () => {
    for (let i = 0; i < 8; i++) await t.store.write([etl('busy', 'AllocationSetSaved', i + 1, i)]);
    await t.store.write([etl('quiet', 'AllocationSetSaved', 0, 100)]);
    expect(sizes((await t.store.queryEtl({})).allocation)).toEqual([100, 5, 6, 7]);
  });
});
