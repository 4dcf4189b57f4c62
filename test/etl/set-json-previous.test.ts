import { describe, expect, it } from 'vitest';
import { aggregateAssets } from '../../src/etl/aggregate-assets.js';
import type { AssetAggregateBy } from '../../src/etl/aggregate-by.js';
import { buildSets } from '../../src/etl/build-sets.js';
import { renderAllocation, renderAllocationSet, renderAsset, renderAssetAggregateSet, renderAssetSet } from '../../src/etl/set-json.js';
import type { AllocationSet, Asset, AssetSet } from '../../src/etl/sets.js';
import { HOUR_10 } from '../support/etl-records.js';
import { syntheticPriceSheet, syntheticSnapshot } from '../support/etl-snapshot.js';
import {
  previousRenderAllocation,
  previousRenderAllocationSet,
  previousRenderAsset,
  previousRenderAssetAggregateSet,
  previousRenderAssetSet,
} from '../support/previous-set-json.js';
import { randomAllocationSets } from '../support/random-allocation-sets.js';
import { jsonText } from '../support/json-bytes.js';
import { mulberry32 } from '../support/seeded-random.js';

// The written renderer (issue #19) against the object-building renderer it replaced, byte for byte.

const EDGE_NUMBERS = [0, -0, 5e-6, -5e-6, 0.000015, -0.000015, 1.000005, 9999999999.99999, 1e10 - 0.00001, 123456789.123456, 2 ** 31, 2 ** 53, 1e15, 1e21, 1e300, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const AWKWARD = ['7', '4294967294', 'a"quoted"', 'back\\slash', 'tab\there', '\u0000nul', 'é-ü', '\u2028sep', '\ud800lone', '😀', '__proto__', ''];

const sets = buildSets(syntheticSnapshot({ nodes: 20, pods: 400, window: HOUR_10 }), HOUR_10, syntheticPriceSheet());

/** The set reordered and with some names given twice, as no set the pipeline makes is. */
function shuffled(set: AllocationSet, seed: number): AllocationSet {
  const rnd = mulberry32(seed);
  const allocations = set.allocations.filter(() => rnd() < 0.8);
  for (let i = allocations.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [allocations[i], allocations[j]] = [allocations[j]!, allocations[i]!];
  }
  const twice = allocations.filter(() => rnd() < 0.1).map((a) => ({ ...a, cpuCost: a.cpuCost + 1 }));
  return { ...set, allocations: [...allocations, ...twice] };
}

/** The synthetic cluster's assets with edge numbers and awkward strings in places. */
function oddAssets(seed: number): AssetSet {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const assets = sets.assets.assets.map((a): Asset => {
    const odd: Asset = { ...a, properties: { ...a.properties }, labels: { ...a.labels } };
    if (rnd() < 0.3) odd.adjustment = pick(EDGE_NUMBERS);
    if (rnd() < 0.2) odd.properties.namespace = pick(AWKWARD);
    if (rnd() < 0.2) odd.labels[pick(AWKWARD)] = pick(AWKWARD);
    if (odd.type === 'Node' && rnd() < 0.3) odd.cpuCost = pick(EDGE_NUMBERS);
    return odd;
  });
  return { ...sets.assets, assets };
}

describe('the written renderer against the one it replaced', () => {
  it.each([1, 2, 3, 4, 5, 6])('renders seeded allocation sets as it did, sorted and not (seed %i)', (seed) => {
    const next = randomAllocationSets({ seed, window: HOUR_10, records: [20, 300, 1200][seed % 3] ?? 20, awkwardNames: seed % 2 === 0 });
    for (let i = 0; i < 3; i++) {
      const set = next();
      expect(jsonText(renderAllocationSet(set))).toBe(previousRenderAllocationSet(set));
      const mixed = shuffled(set, seed * 10 + i);
      expect(jsonText(renderAllocationSet(mixed))).toBe(previousRenderAllocationSet(mixed));
      for (const a of set.allocations.slice(0, 20)) expect(jsonText(renderAllocation(a, HOUR_10))).toBe(previousRenderAllocation(a, HOUR_10));
    }
  });

  it('renders the synthetic cluster’s allocation set as it did, also reordered', () => {
    expect(jsonText(renderAllocationSet(sets.allocations))).toBe(previousRenderAllocationSet(sets.allocations));
    expect(jsonText(renderAllocationSet(shuffled(sets.allocations, 7)))).toBe(previousRenderAllocationSet(shuffled(sets.allocations, 7)));
  });

  it.each([1, 2, 3])('renders asset sets, single assets and aggregates as it did (seed %i)', (seed) => {
    const assets = oddAssets(seed);
    expect(jsonText(renderAssetSet(assets))).toBe(previousRenderAssetSet(assets));
    for (const a of assets.assets) expect(jsonText(renderAsset(a, HOUR_10))).toBe(previousRenderAsset(a, HOUR_10));
    for (const by of [['cluster'], ['type'], ['category', 'name'], ['label:app']] satisfies AssetAggregateBy[][]) {
      const aggregates = aggregateAssets(assets, by);
      expect(jsonText(renderAssetAggregateSet(aggregates))).toBe(previousRenderAssetAggregateSet(aggregates));
    }
  });

  it('renders labels as it did whatever their keys’ order, among more lists of keys than the renderer compares one by one', () => {
    const rnd = mulberry32(11);
    const keys = ['app', 'team', 'env', '7', 'a"quoted"', 'zone', 'tier', 'b', '10'];
    const allocations = sets.allocations.allocations.map((a) => {
      // A fresh object per record, keys in a drawn order: the same keys given in two orders print the same.
      const given = keys.filter(() => rnd() < 0.5);
      if (rnd() < 0.5) given.reverse();
      const labels = Object.fromEntries(given.map((k) => [k, `v${Math.floor(rnd() * 3)}`]));
      return { ...a, properties: { ...a.properties, labels } };
    });
    const set = { ...sets.allocations, allocations };
    expect(jsonText(renderAllocationSet(set))).toBe(previousRenderAllocationSet(set));
  });

  it('renders empty sets as {}', () => {
    const none = { ...sets.allocations, allocations: [] };
    expect(jsonText(renderAllocationSet(none))).toBe('{}');
    expect(previousRenderAllocationSet(none)).toBe('{}');
  });
});
