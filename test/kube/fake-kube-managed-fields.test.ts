import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.js';
import { deploymentObject, FakeKubeServer, type ManagedFieldsEntry } from '../support/fake-kube/index.js';

// The fake API server writes metadata.managedFields as kube-apiserver's field manager does, for
// the writes the audit attributes: a create, client-side apply, server-side apply, the scale
// subresource, and an update by another manager that takes the fields it changed.

let fake: FakeKubeServer;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(Date.parse('2026-12-06T10:00:00.250Z'));
  fake = await FakeKubeServer.start({ clock, creationClock: clock });
});

afterEach(async () => {
  await fake.close();
});

const managed = async (name: string): Promise<ManagedFieldsEntry[]> => {
  const res = await fetch(`${fake.url}/apis/apps/v1/namespaces/shop/deployments/${name}`);
  return ((await res.json()) as { metadata: { managedFields: ManagedFieldsEntry[] } }).metadata.managedFields;
};

const CONTAINER = {
  '.': {},
  'f:image': {},
  'f:name': {},
  'f:resources': { 'f:requests': { 'f:cpu': {}, 'f:memory': {} } },
};

describe('managedFields written by the fake API server', () => {
  it('records the creator of an object, with every field it set and none the server owns', async () => {
    fake.create('deployments', deploymentObject('shop', 'api'), { manager: 'kubectl-create' });
    expect(await managed('api')).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: '2026-12-06T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"app"}': CONTAINER } },
            },
          },
        },
      },
    ]);
  });

  it('records client-side apply as kubectl-client-side-apply, owning the last-applied annotation', async () => {
    fake.clientSideApply('deployments', deploymentObject('shop', 'api'));
    const [entry, ...rest] = await managed('api');
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ manager: 'kubectl-client-side-apply', operation: 'Update' });
    expect(entry!.fieldsV1['f:metadata']).toEqual({
      'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
      'f:labels': { '.': {}, 'f:app': {} },
    });
  });

  it('records server-side apply as an Apply entry of the field manager, holding the fields its configuration names', async () => {
    fake.apply('deployments', { metadata: { name: 'api', namespace: 'shop' }, spec: deploymentObject('shop', 'api').spec }, 'argocd-controller');
    const [entry] = await managed('api');
    expect(entry).toMatchObject({ manager: 'argocd-controller', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(Object.keys(entry!.fieldsV1)).toEqual(['f:spec']);
  });

  it('records a scale as the scale subresource, taking spec.replicas from the creator', async () => {
    fake.create('deployments', deploymentObject('shop', 'api'), { manager: 'helm' });
    clock.advance(61_000);
    fake.scale('deployments', 'shop', 'api', 4, 'kube-controller-manager');
    const entries = await managed('api');
    expect(entries.map((e) => [e.manager, e.operation, e.subresource, e.time])).toEqual([
      ['helm', 'Update', undefined, '2026-12-06T10:00:00Z'],
      ['kube-controller-manager', 'Update', 'scale', '2026-12-06T10:01:01Z'],
    ]);
    expect(entries[1]!.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entries[0]!.fieldsV1['f:spec']?.['f:replicas']).toBeUndefined();
    // The key order of each entry is the API server's.
    expect(Object.keys(entries[1]!)).toEqual(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource']);
  });

  it('gives an update by another manager the fields it changed, and leaves the rest with their owner', async () => {
    fake.create('deployments', deploymentObject('shop', 'api'), { manager: 'helm' });
    clock.advance(5_000);
    fake.update(
      'deployments',
      'shop',
      'api',
      (d) => {
        const c = (d.spec as { template: { spec: { containers: { resources: { requests: Record<string, string> } }[] } } }).template.spec.containers[0]!;
        c.resources.requests.cpu = '250m';
      },
      { manager: 'kubectl-edit' },
    );
    const entries = await managed('api');
    expect(entries.map((e) => e.manager)).toEqual(['helm', 'kubectl-edit']);
    expect(entries[1]!.fieldsV1).toEqual({
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:resources': { 'f:requests': { 'f:cpu': {} } } } } } } },
    });
    const helmContainer = entries[0]!.fieldsV1['f:spec']?.['f:template']?.['f:spec']?.['f:containers']?.['k:{"name":"app"}'];
    expect(helmContainer?.['f:resources']).toEqual({ 'f:requests': { 'f:memory': {} } });
  });

  it('keeps managedFields as they were on an update the test makes without a manager', async () => {
    fake.create('deployments', deploymentObject('shop', 'api'), { manager: 'helm' });
    const before = await managed('api');
    fake.update('deployments', 'shop', 'api', (d) => {
      (d.metadata.labels as Record<string, string>)['touched'] = 'yes';
    });
    expect(await managed('api')).toEqual(before);
  });
});
