import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pruner } from '../../src/storage/pruner.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { StoreWriter } from '../../src/storage/store-writer.js';
import { silentLog } from '../support/app.js';
import { etlEvent } from '../support/events.js';
import { ManualClock } from '../support/manual-clock.js';
import { delegate } from '../support/stores.js';

let dir: string;
let sqlite: SqliteStore;
let clock: ManualClock;
let pruned: string[];
let pruner: Pruner;
let writer: StoreWriter;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pruner-'));
  sqlite = SqliteStore.open(join(dir, 'events.db'), { etlLogCapacity: 2, auditCapacity: 2 });
  clock = new ManualClock();
  pruned = [];
  const store = delegate(sqlite, {
    prune: async (cluster, nowMs) => {
      const n = await sqlite.prune(cluster, nowMs);
      pruned.push(`${cluster}: ${n}`);
      return n;
    },
  });
  writer = new StoreWriter({ store, clock, capacity: 100, log: silentLog });
  pruner = new Pruner({ store, writer, clock, cluster: 'c1', intervalMs: 60_000, log: silentLog });
  for (const cluster of ['c1', 'c2']) {
    for (let i = 0; i < 5; i++) await sqlite.write([{ type: 'etl', event: etlEvent(cluster, 'AllocationSetSaved', BigInt(i), { size: i }) }]);
  }
});

afterEach(async () => {
  await pruner.stop();
  await writer.close();
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Pruner', () => {
  it('deletes its own cluster\'s rows beyond the capacities every interval, on the injected clock', async () => {
    pruner.start();
    clock.advance(59_999);
    expect(pruned).toEqual([]);
    clock.advance(1);
    await pruner.stop();
    expect(pruned).toEqual(['c1: 3']);
    // The other cluster's rows are its own server's to prune; answers never depended on pruning.
    expect(await sqlite.prune('c2', clock.nowMs())).toBe(3);
  });

  it('keeps pruning, one run per interval (a run asked for while one is going joins it)', async () => {
    pruner.start();
    clock.advance(60_000);
    await pruner.runOnce();
    clock.advance(60_000);
    await pruner.runOnce();
    expect(pruned).toEqual(['c1: 3', 'c1: 0']);
  });
});
