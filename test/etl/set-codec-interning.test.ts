import { describe, expect, it } from 'vitest';
import { decodeAllocationSet, encodeAllocationSet } from '../../src/etl/allocation-set-codec.js';
import { SetInterner } from '../../src/etl/set-codec-interning.js';
import type { AllocationProperties } from '../../src/etl/sets.js';
import { allocation, allocationSet, HOUR_11 } from '../support/etl-records.js';

const props = (pod: string, labels: Record<string, string>): AllocationProperties => ({ cluster: 'c1', node: 'n1', namespace: 'shop', controllerKind: 'deployment', controller: 'web', pod, container: 'app', labels, providerID: undefined });

describe('interning across decodes', () => {
  it('gives equal properties, label sets and strings of separately decoded sets as the same frozen objects', () => {
    const a = allocationSet([allocation('x', { properties: props('web-1', { app: 'web', tier: 'front' }) }), allocation('y', { properties: props('web-2', { app: 'web' }) })]);
    // The same contents in another order, so their string tables differ.
    const b = allocationSet([allocation('y', { properties: props('web-2', { app: 'web' }) }), allocation('z', { properties: props('web-3', { tier: 'front', app: 'web' }) }), allocation('x', { properties: props('web-1', { app: 'web', tier: 'front' }) })], HOUR_11);
    const first = decodeAllocationSet(encodeAllocationSet(a));
    const again = decodeAllocationSet(encodeAllocationSet(a));
    const other = decodeAllocationSet(encodeAllocationSet(b));
    expect(again).toStrictEqual(first);
    for (let i = 0; i < 2; i++) {
      const p = first.allocations[i]?.properties;
      expect(again.allocations[i]?.properties).toBe(p);
      expect(Object.isFrozen(p)).toBe(true);
      expect(Object.isFrozen(p?.labels)).toBe(true);
      expect(other.allocations.find((o) => o.name === first.allocations[i]?.name)?.properties).toBe(p);
    }
    // Labels in another key order are another label set (their order is kept), so other properties.
    const z = other.allocations.find((o) => o.name === 'z');
    expect(Object.keys(z?.properties.labels ?? {})).toEqual(['tier', 'app']);
    expect(z?.properties.labels).not.toBe(first.allocations[0]?.properties.labels);
  });

  it('drops its tables before a decode once one is over its bound', () => {
    const interner = new SetInterner({ maxEntries: 2 });
    interner.begin();
    expect(['a', 'b', 'c', 'a'].map((s) => interner.stringId(s))).toEqual([1, 2, 3, 1]);
    interner.begin();
    expect(interner.stringId('c')).toBe(1);
    expect(interner.string(1)).toBe('c');
    interner.begin();
    expect(interner.stringId('c')).toBe(1);
  });
});
