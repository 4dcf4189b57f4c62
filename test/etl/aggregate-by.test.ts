import { describe, expect, it } from 'vitest';
import { parseAllocationAggregate, parseAssetAggregate } from '../../src/etl/aggregate-by.js';

describe('parseAllocationAggregate', () => {
  it('takes a comma list of properties and labels, as Kubecost accepts it', () => {
    expect(parseAllocationAggregate('namespace,label:app')).toEqual({ ok: true, by: ['namespace', 'label:app'] });
    expect(parseAllocationAggregate('cluster, node ,controllerKind,controller,pod,container')).toEqual({
      ok: true,
      by: ['cluster', 'node', 'controllerKind', 'controller', 'pod', 'container'],
    });
  });

  it('reads names case-insensitively, keeps label names as written and drops repeats', () => {
    expect(parseAllocationAggregate('Namespace,CONTROLLERKIND,label:App.Kubernetes.io/Name,namespace')).toEqual({
      ok: true,
      by: ['namespace', 'controllerKind', 'label:App.Kubernetes.io/Name'],
    });
  });

  it('refuses what it does not know, naming what it accepts', () => {
    for (const raw of ['deployment', 'namespace,', '', 'label:', 'namespace,,pod']) {
      const r = parseAllocationAggregate(raw);
      expect(r.ok).toBe(false);
    }
    expect(parseAllocationAggregate('namespace,team')).toEqual({ ok: false, reason: '"team" is not a property' });
    expect(parseAllocationAggregate('namespace,,pod')).toEqual({ ok: false, reason: 'an entry is empty' });
    expect(parseAllocationAggregate('label:')).toEqual({ ok: false, reason: 'label: needs a label name' });
  });
});

describe('parseAssetAggregate', () => {
  it('takes cluster, type, category, name, providerID and labels', () => {
    expect(parseAssetAggregate('type,category,label:team')).toEqual({ ok: true, by: ['type', 'category', 'label:team'] });
    expect(parseAssetAggregate('providerid,NAME,cluster')).toEqual({ ok: true, by: ['providerID', 'name', 'cluster'] });
  });

  it('refuses allocation properties', () => {
    expect(parseAssetAggregate('namespace')).toEqual({ ok: false, reason: '"namespace" is not a property' });
  });
});
