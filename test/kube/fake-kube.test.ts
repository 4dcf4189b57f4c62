import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.js';
import { deploymentObject, FakeKubeServer, nodeObject } from '../support/fake-kube/index.js';
import { readWatch } from './support/read-watch.js';

let fake: FakeKubeServer;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock();
  fake = await FakeKubeServer.start({ clock });
  for (const name of ['a', 'b', 'c', 'd', 'e']) fake.create('deployments', deploymentObject('ns1', name));
});

afterEach(async () => {
  await fake.close();
});

interface ListBody {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: { kind?: string; apiVersion?: string; metadata: { name: string; uid: string; resourceVersion: string } }[];
}

async function getJson(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(fake.url + path);
  return { status: res.status, body: await res.json() };
}

async function getList(path: string): Promise<{ status: number; body: ListBody }> {
  const { status, body } = await getJson(path);
  return { status, body: body as ListBody };
}

describe('the fake API server, read with plain HTTP', () => {
  it('lists with the list kind, a snapshot resourceVersion and items without kind or apiVersion', async () => {
    const { status, body } = await getList('/apis/apps/v1/deployments');
    expect(status).toBe(200);
    expect(body.kind).toBe('DeploymentList');
    expect(body.apiVersion).toBe('apps/v1');
    expect(body.metadata.resourceVersion).toBe(String(fake.store.currentRv));
    expect(body.items.map((i) => i.metadata.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(body.items.every((i) => i.kind === undefined && i.apiVersion === undefined)).toBe(true);
  });

  it('lists one namespace, and cluster-scoped kinds at their own path', async () => {
    fake.create('deployments', deploymentObject('ns2', 'z'));
    fake.create('nodes', nodeObject('n1'));
    const one = await getList('/apis/apps/v1/namespaces/ns2/deployments');
    expect(one.body.items.map((i) => i.metadata.name)).toEqual(['z']);
    const nodes = await getList('/api/v1/nodes');
    expect(nodes.body.kind).toBe('NodeList');
    expect(nodes.body.items.map((i) => i.metadata.name)).toEqual(['n1']);
  });

  it('filters by the field labels each kind takes and refuses any other, as the apiserver does', async () => {
    const names = async (path: string) => (await getList(path)).body.items.map((i) => i.metadata.name);
    expect(await names('/apis/apps/v1/deployments?fieldSelector=metadata.name%3Db')).toEqual(['b']);
    expect(await names('/apis/apps/v1/deployments?fieldSelector=metadata.namespace!%3Dns1')).toEqual([]);
    fake.create('nodes', nodeObject('n1'));
    expect(await names('/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue')).toEqual([]);
    const refused = await getJson('/apis/apps/v1/deployments?fieldSelector=spec.replicas%3D1');
    expect([refused.status, refused.body]).toMatchObject([400, { kind: 'Status', reason: 'BadRequest', message: 'field label not supported: spec.replicas' }]);
    const watch = await getJson('/api/v1/nodes?watch=true&fieldSelector=status.phase%3DReady');
    expect([watch.status, (watch.body as { message: string }).message]).toEqual([400, 'field label not supported: status.phase']);
  });

  it('pages with limit and continue over one snapshot, every page reporting the same resourceVersion', async () => {
    const first = await getList('/apis/apps/v1/deployments?limit=2');
    fake.create('deployments', deploymentObject('ns1', 'aa')); // after the snapshot: not in this list
    const second = await getList(`/apis/apps/v1/deployments?limit=2&continue=${first.body.metadata.continue ?? ''}`);
    const third = await getList(`/apis/apps/v1/deployments?limit=2&continue=${second.body.metadata.continue ?? ''}`);
    expect([first, second, third].map((p) => p.body.items.map((i) => i.metadata.name))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(new Set([first, second, third].map((p) => p.body.metadata.resourceVersion)).size).toBe(1);
    expect(first.body.metadata.remainingItemCount).toBe(3);
    expect(third.body.metadata.continue).toBeUndefined();
  });

  it('answers an expired continue token with 410 Expired and a fresh token', async () => {
    const first = await getList('/apis/apps/v1/deployments?limit=2');
    fake.expireContinueTokens();
    const res = await getJson(`/apis/apps/v1/deployments?limit=2&continue=${first.body.metadata.continue ?? ''}`);
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired', metadata: { continue: expect.stringMatching(/.+/) as unknown } });
  });

  it('gets one object with its kind, and answers 404 with a NotFound Status', async () => {
    const found = await getJson('/apis/apps/v1/namespaces/ns1/deployments/a');
    expect(found.body).toMatchObject({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'a' } });
    const missing = await getJson('/apis/apps/v1/namespaces/ns1/deployments/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'deployments.apps "nope" not found' });
  });

  it('serves discovery for kubectl', async () => {
    const apps = (await getJson('/apis/apps/v1')).body as { resources: { name: string; shortNames?: string[] }[] };
    expect(apps.resources.map((r) => `${r.name}/${(r.shortNames ?? []).join()}`)).toEqual(['deployments/deploy', 'deployments/scale/', 'statefulsets/sts', 'statefulsets/scale/', 'daemonsets/ds']);
    const groups = (await getJson('/apis')).body as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).toEqual(['apps']);
    expect((await getJson('/version')).body).toMatchObject({ major: '1', gitVersion: expect.stringMatching(/^v1\./) as unknown });
  });

  it('streams a watch as newline-delimited JSON, replaying after the given resourceVersion', async () => {
    const from = fake.store.currentRv;
    fake.update('deployments', 'ns1', 'a', (d) => ((d.spec as { replicas: number }).replicas = 3));
    const w = await readWatch(`${fake.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${from}`);
    expect(w.status).toBe(200);
    expect(w.headers.get('transfer-encoding')).toBe('chunked');
    fake.delete('deployments', 'ns1', 'b');
    const events = await w.next(2);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.kind}`)).toEqual(['MODIFIED a Deployment', 'DELETED b Deployment']);
    expect(events[1]!.object.metadata.resourceVersion).toBe(String(fake.store.currentRv));
    w.close();
  });

  it('starts a watch without resourceVersion with a synthetic ADDED per object', async () => {
    const w = await readWatch(`${fake.url}/apis/apps/v1/namespaces/ns1/deployments?watch=true`);
    const events = await w.next(5);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED a', 'ADDED b', 'ADDED c', 'ADDED d', 'ADDED e']);
    w.close();
  });

  it('sends bookmarks only to watches that allowed them', async () => {
    const rv = fake.store.currentRv;
    const plain = await readWatch(`${fake.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${rv}`);
    const allowing = await readWatch(`${fake.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
    expect(fake.sendBookmark('deployments')).toBe(1);
    fake.create('deployments', deploymentObject('ns1', 'f'));
    expect((await allowing.next(2)).map((e) => e.type)).toEqual(['BOOKMARK', 'ADDED']);
    expect((await plain.next(1)).map((e) => e.type)).toEqual(['ADDED']);
    plain.close();
    allowing.close();
  });

  it('with bookmarkEveryMs, bookmarks every watch that allowed them once per period of its clock, as kube-apiserver does', async () => {
    const ticking = await FakeKubeServer.start({ clock, bookmarkEveryMs: 60_000 });
    try {
      ticking.create('deployments', deploymentObject('ns1', 'a'));
      const rv = ticking.store.currentRv;
      const plain = await readWatch(`${ticking.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${rv}`);
      const allowing = await readWatch(`${ticking.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
      clock.advance(59_999);
      ticking.create('deployments', deploymentObject('ns1', 'b'));
      expect((await allowing.next(1)).map((e) => e.type)).toEqual(['ADDED']);
      clock.advance(1);
      const [first] = await allowing.next(1);
      expect(first).toMatchObject({ type: 'BOOKMARK', object: { kind: 'Deployment', metadata: { resourceVersion: String(ticking.store.currentRv) } } });
      clock.advance(60_000);
      expect((await allowing.next(1)).map((e) => e.type)).toEqual(['BOOKMARK']);
      ticking.create('deployments', deploymentObject('ns1', 'c'));
      expect((await plain.next(2)).map((e) => e.type)).toEqual(['ADDED', 'ADDED']);
      plain.close();
      allowing.close();
    } finally {
      await ticking.close();
    }
  });

  it('answers a watch from before the compaction floor with an in-stream ERROR 410, then ends', async () => {
    const old = fake.store.currentRv - 2;
    fake.compact();
    const w = await readWatch(`${fake.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${old}`);
    expect(w.status).toBe(200);
    const events = await w.next(1);
    expect(events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    expect(await w.ended()).toBe('clean');
    expect(fake.calls('deployments')).toEqual([`watch rv=${old} → ERROR 410`]);
  });

  it('keeps maxLogEntries of history: a watch from within it replays, one from before it gets ERROR 410', async () => {
    const small = await FakeKubeServer.start({ clock, maxLogEntries: 3 });
    try {
      const first = small.store.currentRv;
      // Well past twice the bound, so dropped entries have been trimmed off in bulk at least once.
      for (let i = 0; i < 10; i++) small.create('deployments', deploymentObject('ns1', `d${i}`));
      expect(small.store.floor).toBe(first + 7);
      const replay = await readWatch(`${small.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${first + 7}`);
      expect((await replay.next(3)).map((e) => e.object.metadata.name)).toEqual(['d7', 'd8', 'd9']);
      replay.close();
      const tooOld = await readWatch(`${small.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${first + 6}`);
      expect((await tooOld.next(1))[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    } finally {
      await small.close();
    }
  });

  it('resolves watchesFlushed once the events written to open watches are in their sockets', async () => {
    const w = await readWatch(`${fake.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${fake.store.currentRv}`);
    for (const name of ['f', 'g', 'h']) fake.create('deployments', deploymentObject('ns1', name));
    await fake.watchesFlushed('deployments');
    expect((await w.next(3)).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED f', 'ADDED g', 'ADDED h']);
    w.close();
  });

  it('can answer a too-old watch with a plain HTTP 410 instead', async () => {
    const old = fake.store.currentRv - 2;
    fake.compact();
    fake.setExpiredMode('http');
    const res = await fetch(`${fake.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${old}`);
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('ends a watch cleanly after timeoutSeconds of its clock', async () => {
    const w = await readWatch(`${fake.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${fake.store.currentRv}&timeoutSeconds=5`);
    clock.advance(5_000);
    expect(await w.ended()).toBe('clean');
  });

  it('drops watches abruptly, without the terminating chunk', async () => {
    const w = await readWatch(`${fake.url}/apis/apps/v1/deployments?watch=1&resourceVersion=${fake.store.currentRv}`);
    expect(fake.dropWatches()).toBe(1);
    expect(await w.ended()).toBe('error');
  });

  it('fails the next requests on demand, then answers normally', async () => {
    fake.failNext(1, 500, 'list');
    expect((await fetch(`${fake.url}/apis/apps/v1/deployments`)).status).toBe(500);
    expect((await fetch(`${fake.url}/apis/apps/v1/deployments`)).status).toBe(200);
    expect(fake.calls('deployments')).toEqual(['list → 500', 'list']);
  });

  it('refuses connections while stopped and comes back on the same port', async () => {
    const port = fake.port;
    await fake.stop();
    await expect(fetch(`${fake.url}/version`)).rejects.toThrow();
    await fake.restart();
    expect(fake.port).toBe(port);
    expect((await fetch(`${fake.url}/version`)).status).toBe(200);
  });

  it('gives a recreated object a new uid under the same name', () => {
    const before = fake.get('deployments', 'ns1', 'a')!;
    const after = fake.recreate('deployments', 'ns1', 'a');
    expect(after.metadata.name).toBe('a');
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(after.metadata.generation).toBe(1);
  });
});
