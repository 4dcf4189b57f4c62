import { describe, expect, it } from 'vitest';
import { fieldOwners } from '../../src/audit/field-owners.js';
import { sourceOf } from '../../src/audit/source.js';

const entry = (manager: string, time: string, fieldsV1: unknown, extra: Record<string, string> = {}) => ({
  manager,
  operation: 'Update',
  apiVersion: 'apps/v1',
  time,
  fieldsType: 'FieldsV1',
  fieldsV1,
  ...extra,
});
const RESOURCES = { 'f:spec': { 'f:template': { 'f:spec': { 'f:initContainers': { 'k:{"name":"migrate"}': { 'f:resources': {} } } } } } };

describe('fieldOwners', () => {
  it('finds the creator, the latest owner of replicas and of an init container\'s resources', () => {
    const owners = fieldOwners(
      [
        entry('helm', '2026-12-06T10:00:00Z', { 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } } }),
        entry('kube-controller-manager', '2026-12-06T10:05:00Z', { 'f:spec': { 'f:replicas': {} } }, { subresource: 'scale' }),
        entry('kubectl-edit', '2026-12-06T10:02:00Z', RESOURCES),
      ],
      false,
    );
    expect(owners).toEqual({
      creator: { manager: 'helm', operation: 'Update', time: '2026-12-06T10:00:00Z' },
      replicas: { manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', time: '2026-12-06T10:05:00Z' },
      resources: { manager: 'kubectl-edit', operation: 'Update', time: '2026-12-06T10:02:00Z' },
      images: { manager: 'helm', operation: 'Update', time: '2026-12-06T10:00:00Z' },
    });
  });

  it('prefers the owner of requests to one holding only `resources: {}`, in the same second whatever the managers\' names', () => {
    const nginx = (fields: unknown) => ({ 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': fields } } } } });
    const owners = fieldOwners(
      [
        entry('goldilocks', '2026-12-06T10:00:00Z', nginx({ 'f:resources': { 'f:requests': { '.': {}, 'f:cpu': {} } } })),
        entry('kubectl-create', '2026-12-06T10:00:00Z', nginx({ '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} })),
      ],
      false,
    );
    expect(owners.resources.manager).toBe('goldilocks');
  });

  it('reads a Pod\'s containers from its own spec, and says unknown for what no entry holds', () => {
    const owners = fieldOwners([entry('kubectl-run', '2026-12-06T10:00:00Z', { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { 'f:resources': {} } } } })], true);
    expect(owners.resources.manager).toBe('kubectl-run');
    expect(owners.replicas).toEqual({ manager: 'unknown' });
    expect(owners.images).toEqual({ manager: 'unknown' });
  });

  it('says unknown for an object without managedFields, or with entries it cannot read', () => {
    expect(fieldOwners(undefined, false).creator).toEqual({ manager: 'unknown' });
    expect(fieldOwners([null, 'x', { manager: 7 }], false).creator).toEqual({ manager: 'unknown' });
  });
});

describe('sourceOf', () => {
  it.each([
    ['Helm by its release annotations', {}, { 'meta.helm.sh/release-name': 'shop', 'meta.helm.sh/release-namespace': 'apps' }, { tool: 'helm', name: 'shop', namespace: 'apps' }],
    ['Helm by the managed-by label alone', { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'shop' }, {}, { tool: 'helm', name: 'shop' }],
    ['Argo CD by its tracking id, over the Helm labels of the chart it rendered', { 'app.kubernetes.io/managed-by': 'Helm' }, { 'argocd.argoproj.io/tracking-id': 'storefront:apps/Deployment:shop/api' }, { tool: 'argocd', name: 'storefront' }],
    ['Argo CD by its instance label', { 'argocd.argoproj.io/instance': 'storefront' }, {}, { tool: 'argocd', name: 'storefront' }],
    ['Flux by its Kustomization labels', { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' }, {}, { tool: 'flux', name: 'apps', namespace: 'flux-system' }],
    ['Flux helm-controller over the Helm annotations it also writes', { 'helm.toolkit.fluxcd.io/name': 'redis' }, { 'meta.helm.sh/release-name': 'x' }, { tool: 'flux', name: 'redis' }],
    ['kubectl by the last-applied annotation', {}, { 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, { tool: 'kubectl' }],
    ['nothing known', { app: 'x' }, {}, { tool: 'unknown' }],
  ])('%s', (_name, labels, annotations, expected) => {
    expect(sourceOf(labels, annotations)).toEqual(expected);
  });
});
