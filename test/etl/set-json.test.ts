import type { TSchema } from '@sinclair/typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { aggregateAssets } from '../../src/etl/aggregate-assets.js';
import { buildSets } from '../../src/etl/build-sets.js';
import { renderAllocation, renderAllocationSet, renderAsset, renderAssetAggregateSet, renderAssetSet, roundForJson } from '../../src/etl/set-json.js';
import type { JsonBytes } from '../../src/etl/json-writer.js';
import { AllocationJsonSchema, AssetAggregateJsonSchema, AssetJsonSchema } from '../../src/etl/set-json-schemas.js';
import { jsonText } from '../support/json-bytes.js';
import { allocation, allocationSet, claim, HOUR_10, loadBalancer, MIN, named, node, pod, snapshot, T10, volume } from '../support/etl-records.js';

const ALLOCATION_FIELDS = [
  'name', 'properties', 'window', 'start', 'end', 'minutes',
  'cpuCores', 'cpuCoreRequestAverage', 'cpuCoreHours', 'cpuCost', 'cpuCostAdjustment',
  'gpuCount', 'gpuRequestAverage', 'gpuHours', 'gpuCost', 'gpuCostAdjustment',
  'networkCost', 'loadBalancerCost',
  'pvBytes', 'pvByteHours', 'pvCost', 'pvs', 'pvCostAdjustment',
  'ramBytes', 'ramByteRequestAverage', 'ramByteHours', 'ramCost', 'ramCostAdjustment',
  'externalCost', 'sharedCost', 'totalCost',
];

const sets = buildSets(
  snapshot({
    nodes: [node('n1', { instanceType: 'm5.xlarge', labels: { zone: 'a', arch: 'amd64' } })],
    pods: [pod('web-1', { start: T10 + 15 * MIN, end: T10 + 45 * MIN, labels: { team: 'a', app: 'web' }, claims: ['data'] })],
    claims: [claim('data', { volumeName: 'pv-1' })],
    volumes: [volume('pv-1', { claim: { namespace: 'shop', name: 'data' } })],
    loadBalancers: [loadBalancer('ingress')],
  }),
  HOUR_10,
  DEFAULT_PRICE_SHEET,
);

type Json = Record<string, unknown>;
const parse = (bytes: JsonBytes): Json => JSON.parse(jsonText(bytes)) as Json;

describe('roundForJson', () => {
  it('rounds to 5 decimals as OpenCost (half away from zero) and turns NaN and ±Inf into null', () => {
    expect(roundForJson(0.01580821917808219)).toBe(0.01581);
    expect(roundForJson(0.000005)).toBe(0.00001);
    expect(roundForJson(-0.000005)).toBe(-0.00001);
    expect(roundForJson(-0.000004)).toBe(0);
    expect(Object.is(roundForJson(-0.000004), -0)).toBe(false);
    expect(roundForJson(123456789.123456)).toBe(123456789.12346);
    expect(roundForJson(Number.NaN)).toBeNull();
    expect(roundForJson(Number.POSITIVE_INFINITY)).toBeNull();
    expect(roundForJson(Number.NEGATIVE_INFINITY)).toBeNull();
    expect(roundForJson(1e305)).toBeNull(); // overflows when scaled by 1e5, as in Go
  });
});

describe('allocation JSON', () => {
  const a = named(sets.allocations.allocations, 'c1/n1/shop/web-1/app');
  const json = parse(renderAllocation(a, HOUR_10));

  it('has OpenCost’s AllocationJSON fields we compute, in its order', () => {
    expect(Object.keys(json)).toEqual(ALLOCATION_FIELDS);
  });

  it('prints times as RFC 3339 seconds in UTC, the window, minutes and per-hour averages', () => {
    expect(json).toMatchObject({
      name: 'c1/n1/shop/web-1/app',
      window: { start: '2024-05-03T10:00:00Z', end: '2024-05-03T11:00:00Z' },
      start: '2024-05-03T10:15:00Z',
      end: '2024-05-03T10:45:00Z',
      minutes: 30,
      cpuCores: 1,
      cpuCoreRequestAverage: 1,
      cpuCoreHours: 0.5,
      cpuCost: 0.01581,
      ramBytes: 2 * 2 ** 30,
      ramByteHours: 2 ** 30,
      ramCost: 0.00423,
      pvBytes: 10 * 2 ** 30,
      pvByteHours: 5 * 2 ** 30,
      pvCost: 0.00027,
      gpuCount: 0,
      networkCost: 0,
      loadBalancerCost: 0,
      externalCost: 0,
      sharedCost: 0,
      totalCost: 0.02032,
    });
  });

  it('prints properties in OpenCost’s order, labels with sorted keys, and omits what is absent', () => {
    expect(JSON.stringify(json['properties'])).toBe(
      '{"cluster":"c1","node":"n1","container":"app","controller":"web","controllerKind":"deployment","namespace":"shop","pod":"web-1",' +
        '"providerID":"aws:///eu-west-1a/i-n1","labels":{"app":"web","team":"a"}}',
    );
    const idle = parse(renderAllocation(named(sets.allocations.allocations, 'c1/n1/__idle__'), HOUR_10));
    expect(idle['properties']).toEqual({ cluster: 'c1', node: 'n1', providerID: 'aws:///eu-west-1a/i-n1' });
    const bare = parse(renderAllocation(allocation('x', { properties: { cluster: 'c1', namespace: '', labels: {} } }), HOUR_10));
    expect(bare['properties']).toEqual({ cluster: 'c1' });
  });

  it('prints each bound volume’s share as OpenCost’s pvs, keyed by cluster and volume name, unrounded; null without', () => {
    expect(json['pvs']).toEqual({ 'cluster=c1:name=pv-1': { byteHours: 5 * 2 ** 30, cost: a.pvs?.['pv-1']?.cost } });
    expect(a.pvs?.['pv-1']?.cost).toBeCloseTo(0.000273972602739726, 15);
    expect(parse(renderAllocation(named(sets.allocations.allocations, 'c1/n1/__idle__'), HOUR_10))['pvs']).toBeNull();
  });

  it('prints null for amounts that are not finite numbers, and sums adjustments into totalCost', () => {
    const odd = parse(renderAllocation(allocation('x', { cpuCost: Number.NaN, ramCost: 1, ramCostAdjustment: -0.25, gpuCost: Number.POSITIVE_INFINITY }), HOUR_10));
    expect(odd['cpuCost']).toBeNull();
    expect(odd['gpuCost']).toBeNull();
    expect(odd['totalCost']).toBeNull();
    const adjusted = parse(renderAllocation(allocation('x', { ramCost: 1, ramCostAdjustment: -0.25, pvCostAdjustment: 0.125 }), HOUR_10));
    expect(adjusted['totalCost']).toBe(0.875);
  });

  it('prints zero averages for an allocation with no time', () => {
    const none = parse(renderAllocation(allocation('x', { start: T10, end: T10, cpuCoreHours: 0 }), HOUR_10));
    expect([none['minutes'], none['cpuCores'], none['ramBytes']]).toEqual([0, 0, 0]);
  });
});

describe('set JSON', () => {
  it('is an object of the allocations keyed by name, in the set’s order', () => {
    const json = parse(renderAllocationSet(sets.allocations));
    expect(Object.keys(json)).toEqual(sets.allocations.allocations.map((a) => a.name));
    expect(json['c1/n1/__idle__']).toEqual(parse(renderAllocation(named(sets.allocations.allocations, 'c1/n1/__idle__'), HOUR_10)));
  });

  it('keeps the set’s order for names JavaScript would reorder ("10" before "9", as Go sorts map keys)', () => {
    const text = jsonText(renderAllocationSet(allocationSet([allocation('10'), allocation('9'), allocation('__proto__'), allocation('a')])));
    expect([...text.matchAll(/"name":"([^"]*)"/g)].map((m) => m[1])).toEqual(['10', '9', '__proto__', 'a']);
    expect(text.startsWith('{"10":{"name":"10"')).toBe(true);
  });

  it('renders an empty set as {}', () => {
    expect(jsonText(renderAllocationSet(allocationSet([])))).toBe('{}');
    expect(jsonText(renderAssetSet({ cluster: 'c1', window: HOUR_10, assets: [] }))).toBe('{}');
  });
});

describe('asset JSON', () => {
  const json = parse(renderAssetSet(sets.assets));

  it('prints a node as OpenCost’s Node, the fields we compute in its order', () => {
    const n = json['c1/Node/n1'] as Json;
    expect(Object.keys(n)).toEqual([
      'type', 'properties', 'labels', 'window', 'start', 'end', 'minutes', 'nodeType', 'cpuCores', 'ramBytes',
      'cpuCoreHours', 'ramByteHours', 'GPUHours', 'cpuCost', 'gpuCost', 'gpuCount', 'ramCost', 'adjustment', 'totalCost',
    ]);
    expect(JSON.stringify(n['properties'])).toBe('{"category":"Compute","service":"Kubernetes","cluster":"c1","name":"n1","providerID":"aws:///eu-west-1a/i-n1"}');
    expect(JSON.stringify(n['labels'])).toBe('{"arch":"amd64","zone":"a"}');
    expect(n).toMatchObject({ type: 'Node', nodeType: 'm5.xlarge', minutes: 60, cpuCores: 4, cpuCost: 0.12647, ramCost: 0.06773, totalCost: 0.19419, adjustment: 0 });
  });

  it('prints a disk and a load balancer in their shapes', () => {
    const d = json['c1/Disk/pv-1'] as Json;
    expect(Object.keys(d)).toEqual([
      'type', 'properties', 'labels', 'window', 'start', 'end', 'minutes', 'byteHours', 'bytes', 'adjustment', 'totalCost',
      'storageClass', 'volumeName', 'claimName', 'claimNamespace',
    ]);
    expect(d).toMatchObject({ type: 'Disk', bytes: 10 * 2 ** 30, totalCost: 0.00055, storageClass: 'gp3', volumeName: 'pv-1', claimName: 'data', claimNamespace: 'shop' });
    const lb = json['c1/LoadBalancer/shop/ingress'] as Json;
    expect(Object.keys(lb)).toEqual(['type', 'properties', 'labels', 'window', 'start', 'end', 'minutes', 'adjustment', 'totalCost', 'ip']);
    expect(lb).toMatchObject({ type: 'LoadBalancer', totalCost: 0.025, ip: '203.0.113.7', properties: { category: 'Network', namespace: 'shop', name: 'ingress' } });
  });

  it('prints absent strings of a node, disk or load balancer as "" (Go prints them always)', () => {
    const bare = buildSets(snapshot({ nodes: [node('n2')], volumes: [volume('pv-2', { storageClass: undefined })], loadBalancers: [loadBalancer('x', { ingress: undefined })] }), HOUR_10, DEFAULT_PRICE_SHEET);
    const j = parse(renderAssetSet(bare.assets));
    expect((j['c1/Node/n2'] as Json)['nodeType']).toBe('');
    expect(j['c1/Disk/pv-2']).toMatchObject({ storageClass: '', claimName: '', claimNamespace: '' });
    expect((j['c1/LoadBalancer/shop/x'] as Json)['ip']).toBe('');
    expect(parse(renderAsset(bare.assets.assets[0]!, HOUR_10))).toEqual(j[bare.assets.assets[0]!.name]);
  });

  it('prints aggregates with their type, count and costs per kind', () => {
    const agg = parse(renderAssetAggregateSet(aggregateAssets(sets.assets, ['cluster'])));
    const c1 = agg['c1'] as Json;
    expect(Object.keys(c1)).toEqual([
      'type', 'properties', 'labels', 'window', 'start', 'end', 'minutes', 'count',
      'cpuCost', 'gpuCost', 'ramCost', 'diskCost', 'loadBalancerCost', 'adjustment', 'totalCost',
    ]);
    expect(c1).toMatchObject({ type: 'Any', count: 3, properties: { cluster: 'c1', service: 'Kubernetes' }, labels: {}, diskCost: 0.00055, loadBalancerCost: 0.025 });
  });
});

describe('the JSON schemas', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const check = (schema: TSchema, value: unknown): void => {
    const validate = ajv.compile(schema);
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  };

  it('accept what the renderers print', () => {
    for (const a of Object.values(parse(renderAllocationSet(sets.allocations)))) check(AllocationJsonSchema, a);
    for (const a of Object.values(parse(renderAssetSet(sets.assets)))) check(AssetJsonSchema, a);
    for (const a of Object.values(parse(renderAssetAggregateSet(aggregateAssets(sets.assets, ['type']))))) check(AssetAggregateJsonSchema, a);
    check(AllocationJsonSchema, parse(renderAllocation(allocation('x', { cpuCost: Number.NaN }), HOUR_10)));
  });

  it('describe every field', () => {
    const undescribed: string[] = [];
    const walk = (schema: TSchema, path: string): void => {
      const props = schema['properties'] as Record<string, TSchema> | undefined;
      for (const [k, s] of Object.entries(props ?? {})) {
        if (typeof s.description !== 'string' || s.description === '') undescribed.push(`${path}.${k}`);
        walk(s, `${path}.${k}`);
      }
      for (const s of (schema['anyOf'] as TSchema[] | undefined) ?? []) walk(s, path);
    };
    walk(AllocationJsonSchema, 'Allocation');
    walk(AssetJsonSchema, 'Asset');
    walk(AssetAggregateJsonSchema, 'AssetAggregate');
    expect(undescribed).toEqual([]);
  });
});

describe('set JSON of sets the pipeline does not make', () => {
  it('renders a set not sorted by name, or naming a record twice, as one object would: first place, last value', () => {
    const x1 = allocation('x', { cpuCost: 1 });
    const y = allocation('y', { cpuCost: 2 });
    const x2 = allocation('x', { cpuCost: 3 });
    const json = parse(renderAllocationSet(allocationSet([y, x1, x2])));
    expect(Object.keys(json)).toEqual(['y', 'x']);
    expect((json.x as Json).cpuCost).toBe(3);
  });
});
