import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { accumulateAllocationSets, accumulateAssetSets, AllocationSetAccumulator, AssetSetAccumulator } from '../../src/etl/accumulate.js';
import { decodeAllocationSet, encodeAllocationSet } from '../../src/etl/allocation-set-codec.js';
import { buildSets } from '../../src/etl/build-sets.js';
import { addAllocationInto, cloneAllocation } from '../../src/etl/add-records.js';
import { byName, type Allocation, type AllocationSet, type NodeAsset } from '../../src/etl/sets.js';
import { allocation, allocationSet, HOUR, HOUR_10, HOUR_11, MIN, named, node, pod, snapshot, T10 } from '../support/etl-records.js';
import { randomAllocationSets } from '../support/random-allocation-sets.js';
import { mulberry32 } from '../support/seeded-random.js';

const CLOSE = 12;

describe('accumulation', () => {
  const s = snapshot({
    nodes: [node('n1')],
    pods: [pod('web-1', { end: T10 + 90 * MIN }), pod('late', { start: T10 + 70 * MIN })],
  });
  const h10 = buildSets(s, HOUR_10, DEFAULT_PRICE_SHEET);
  const h11 = buildSets(s, HOUR_11, DEFAULT_PRICE_SHEET);
  const twoHours = { start: HOUR_10.start, end: HOUR_11.end };

  it('merges two hourly sets by name into one over the window', () => {
    const acc = accumulateAllocationSets([h10.allocations, h11.allocations], twoHours);
    expect(acc.window).toEqual(twoHours);
    expect(acc.cluster).toBe('c1');
    expect(acc.allocations.map((a) => a.name)).toEqual(['c1/n1/__idle__', 'c1/n1/shop/late/app', 'c1/n1/shop/web-1/app']);
    const web = named(acc.allocations, 'c1/n1/shop/web-1/app');
    expect([web.start, web.end]).toEqual([T10, T10 + 90 * MIN]);
    expect(web.cpuCoreHours).toBe(1.5);
    expect(web.cpuCost).toBeCloseTo(1.5 * 0.031616438356164386, CLOSE);
    expect(web.cpuCoreRequestAverage).toBeCloseTo(1, CLOSE);
    const late = named(acc.allocations, 'c1/n1/shop/late/app');
    expect([late.start, late.end, late.cpuCoreHours]).toEqual([T10 + 70 * MIN, T10 + 2 * HOUR, 50 / 60]);
    const idle = named(acc.allocations, 'c1/n1/__idle__');
    expect(idle.cpuCoreHours).toBeCloseTo(8 - 1.5 - 50 / 60, CLOSE);
  });

  it('weights request averages by running time over the merged span', () => {
    // 2 cores for 10:00–11:00, then 1 core for 11:00–11:30: 2.5 core-hours over 90 minutes.
    const a = allocationSet([allocation('x', { cpuCoreHours: 2, cpuCoreRequestAverage: 2 })]);
    const b = allocationSet([allocation('x', { start: HOUR_11.start, end: HOUR_11.start + 30 * MIN, cpuCoreHours: 0.5, cpuCoreRequestAverage: 1 })], HOUR_11);
    const x = accumulateAllocationSets([a, b], twoHours).allocations[0];
    expect(x?.cpuCoreRequestAverage).toBeCloseTo(2.5 / 1.5, CLOSE);
  });

  it('keeps a volume named __proto__ as a volume, not as the prototype of the shares', () => {
    // Plain assignment of a "__proto__" key sets the object's prototype; the shares are plain objects.
    const pvs = JSON.parse('{"__proto__": {"byteHours": 2, "cost": 1}, "c1/pv-a": {"byteHours": 4, "cost": 3}}') as Allocation['pvs'];
    const a = allocationSet([allocation('x', { pvs })]);
    const b = allocationSet([allocation('x', { start: HOUR_11.start, end: HOUR_11.end, pvs })], HOUR_11);
    const x = accumulateAllocationSets([a, b], twoHours).allocations[0];
    expect(Object.getPrototypeOf(x?.pvs)).toBe(Object.prototype);
    expect(Object.keys(x?.pvs ?? {})).toEqual(['__proto__', 'c1/pv-a']);
    expect(JSON.stringify(x?.pvs)).toBe('{"__proto__":{"byteHours":4,"cost":2},"c1/pv-a":{"byteHours":8,"cost":6}}');
  });

  it('merges asset sets: hours and costs summed, capacity averaged over the span', () => {
    const acc = accumulateAssetSets([h10.assets, h11.assets], twoHours);
    const n = named(acc.assets, 'c1/Node/n1') as NodeAsset;
    expect([n.start, n.end, n.cpuCoreHours, n.cpuCores]).toEqual([T10, T10 + 2 * HOUR, 8, 4]);
    expect(n.cpuCost).toBeCloseTo(2 * 0.12646575342465752, CLOSE);
  });

  it('streams: adding sets one at a time gives the same as accumulating them at once, and changes neither input', () => {
    const before = structuredClone([h10, h11]);
    const acc = new AllocationSetAccumulator(twoHours);
    acc.add(h10.allocations);
    acc.add(h11.allocations);
    expect(acc.result()).toEqual(accumulateAllocationSets([h10.allocations, h11.allocations], twoHours));
    const assets = new AssetSetAccumulator(twoHours);
    assets.add(h10.assets);
    assets.add(h11.assets);
    expect(assets.result()).toEqual(accumulateAssetSets([h10.assets, h11.assets], twoHours));
    expect([h10, h11]).toEqual(before);
  });

  it('folds an accumulated set again (the daily roll-up adds one hour at a time)', () => {
    const once = accumulateAllocationSets([h10.allocations, h11.allocations], twoHours);
    const stepwise = accumulateAllocationSets([accumulateAllocationSets([h10.allocations], twoHours), h11.allocations], twoHours);
    expect(stepwise).toEqual(once);
  });

  it('keeps a reconciliation stamp only when every set carries one from the same export', () => {
    const stamp = (source: string, at: number) => ({ source, at });
    const a = { ...h10.allocations, reconciled: stamp('x', 1) };
    const b = { ...h11.allocations, reconciled: stamp('x', 5) };
    expect(accumulateAllocationSets([a, b], twoHours).reconciled).toEqual(stamp('x', 5));
    expect(accumulateAllocationSets([a, h11.allocations], twoHours).reconciled).toBeUndefined();
    expect(accumulateAllocationSets([a, { ...b, reconciled: stamp('y', 5) }], twoHours).reconciled).toBeUndefined();
  });

  it('names the clusters of sets from several, and none for no set', () => {
    const other = { ...h11.allocations, cluster: 'c0' };
    expect(accumulateAllocationSets([h10.allocations, other], twoHours).cluster).toBe('c0,c1');
    expect(accumulateAllocationSets([], twoHours)).toEqual({ cluster: '', window: twoHours, allocations: [] });
    expect(accumulateAssetSets([], twoHours)).toEqual({ cluster: '', window: twoHours, assets: [] });
  });
});

/** Accumulation as it was written before its numbers moved to slots: records cloned and folded by name with addAllocationInto. */
function foldedByName(sets: readonly AllocationSet[]): Allocation[] {
  const byKey = new Map<string, Allocation>();
  for (const set of sets) {
    for (const a of set.allocations) {
      const held = byKey.get(a.name);
      if (held === undefined) byKey.set(a.name, cloneAllocation(a));
      else addAllocationInto(held, a);
    }
  }
  return [...byKey.values()].sort(byName);
}

describe('accumulation against folding records one by one', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives the same records, bit for bit (seed %i)', (seed) => {
    const next = randomAllocationSets({ seed, window: HOUR_10, records: 60, awkwardNames: seed % 2 === 0 });
    const sets = Array.from({ length: 1 + (seed % 5) * 2 }, (_, h) => next({ start: HOUR_10.start + h * HOUR, end: HOUR_10.end + h * HOUR }));
    const before = structuredClone(sets);
    const day = { start: HOUR_10.start, end: HOUR_10.start + 24 * HOUR };
    // toStrictEqual tells -0 from 0 and keys holding undefined from absent ones; NaN equals NaN.
    expect(accumulateAllocationSets(sets, day).allocations).toStrictEqual(foldedByName(sets));
    expect(sets).toStrictEqual(before);
  });
});

describe('accumulation of sets out of name order', () => {
  /** The set's records reordered by seed: as given, reversed, shuffled, or with another record renamed to repeat a name. */
  function disordered(set: AllocationSet, rnd: () => number): AllocationSet {
    const list = [...set.allocations];
    const how = Math.floor(rnd() * 4);
    if (how === 1) list.reverse();
    if (how === 2) {
      for (let i = list.length - 1; i > 0; i--) {
        const k = Math.floor(rnd() * (i + 1));
        [list[i], list[k]] = [list[k] as Allocation, list[i] as Allocation];
      }
    }
    if (how === 3 && list.length > 1) {
      const from = list[Math.floor(rnd() * list.length)] as Allocation;
      const at = Math.floor(rnd() * list.length);
      list[at] = { ...(list[at] as Allocation), name: from.name };
    }
    return { ...set, allocations: list };
  }

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('folds each name in the order given and sorts the result, bit for bit (seed %i)', (seed) => {
    const next = randomAllocationSets({ seed, window: HOUR_10, records: 60, awkwardNames: seed % 2 === 0 });
    const rnd = mulberry32(seed * 7919);
    const sets = Array.from({ length: 3 + (seed % 4) * 2 }, (_, h) => disordered(next({ start: HOUR_10.start + h * HOUR, end: HOUR_10.end + h * HOUR }), rnd));
    const before = structuredClone(sets);
    const day = { start: HOUR_10.start, end: HOUR_10.start + 24 * HOUR };
    expect(accumulateAllocationSets(sets, day).allocations).toStrictEqual(foldedByName(sets));
    expect(sets).toStrictEqual(before);
  });

  it('merges a set whose records repeat a name, and sets after it, as folding one by one does', () => {
    const at = (name: string, cpuCoreHours: number) => allocation(name, { cpuCoreHours });
    const sets = [allocationSet([at('b', 1), at('x', 1), at('x', 2)]), allocationSet([at('a', 8), at('x', 4)]), allocationSet([at('c', 16), at('a', 32)])];
    const got = accumulateAllocationSets(sets, HOUR_10).allocations;
    expect(got.map((a) => [a.name, a.cpuCoreHours])).toEqual([
      ['a', 40],
      ['b', 1],
      ['c', 16],
      ['x', 7],
    ]);
    expect(got).toStrictEqual(foldedByName(sets));
  });
});

describe('accumulation of sets decoded separately (as the daily roll-up reads them)', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('gives the same records, bit for bit, as folding them one by one (seed %i)', (seed) => {
    const next = randomAllocationSets({ seed, window: HOUR_10, records: 60, awkwardNames: seed % 2 === 0 });
    const hours = 2 + (seed % 4);
    const originals = Array.from({ length: hours }, (_, h) => next({ start: HOUR_10.start + h * HOUR, end: HOUR_10.end + h * HOUR }));
    const bytes = originals.map((s) => encodeAllocationSet(s));
    // Each hour decoded on its own, then each decoded again (its properties the interned objects
    // already folded in), and one original added as it is between them.
    const sets = [...bytes.map((b) => decodeAllocationSet(b)), originals[0] as AllocationSet, ...bytes.map((b) => decodeAllocationSet(b))];
    const day = { start: HOUR_10.start, end: HOUR_10.start + 24 * HOUR };
    const got = accumulateAllocationSets(sets, day).allocations;
    const before = structuredClone(sets);
    const want = foldedByName(sets);
    expect(got).toStrictEqual(want);
    // The same text too: labels keep their keys' order.
    expect(JSON.stringify(got)).toBe(JSON.stringify(want));
    expect(sets).toStrictEqual(before);
  });
});
