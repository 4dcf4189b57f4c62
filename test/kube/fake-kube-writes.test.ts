import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploymentObject, FakeKubeServer, type ManagedFieldsEntry } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { readWatch } from './support/read-watch.js';

// Writes over plain HTTP, the way any client sends them; test/kube/kubectl-writes.test.ts drives
// the same paths with the real kubectl.

let fake: FakeKubeServer;
const BASE = '/apis/apps/v1/namespaces/shop/deployments';

beforeEach(async () => {
  fake = await FakeKubeServer.start({ creationClock: new ManualClock('2026-12-06T10:00:00Z') });
});

afterEach(async () => {
  await fake.close();
});

interface Obj {
  kind?: string;
  metadata: { name: string; resourceVersion: string; generation: number; uid: string; managedFields?: ManagedFieldsEntry[] };
  spec: { replicas: number; template: { spec: { containers: { name: string; image: string; env?: unknown }[] } } };
  status?: unknown;
  code?: number;
  reason?: string;
  message?: string;
}

async function send(method: string, path: string, body?: unknown, contentType = 'application/json', userAgent = 'deploy-bot/2.1 (linux/amd64)'): Promise<{ status: number; body: Obj }> {
  const res = await fetch(fake.url + path, {
    method,
    headers: { 'content-type': contentType, 'user-agent': userAgent },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

const managers = (o: Obj) => (o.metadata.managedFields ?? []).map((e) => `${e.manager} ${e.operation}${e.subresource === undefined ? '' : `/${e.subresource}`}`);
const web = { apiVersion: 'apps/v1', kind: 'Deployment', ...deploymentObject('shop', 'web', 2) };

describe('writes over HTTP', () => {
  it('creates with the field manager the User-Agent names, then patches, each write a new resourceVersion and a watch event', async () => {
    const w = await readWatch(`${fake.url}${BASE}?watch=1&resourceVersion=${fake.store.currentRv}`);
    const created = await send('POST', BASE, web);
    expect(created.status).toBe(201);
    expect(created.body.kind).toBe('Deployment');
    expect(created.body.status).toEqual({});
    expect(managers(created.body)).toEqual(['deploy-bot Update']);

    const merged = await send('PATCH', `${BASE}/web?fieldManager=tuner`, { spec: { replicas: 5 } }, 'application/merge-patch+json');
    expect(merged.status).toBe(200);
    expect(merged.body.spec.replicas).toBe(5);
    expect(merged.body.metadata.generation).toBe(2);
    expect(Number(merged.body.metadata.resourceVersion)).toBe(Number(created.body.metadata.resourceVersion) + 1);
    expect(managers(merged.body)).toEqual(['deploy-bot Update', 'tuner Update']);

    const events = await w.next(2);
    expect(events.map((e) => `${e.type} ${e.object.metadata.resourceVersion}`)).toEqual([`ADDED ${created.body.metadata.resourceVersion}`, `MODIFIED ${merged.body.metadata.resourceVersion}`]);
    w.close();

    // The same patch again changes nothing: no write, the same resourceVersion.
    const again = await send('PATCH', `${BASE}/web?fieldManager=tuner`, { spec: { replicas: 5 } }, 'application/merge-patch+json');
    expect(again.body.metadata.resourceVersion).toBe(merged.body.metadata.resourceVersion);
  });

  it('merges a strategic merge patch by container name, applies JSON patches, refuses a failed test op', async () => {
    await send('POST', BASE, web);
    const sm = await send(
      'PATCH',
      `${BASE}/web`,
      { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'envoy:1' }, { name: 'app', env: [{ name: 'A', value: '1' }] }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(sm.body.spec.template.spec.containers.map((c) => `${c.name} ${c.image} ${JSON.stringify(c.env ?? null)}`)).toEqual(['app nginx:1.27 [{"name":"A","value":"1"}]', 'sidecar envoy:1 null']);
    const removed = await send('PATCH', `${BASE}/web`, { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } }, 'application/strategic-merge-patch+json');
    expect(removed.body.spec.template.spec.containers.map((c) => c.name)).toEqual(['app']);

    const jp = await send('PATCH', `${BASE}/web`, [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'replace', path: '/spec/replicas', value: 7 }], 'application/json-patch+json');
    expect(jp.body.spec.replicas).toBe(7);
    const failed = await send('PATCH', `${BASE}/web`, [{ op: 'test', path: '/spec/replicas', value: 2 }], 'application/json-patch+json');
    expect([failed.status, failed.body.message]).toEqual([422, 'testing value /spec/replicas failed']);
    const unknown = await send('PATCH', `${BASE}/web`, {}, 'text/plain');
    expect(unknown.status).toBe(415);
  });

  it('updates with PUT under a resourceVersion precondition', async () => {
    const created = (await send('POST', `${BASE}?fieldManager=helm`, web)).body;
    const put = await send('PUT', `${BASE}/web?fieldManager=helm`, { ...created, spec: { ...created.spec, replicas: 3 } });
    expect([put.status, put.body.spec.replicas]).toEqual([200, 3]);
    const stale = await send('PUT', `${BASE}/web`, { ...created, spec: { ...created.spec, replicas: 4 } });
    expect([stale.status, stale.body.reason]).toEqual([409, 'Conflict']);
    expect(stale.body.message).toContain('the object has been modified');
  });

  it('server-side apply: fieldManager required, created with an Apply entry, a conflict unless forced', async () => {
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n';
    const nameless = await send('PATCH', `${BASE}/web`, yaml, 'application/apply-patch+yaml');
    expect([nameless.status, nameless.body.message]).toEqual([422, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch']);
    const created = await send('PATCH', `${BASE}/web?fieldManager=argocd-controller`, yaml, 'application/apply-patch+yaml');
    expect([created.status, managers(created.body)]).toEqual([201, ['argocd-controller Apply']]);
    await send('PATCH', `${BASE}/web/scale?fieldManager=kube-controller-manager`, { spec: { replicas: 6 } }, 'application/merge-patch+json');
    const again = await send('PATCH', `${BASE}/web?fieldManager=argocd-controller`, yaml, 'application/apply-patch+yaml');
    expect([again.status, again.body.message]).toEqual([409, 'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "scale" using apps/v1: .spec.replicas']);
    const forced = await send('PATCH', `${BASE}/web?fieldManager=argocd-controller&force=true`, yaml, 'application/apply-patch+yaml');
    expect([forced.status, forced.body.spec.replicas, managers(forced.body)]).toEqual([200, 2, ['argocd-controller Apply']]);
    // The same configuration again changes nothing: no write.
    const same = await send('PATCH', `${BASE}/web?fieldManager=argocd-controller`, yaml, 'application/apply-patch+yaml');
    expect([same.status, same.body.metadata.resourceVersion]).toEqual([200, forced.body.metadata.resourceVersion]);

    // Several conflicts are grouped by manager, one field a line.
    await send('POST', `${BASE}?fieldManager=helm`, { ...web, metadata: { ...web.metadata, name: 'api' } });
    const config = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } };
    const two = await send('PATCH', `${BASE}/api?fieldManager=argocd-controller`, JSON.stringify(config), 'application/apply-patch+yaml');
    expect([two.status, two.body.message]).toEqual([409, 'Apply failed with 2 conflicts: conflicts with "helm" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="app"].image']);
  });

  it('serves the scale subresource, writing as the in-process scale() does', async () => {
    fake.create('deployments', deploymentObject('shop', 'a'), { manager: 'helm' });
    fake.create('deployments', deploymentObject('shop', 'b'), { manager: 'helm' });
    const scale = await send('GET', `${BASE}/a/scale`);
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { replicas: 1, selector: 'app=a' } });
    const put = await send('PUT', `${BASE}/a/scale`, { ...scale.body, spec: { replicas: 4 } }, 'application/json', 'kube-controller-manager/v1.30.0 (linux/amd64)');
    expect(put.body).toMatchObject({ kind: 'Scale', spec: { replicas: 4 } });
    fake.scale('deployments', 'shop', 'b', 4, 'kube-controller-manager');
    const a = fake.get('deployments', 'shop', 'a')!;
    const b = fake.get('deployments', 'shop', 'b')!;
    expect(a.metadata.managedFields).toEqual(b.metadata.managedFields);
    expect(managers(a as unknown as Obj)).toEqual(['helm Update', 'kube-controller-manager Update/scale']);
    expect((await send('GET', '/apis/apps/v1/namespaces/shop/daemonsets/x/scale')).status).toBe(404);
  });

  it('deletes, refuses dryRun, answers 404 and 409 as the API server does', async () => {
    await send('POST', BASE, web);
    expect((await send('POST', BASE, web)).body.reason).toBe('AlreadyExists');
    expect((await send('PATCH', `${BASE}/web?dryRun=All`, { spec: { replicas: 9 } }, 'application/merge-patch+json')).status).toBe(400);
    const gone = await send('DELETE', `${BASE}/web`);
    expect(gone.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'web', group: 'apps', kind: 'deployments' } });
    expect((await send('DELETE', `${BASE}/web`)).body).toMatchObject({ code: 404, reason: 'NotFound', message: 'deployments.apps "web" not found' });
    expect((await send('PATCH', `${BASE}/web`, {}, 'application/merge-patch+json')).status).toBe(404);
    // kubectl 1.32's typed clients (`kubectl create deployment`) send protobuf: the fake decodes JSON and YAML only.
    expect((await send('POST', BASE, 'k8s\u0000', 'application/vnd.kubernetes.protobuf')).status).toBe(415);
    expect((await send('POST', '/apis/apps/v1/namespaces/other/deployments', web)).body.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
  });
});
