import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { aggregateAssets } from '../../src/etl/aggregate-assets.js';
import { buildSets } from '../../src/etl/build-sets.js';
import type { AssetSet } from '../../src/etl/sets.js';
import { claim, HOUR_10, loadBalancer, named, node, snapshot, volume } from '../support/etl-records.js';

const CLOSE = 12;

function sampleAssets(): AssetSet {
  const s = snapshot({
    nodes: [node('n1', { labels: { team: 'a', pool: 'x' } }), node('n2', { labels: { team: 'b', pool: 'x' }, gpus: 1 })],
    volumes: [volume('pv-1', { labels: { team: 'a' } })],
    claims: [claim('data', { volumeName: 'pv-1' })],
    loadBalancers: [loadBalancer('ingress', { labels: {} })],
  });
  return buildSets(s, HOUR_10, DEFAULT_PRICE_SHEET).assets;
}

describe('aggregateAssets', () => {
  const set = sampleAssets();

  it('groups by type with costs summed per kind of resource', () => {
    const agg = aggregateAssets(set, ['type']);
    expect(agg.assets.map((a) => [a.name, a.type, a.count])).toEqual([
      ['Disk', 'Disk', 1],
      ['LoadBalancer', 'LoadBalancer', 1],
      ['Node', 'Node', 2],
    ]);
    const nodes = named(agg.assets, 'Node');
    expect(nodes.cpuCost).toBeCloseTo(2 * 0.12646575342465752, CLOSE);
    expect(nodes.gpuCost).toBeCloseTo(0.95, CLOSE);
    expect(nodes.totalCost).toBeCloseTo(nodes.cpuCost + nodes.ramCost + nodes.gpuCost, CLOSE);
    expect(nodes.labels).toEqual({ pool: 'x' });
    expect(nodes.properties).toEqual({ cluster: 'c1', category: 'Compute', service: 'Kubernetes' });
    expect(named(agg.assets, 'LoadBalancer').loadBalancerCost).toBeCloseTo(0.025, CLOSE);
  });

  it('makes a group of mixed types an Any, keyed as OpenCost keys labels (name=value, __undefined__)', () => {
    const agg = aggregateAssets(set, ['label:team']);
    expect(agg.assets.map((a) => [a.name, a.type, a.count])).toEqual([
      ['__undefined__', 'LoadBalancer', 1],
      ['team=a', 'Any', 2],
      ['team=b', 'Node', 1],
    ]);
    const a = named(agg.assets, 'team=a');
    expect(a.diskCost).toBeGreaterThan(0);
    expect(a.totalCost).toBeCloseTo(a.cpuCost + a.ramCost + a.diskCost, CLOSE);
    expect(a.properties).toEqual({ cluster: 'c1', service: 'Kubernetes' });
  });

  it('groups by cluster, category, name and providerID, and joins keys with /', () => {
    expect(aggregateAssets(set, ['cluster']).assets.map((a) => a.name)).toEqual(['c1']);
    expect(aggregateAssets(set, ['category']).assets.map((a) => a.name)).toEqual(['Compute', 'Network', 'Storage']);
    expect(aggregateAssets(set, ['name']).assets.map((a) => a.name)).toEqual(['ingress', 'n1', 'n2', 'pv-1']);
    expect(aggregateAssets(set, ['providerID']).assets.map((a) => a.name)).toEqual(['__undefined__', 'aws:///eu-west-1a/i-n1', 'aws:///eu-west-1a/i-n2']);
    expect(aggregateAssets(set, ['cluster', 'type']).assets.map((a) => a.name)).toEqual(['c1/Disk', 'c1/LoadBalancer', 'c1/Node']);
  });

  it('sums adjustments into the total', () => {
    const adjusted: AssetSet = { ...set, assets: set.assets.map((a) => ({ ...a, adjustment: 1 })) };
    const all = aggregateAssets(adjusted, ['cluster']).assets[0];
    expect(all?.adjustment).toBe(4);
    expect(all?.totalCost).toBeCloseTo(aggregateAssets(set, ['cluster']).assets[0]!.totalCost + 4, CLOSE);
  });

  it('changes nothing of the set it is given', () => {
    const before = structuredClone(set);
    aggregateAssets(set, ['type']);
    expect(set).toEqual(before);
  });
});
