import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { aggregateAllocations } from '../../src/etl/aggregate-allocations.js';
import { decodeAllocationSet, encodeAllocationSet } from '../../src/etl/allocation-set-codec.js';
import { decodeAssetSet, encodeAssetSet } from '../../src/etl/asset-set-codec.js';
import { buildSets } from '../../src/etl/build-sets.js';
import { SetCodecError } from '../../src/etl/set-codec.js';
import type { AllocationSet, AssetSet } from '../../src/etl/sets.js';
import { syntheticPriceSheet, syntheticSnapshot } from '../support/etl-snapshot.js';
import { allocation, allocationSet, assetSet, claim, HOUR_10, loadBalancer, node, pod, snapshot, volume } from '../support/etl-records.js';

/** Every field, including the ones a structural comparison would let slip (undefined vs absent is fine; -0 vs 0 and NaN are not). */
function expectSame<T>(actual: T, expected: T): void {
  expect(actual).toEqual(expected);
  expect(JSON.stringify(actual, exactNumbers)).toBe(JSON.stringify(expected, exactNumbers));
}

function exactNumbers(_key: string, v: unknown): unknown {
  return typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : v;
}

const synthetic = buildSets(syntheticSnapshot({ nodes: 30, pods: 800, window: HOUR_10, seed: 3 }), HOUR_10, syntheticPriceSheet());

describe('allocation sets', () => {
  it('round-trip exactly, floats to the last bit', () => {
    expectSame(decodeAllocationSet(encodeAllocationSet(synthetic.allocations)), synthetic.allocations);
  });

  it('round-trip aggregates, whose names are not derived from their properties, and a reconciliation stamp', () => {
    const agg = { ...aggregateAllocations(synthetic.allocations, ['namespace', 'label:team']), reconciled: { source: 'sha256:abc', at: 1714730000000 } };
    expectSame(decodeAllocationSet(encodeAllocationSet(agg)), agg);
  });

  it('keep NaN, ±Infinity, -0 and the smallest doubles as they are', () => {
    const odd = allocationSet([
      allocation('x', { cpuCost: Number.NaN, ramCost: -0, gpuCost: Number.POSITIVE_INFINITY, pvCost: Number.NEGATIVE_INFINITY, cpuCostAdjustment: 5e-324, ramByteHours: Number.MAX_VALUE }),
      allocation('y/__idle__', { properties: { labels: Object.fromEntries([['a.b/c', 'ü ✓'], ['__proto__', 'x']]) } }),
    ]);
    const back = decodeAllocationSet(encodeAllocationSet(odd));
    expectSame(back, odd);
    expect(Object.is(back.allocations[0]?.ramCost, -0)).toBe(true);
    const labels = back.allocations[1]?.properties.labels ?? {};
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['a.b/c', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value).toBe('x');
  });

  it('round-trip each volume’s share (pvs)', () => {
    const withPvs = synthetic.allocations.allocations.filter((a) => a.pvs !== undefined);
    expect(withPvs.length).toBeGreaterThan(10);
    const set = allocationSet([
      allocation('a', { pvs: { 'pv-1': { byteHours: 1.5, cost: -0 }, 'pv-2': { byteHours: Number.NaN, cost: 1e-300 } } }),
      allocation('b'),
      allocation('c', { pvs: {} }),
    ]);
    const back = decodeAllocationSet(encodeAllocationSet(set));
    expectSame(back.allocations[0], set.allocations[0]);
    expect(back.allocations[1]?.pvs).toBeUndefined();
    // An empty pvs holds nothing to store: it comes back absent.
    expect(back.allocations[2]?.pvs).toBeUndefined();
  });

  it('round-trip an empty set', () => {
    const empty = allocationSet([]);
    expectSame(decodeAllocationSet(encodeAllocationSet(empty)), empty);
  });

  it('are compact: a set of thousands of allocations is a few hundred bytes per hundred records', () => {
    const bytes = encodeAllocationSet(synthetic.allocations);
    expect(bytes.length / synthetic.allocations.allocations.length).toBeLessThan(40);
  });
});

describe('asset sets', () => {
  it('round-trip exactly, every type and optional field', () => {
    expectSame(decodeAssetSet(encodeAssetSet(synthetic.assets)), synthetic.assets);
    const small = buildSets(
      snapshot({
        nodes: [node('n1', { instanceType: 'm5.xlarge', gpus: 1 }), node('n2', { providerId: undefined, labels: {} })],
        claims: [claim('data', { volumeName: 'pv-1' })],
        volumes: [volume('pv-1', { claim: { namespace: 'shop', name: 'data' } }), volume('pv-2', { storageClass: undefined })],
        loadBalancers: [loadBalancer('lb', { ingress: undefined })],
        pods: [pod('p')],
      }),
      HOUR_10,
      DEFAULT_PRICE_SHEET,
    ).assets;
    const stamped: AssetSet = { ...small, reconciled: { source: 'cur-2024-05', at: 1 }, assets: small.assets.map((a) => ({ ...a, adjustment: -0.125 })) };
    expectSame(decodeAssetSet(encodeAssetSet(stamped)), stamped);
  });

  it('keep a name that is not the one the properties give', () => {
    const renamed = assetSet([{ ...synthetic.assets.assets[0]!, name: 'custom' }]);
    expectSame(decodeAssetSet(encodeAssetSet(renamed)), renamed);
  });
});

/** Re-encodes a valid allocation set's payload after `edit` changes it. */
function tampered(edit: (payload: Buffer) => Buffer, set: AllocationSet = allocationSet([allocation('x'), allocation('c1/n1/__idle__', { properties: { cluster: 'c1', node: 'n1' } })])): Uint8Array {
  const good = encodeAllocationSet(set);
  const payload = gunzipSync(good.subarray(2));
  return Uint8Array.from([...good.subarray(0, 2), ...gzipSync(edit(Buffer.from(payload)))]);
}

/** A payload with its header replaced by `header` and the columns kept. */
function withHeader(mutate: (h: Record<string, unknown>) => unknown): (p: Buffer) => Buffer {
  return (p) => {
    const length = p.readUInt32LE(0);
    const header = mutate(JSON.parse(p.toString('utf8', 4, 4 + length)) as Record<string, unknown>);
    const json = Buffer.from(JSON.stringify(header));
    const rest = p.subarray((4 + length + 7) & ~7);
    const head = Buffer.alloc((4 + json.length + 7) & ~7);
    head.writeUInt32LE(json.length, 0);
    json.copy(head, 4);
    return Buffer.concat([head, rest]);
  };
}

describe('decoding bytes that are not a set', () => {
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['nothing', () => new Uint8Array(0), /too short/],
    ['another format version', () => Uint8Array.from([2, ...encodeAllocationSet(allocationSet([])).subarray(1)]), /format version 2; this build reads version 1/],
    ['an asset set', () => encodeAssetSet(assetSet([])), /hold an asset set, not an allocation set/],
    ['truncated', () => encodeAllocationSet(synthetic.allocations).subarray(0, 500), /compressed payload is corrupt/],
    ['a flipped bit', () => {
      const b = Uint8Array.from(encodeAllocationSet(synthetic.allocations));
      b[Math.floor(b.length / 2)]! ^= 0x10;
      return b;
    }, /compressed payload is corrupt/],
    ['gzip of something else', () => Uint8Array.from([1, 1, ...gzipSync(Buffer.from('hello, world'))]), /header length \d+ runs past the payload/],
    ['a header that is not JSON', () => tampered((p) => { p.write('!', 4); return p; }), /header is not JSON/],
    ['a header of the wrong shape', () => tampered(withHeader((h) => ({ ...h, strings: 'abc' }))), /strings is not a list of strings/],
    ['a header that is not an object', () => tampered(withHeader(() => [1, 2])), /header is malformed: not an object/],
    ['a bad window', () => tampered(withHeader((h) => ({ ...h, window: [0, 'x'] }))), /window is not two epoch milliseconds/],
    ['a count the names do not match', () => tampered(withHeader((h) => ({ ...h, n: 3 }))), /names does not hold 3 entries/],
    ['columns that do not fit the count', () => tampered((p) => Buffer.concat([p, Buffer.alloc(8)])), /the payload is \d+ bytes; 2 records need \d+/],
    ['a string index outside the table', () => tampered(withHeader((h) => ({ ...h, strings: [] }))), /string index \d+ is outside the table/],
    ['a label set pointing past the table', () => tampered(withHeader((h) => ({ ...h, labels: [[0, 99]] }))), /label set refers past the string table/],
    ['a record without a name', () => tampered(withHeader((h) => ({ ...h, names: [null, null], strings: [] })), allocationSet([allocation('x'), allocation('y')])), /no name and none derivable/],
    ['a pv entry past the records', () => tampered(withHeader((h) => ({ ...h, pv: [5, 0] }))), /pv entry refers past the records or the string table/],
    ['a pv list of odd length', () => tampered(withHeader((h) => ({ ...h, pv: [0] }))), /pv is not a list of record and volume pairs/],
    ['a bad reconciliation stamp', () => tampered(withHeader((h) => ({ ...h, reconciled: ['x'] }))), /reconciled is neither null nor \[source, at\]/],
  ];

  it.each(cases)('throws SetCodecError for %s', (_what, bytes, message) => {
    let thrown: unknown;
    try {
      decodeAllocationSet(bytes());
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SetCodecError);
    expect((thrown as Error).message).toMatch(message);
  });

  it('throws SetCodecError for an asset of unknown type or a disk without its volume name', () => {
    const good = encodeAssetSet(synthetic.assets);
    const payload = gunzipSync(good.subarray(2));
    const n = synthetic.assets.assets.length;
    const intsAt = (4 + payload.readUInt32LE(0) + 7) & ~7;
    const typeColumn = 6; // after the six properties
    const badType = Buffer.from(payload);
    badType.writeInt32LE(7, intsAt + typeColumn * n * 4);
    expect(() => decodeAssetSet(Uint8Array.from([1, 2, ...gzipSync(badType)]))).toThrow(/asset type 7 is unknown/);
    const disk = synthetic.assets.assets.findIndex((a) => a.type === 'Disk');
    const noVolume = Buffer.from(payload);
    noVolume.writeInt32LE(-1, intsAt + (10 * n + disk) * 4);
    expect(() => decodeAssetSet(Uint8Array.from([1, 2, ...gzipSync(noVolume)]))).toThrow(SetCodecError);
    expect(() => decodeAssetSet(encodeAllocationSet(allocationSet([])))).toThrow(/hold an allocation set, not an asset set/);
  });
});
