import { byName, type Allocation, type AllocationProperties, type AllocationSet } from '../../src/etl/sets.js';
import type { Window } from '../../src/window.js';
import { mulberry32 } from './seeded-random.js';

/**
 * Seeded random allocation sets for property tests of accumulation and rendering: numbers drawn
 * from ordinary amounts and from the edges (0, -0, tiny, huge, halves that round either way,
 * NaN, ±Infinity), names and label keys a JavaScript object would reorder ("7") or JSON must
 * escape, properties absent, empty or shared, labels objects shared between records, volume shares.
 */

const EDGE_NUMBERS = [
  0, -0, 1e-7, -1e-7, 5e-6, -5e-6, 0.000015, 1.000005, 0.1 + 0.2, 1e-300, Number.MIN_VALUE, 123456789.123456,
  2 ** 53, 1e15 + 0.3, 1e21, 1e300, -1e300, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
];

const NAMES = ['7', '42', '0', '4294967295', 'a"quoted"', 'back\\slash', 'line\nbreak', 'é-ü', '\u2028sep', '__proto__', 'toString', ''];

export interface RandomSetOptions {
  readonly seed: number;
  readonly window: Window;
  /** Records per set at most. */
  readonly records: number;
  /** Draw some names from the awkward ones ("7", quotes, "__proto__"); otherwise only path-like names. */
  readonly awkwardNames?: boolean;
}

/** A generator of allocation sets: each call gives the next set (sorted by name, names unique) for the window given. */
export function randomAllocationSets(o: RandomSetOptions): (window?: Window) => AllocationSet {
  const rnd = mulberry32(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const amount = (): number => {
    const r = rnd();
    if (r < 0.15) return pick(EDGE_NUMBERS);
    if (r < 0.25) return 0;
    if (r < 0.35) return Math.floor(rnd() * 2 ** 31);
    if (r < 0.4) return -rnd() * 10;
    return rnd() * 10 ** Math.floor(rnd() * 12 - 4);
  };
  const text = (): string | undefined => {
    const r = rnd();
    if (r < 0.15) return undefined;
    if (r < 0.25) return '';
    if (r < 0.35) return pick(NAMES);
    return `v-${Math.floor(rnd() * 5)}`;
  };
  const labelPool: Record<string, string>[] = Array.from({ length: 6 }, () => {
    const labels: Record<string, string> = {};
    const n = Math.floor(rnd() * 5);
    for (let i = 0; i < n; i++) labels[rnd() < 0.3 ? pick(NAMES) : `k${Math.floor(rnd() * 9)}`] = rnd() < 0.2 ? pick(NAMES) : `x${Math.floor(rnd() * 3)}`;
    return labels;
  });
  const universe = Array.from({ length: o.records * 2 }, (_, i) => (o.awkwardNames === true && rnd() < 0.1 ? `${pick(NAMES)}${i}` : `c/n${i % 7}/ns/pod-${i}/app`));
  if (o.awkwardNames === true) universe.push(...NAMES.filter((n) => n !== ''));
  const sharedProperties: AllocationProperties = { cluster: 'c', node: 'n1', namespace: 'ns', labels: labelPool[0] };

  return (window = o.window) => {
    const names = [...new Set(universe.filter(() => rnd() < o.records / universe.length))].sort();
    const allocations = names.map((name): Allocation => {
      const span = window.end - window.start;
      const start = window.start + (rnd() < 0.7 ? 0 : Math.floor(rnd() * span));
      const end = rnd() < 0.05 ? start : rnd() < 0.7 ? window.end : start + Math.floor(rnd() * (window.end - start));
      const properties: AllocationProperties =
        rnd() < 0.2
          ? sharedProperties
          : {
              cluster: text(),
              node: text(),
              namespace: text(),
              controllerKind: text(),
              controller: text(),
              pod: text(),
              container: text(),
              labels: rnd() < 0.2 ? undefined : pick(labelPool),
              providerID: text(),
            };
      const a: Allocation = {
        name,
        properties,
        start,
        end,
        cpuCoreHours: amount(),
        cpuCoreRequestAverage: amount(),
        cpuCost: amount(),
        cpuCostAdjustment: amount(),
        gpuHours: amount(),
        gpuRequestAverage: amount(),
        gpuCost: amount(),
        gpuCostAdjustment: amount(),
        ramByteHours: amount(),
        ramByteRequestAverage: amount(),
        ramCost: amount(),
        ramCostAdjustment: amount(),
        pvByteHours: amount(),
        pvCost: amount(),
        pvCostAdjustment: amount(),
      };
      if (rnd() < 0.3) {
        const pvs: NonNullable<Allocation['pvs']> = {};
        const n = 1 + Math.floor(rnd() * 3);
        for (let i = 0; i < n; i++) pvs[rnd() < 0.3 ? pick(NAMES) : `pv-${Math.floor(rnd() * 4)}`] = { byteHours: amount(), cost: amount() };
        a.pvs = pvs;
      }
      return a;
    });
    allocations.sort(byName);
    return { cluster: rnd() < 0.9 ? 'c' : 'c2', window, allocations };
  };
}
