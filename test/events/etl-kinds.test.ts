import { describe, expect, it } from 'vitest';
import { categoryOf, ETL_KINDS, resolveKindFilter } from '../../src/events/etl-kinds.js';

const selected = (value: string) => {
  const r = resolveKindFilter(value);
  return 'kinds' in r ? [...r.kinds].sort() : r;
};

describe('ETL kinds', () => {
  it('has the 14 documented kinds plus the two Deleted kinds Kubecost counts', () => {
    expect(ETL_KINDS).toHaveLength(16);
    expect(ETL_KINDS).toContain('AllocationSetReconcileError');
    expect(ETL_KINDS).toContain('AssetSetDeleted');
  });

  it('puts each kind in its category', () => {
    expect(categoryOf('AllocationSetSaved')).toBe('allocation');
    expect(categoryOf('AssetSetTotaled')).toBe('asset');
  });

  it('selects one kind by its full name', () => {
    expect(selected('AllocationSetSaved')).toEqual(['AllocationSetSaved']);
  });

  it('selects every kind of a category by the prefix AssetSet', () => {
    expect(selected('AssetSet')).toEqual(ETL_KINDS.filter((k) => k.startsWith('AssetSet')).sort());
  });

  it('accepts the Event suffix of the older docs', () => {
    expect(selected('AllocationSetSavedEvent')).toEqual(['AllocationSetSaved']);
  });

  it('selects the union of a comma list, ignoring blanks around entries', () => {
    expect(selected('AllocationSetSaved, AssetSetLoadedEvent,')).toEqual(['AllocationSetSaved', 'AssetSetLoaded']);
  });

  it('selects both ReconcileError and Reconciled by the prefix AllocationSetReconcile', () => {
    expect(selected('AllocationSetReconcile')).toEqual(['AllocationSetReconcileError', 'AllocationSetReconciled']);
  });

  it('names the first entry that matches no kind', () => {
    expect(selected('AssetSet,Bogus,AlsoBogus')).toEqual({ unknown: 'Bogus' });
  });

  it('is case-sensitive, as the kinds are', () => {
    expect(selected('assetset')).toEqual({ unknown: 'assetset' });
  });
});
