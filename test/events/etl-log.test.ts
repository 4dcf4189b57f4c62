import { describe, expect, it } from 'vitest';
import type { EtlEvent } from '../../src/events/etl-event.js';
import type { EtlKind } from '../../src/events/etl-kinds.js';
import { EtlLog } from '../../src/events/etl-log.js';

const ev = (kind: EtlKind, time: bigint, size?: number): EtlEvent => ({
  kind,
  metadata: size === undefined ? {} : { size },
  time,
  cluster: 'c',
});

describe('EtlLog', () => {
  it('keeps allocation and asset events apart, oldest first', () => {
    const log = new EtlLog(10);
    log.append(ev('AllocationSetSaved', 1n));
    log.append(ev('AssetSetSaved', 2n));
    log.append(ev('AllocationSetLoaded', 3n));
    const view = log.query();
    expect(view.allocation.map((e) => e.kind)).toEqual(['AllocationSetSaved', 'AllocationSetLoaded']);
    expect(view.asset.map((e) => e.kind)).toEqual(['AssetSetSaved']);
  });

  it('keeps the most recent events per category once past capacity', () => {
    const log = new EtlLog(2);
    for (let i = 1; i <= 5; i++) log.append(ev('AllocationSetSaved', BigInt(i), i));
    log.append(ev('AssetSetSaved', 9n));
    expect(log.query().allocation.map((e) => e.metadata.size)).toEqual([4, 5]);
    expect(log.query().asset).toHaveLength(1);
  });

  it('counts every event ever appended, beyond the capacity of the rings', () => {
    const log = new EtlLog(2);
    for (let i = 0; i < 2500; i++) log.append(ev('AllocationSetSaved', BigInt(i)));
    log.append(ev('AssetSetTotaled', 1n));
    expect(log.counters()).toEqual({ AllocationSetSaved: 2500, AssetSetTotaled: 1 });
  });

  it('lists counters in lexical order of kind, as Go prints Kubecost map keys', () => {
    const log = new EtlLog(5);
    log.append(ev('AssetSetSaved', 1n));
    log.append(ev('AllocationSetTotaled', 2n));
    log.append(ev('AllocationSetAggregated', 3n));
    expect(Object.keys(log.counters())).toEqual(['AllocationSetAggregated', 'AllocationSetTotaled', 'AssetSetSaved']);
  });

  it('filters by kind and by a half-open time window but never cuts the counters', () => {
    const log = new EtlLog(10);
    log.append(ev('AllocationSetSaved', 10n));
    log.append(ev('AllocationSetLoaded', 20n));
    log.append(ev('AllocationSetSaved', 30n));
    const view = log.query({ kinds: new Set(['AllocationSetSaved'] as const), window: { start: 10n, end: 30n } });
    expect(view.allocation.map((e) => e.time)).toEqual([10n]);
    expect(view.counters).toEqual({ AllocationSetLoaded: 1, AllocationSetSaved: 2 });
  });

  it('changes its version on every append', () => {
    const log = new EtlLog(1);
    const v0 = log.version;
    log.append(ev('AssetSetSaved', 1n));
    log.append(ev('AssetSetSaved', 2n));
    expect(log.version).toBe(v0 + 2);
  });
});
