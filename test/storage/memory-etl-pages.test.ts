import { describe, expect, it } from 'vitest';
import { ETL_KINDS } from '../../src/events/etl-kinds.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { EtlQuery } from '../../src/storage/store.js';
import { etlEvent } from '../support/events.js';

// The memory store keeps its unfiltered ETL pages between changes (memory-etl-pages.ts): each
// answer must be the one the full merge gives, which a query naming every kind still makes.

const ALL_KINDS = new Set(ETL_KINDS);

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function expectSameAsFullMerge(store: MemoryStore, clusters: ReadonlySet<string> | undefined): Promise<void> {
  const q: EtlQuery = clusters === undefined ? {} : { clusters };
  const kept = await store.queryEtl(q);
  const full = await store.queryEtl({ ...q, kinds: ALL_KINDS });
  expect(kept).toEqual(full);
}

describe('the memory store, unfiltered ETL pages kept between changes', () => {
  it('answers as the full merge under appends, evictions, several clusters, ties and late events', async () => {
    const next = random(19);
    const store = new MemoryStore({ etlLogCapacity: 5, auditCapacity: 4 });
    const selections: (ReadonlySet<string> | undefined)[] = [undefined, new Set(['b']), new Set(['a', 'c']), new Set(['c', 'zz'])];
    let time = 1_000n;
    for (let step = 0; step < 1500; step++) {
      const appends = Math.floor(next() * 3);
      for (let i = 0; i < appends; i++) {
        const r = next();
        // Mostly later, sometimes the same time (ties across clusters), sometimes late.
        time += r < 0.6 ? BigInt(1 + Math.floor(next() * 5)) : r < 0.85 ? 0n : -BigInt(Math.floor(next() * 20));
        const cluster = ['a', 'b', 'c'][Math.floor(next() * 3)] as string;
        const kind = ETL_KINDS[Math.floor(next() * ETL_KINDS.length)] as (typeof ETL_KINDS)[number];
        const dedupe = next() < 0.1 ? `k${Math.floor(next() * 3)}` : undefined;
        store.writeSync([{ type: 'etl', event: etlEvent(cluster, kind, time, {}, dedupe) }]);
      }
      // Some selections are asked seldom, so the journal passes them by.
      const s = selections[Math.floor(next() * selections.length)];
      if (next() < 0.7) await expectSameAsFullMerge(store, s);
    }
    for (const s of selections) await expectSameAsFullMerge(store, s);
  });

  it('gives each caller lists of its own, unchanged by later appends', async () => {
    const store = new MemoryStore({ etlLogCapacity: 2, auditCapacity: 4 });
    store.writeSync([{ type: 'etl', event: etlEvent('a', 'AllocationSetSaved', 1n) }]);
    const before = await store.queryEtl({});
    const copy = [...before.allocation];
    store.writeSync([2n, 3n, 4n].map((t) => ({ type: 'etl' as const, event: etlEvent('a', 'AllocationSetSaved', t) })));
    const after = await store.queryEtl({});
    expect(before.allocation).toEqual(copy);
    expect(after.allocation).toHaveLength(2);
    expect(after.allocation).not.toEqual(copy);
  });
});
