import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterCache, type ClusterCacheDeps } from '../../src/etl/cluster-cache.js';
import type { ClusterSnapshot } from '../../src/etl/cluster-state.js';
import type { KubeLogger } from '../../src/kube/watch-types.js';
import type { Window } from '../../src/window.js';
import { FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import {
  cloudNodeObject,
  persistentVolumeClaimObject,
  persistentVolumeObject,
  runningPodObject,
  serviceObject,
  type RunningPodOptions,
} from '../support/fake-kube/objects.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';

// The cache over real HTTP: fake API server → client-node → five watch loops → projections →
// record trackers → snapshot(window). Time is a ManualClock, an hour or more ahead of the fake's
// creation timestamps (which are wall-clock), so every creation is in the clock's past.

const MIN = 60_000;
const HOUR = 60 * MIN;
const GiB = 1024 ** 3;

let fake: FakeKubeServer;
let kubeconfig: FakeKubeconfig;
let clock: ManualClock;
let cache: ClusterCache | undefined;
let warnings: { obj: Record<string, unknown>; msg: string }[];

const log: KubeLogger = { info: () => undefined, warn: (obj, msg) => warnings.push({ obj, msg }), error: (obj, msg) => warnings.push({ obj, msg }) };

beforeEach(async () => {
  fake = await FakeKubeServer.start();
  kubeconfig = await writeKubeconfig(fake.url);
  clock = new ManualClock(Math.ceil(Date.now() / HOUR) * HOUR + HOUR);
  warnings = [];
});

afterEach(async () => {
  await cache?.stop();
  cache = undefined;
  await fake.close();
  await kubeconfig.remove();
});

function create(extra: Partial<ClusterCacheDeps> = {}): ClusterCache {
  // Jitter pinned; no watchdog within a test, whose manual clock jumps by minutes and hours.
  cache = new ClusterCache({ kubeConfig: kubeconfig.kubeConfig, cluster: 'cluster-one', clock, log, tuning: { random: () => 0.5, staleAfterMs: 30 * 24 * HOUR }, ...extra });
  return cache;
}

async function started(extra: Partial<ClusterCacheDeps> = {}): Promise<ClusterCache> {
  const c = create(extra);
  c.start();
  await waitFor(() => c.synced, 'the cache to sync');
  await waitFor(() => fake.openWatches() === 5, 'five open watches');
  return c;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const now = (): number => clock.nowMs();
/** A window around now wide enough for everything the test made. */
const around = (): Window => ({ start: now() - 24 * HOUR, end: now() + HOUR });
const names = (rs: readonly { name: string }[]): string[] => rs.map((r) => r.name).sort();
const created = (resource: string, namespace: string | undefined, name: string): number => Date.parse(fake.get(resource, namespace, name)!.metadata.creationTimestamp);
const pod = (name: string, opts: RunningPodOptions = {}) => fake.create('pods', runningPodObject('shop', name, { startTime: iso(now() - 30 * MIN), ...opts }));

/** Waits until a snapshot of `window` satisfies `check`; returns it. */
async function until(check: (s: ClusterSnapshot) => boolean, what: string, window: Window = around()): Promise<ClusterSnapshot> {
  let snap = cache!.snapshot(window);
  await waitFor(() => check((snap = cache!.snapshot(window))), what);
  return snap;
}

describe('the ETL cluster cache against a fake API server', () => {
  it('is not synced nor ready until every kind has listed', async () => {
    fake.failNext(5, 500, 'list');
    const c = create();
    c.start();
    await waitFor(() => c.statuses().every((s) => s.state === 'backoff'), 'every list to fail');
    expect(c.synced).toBe(false);
    expect(c.statuses().map((s) => s.kind)).toEqual(['Node', 'Pod', 'PersistentVolume', 'PersistentVolumeClaim', 'Service']);
    const before = c.readiness();
    expect(before).toMatchObject({ ready: false, state: 'not synced' });
    expect(before.detail).toMatch(/^Node: backoff \(list: .*500.*\), Pod: backoff/);
    clock.advance(30_000);
    await waitFor(() => c.synced, 'the retried lists');
    expect(c.readiness()).toMatchObject({ ready: true, state: 'synced' });
    await waitFor(() => c.statuses().every((s) => s.state === 'watching'), 'the watches');
    expect(c.readiness()).toEqual({
      ready: true,
      state: 'synced',
      detail: 'Node: watching, Pod: watching, PersistentVolume: watching, PersistentVolumeClaim: watching, Service: watching',
    });
  });

  it('projects every kind into the snapshot, with its times', async () => {
    fake.create('nodes', cloudNodeObject('gpu-1', { instanceType: 'p3.2xlarge', providerID: 'aws:///us-east-1a/i-0abc', cpu: '8', memory: '61Gi', gpus: 1 }));
    fake.create('persistentvolumes', persistentVolumeObject('pvc-1', { storage: '100Gi', storageClass: 'gp3', claim: { namespace: 'db', name: 'data' }, volumeHandle: 'vol-0abc' }));
    fake.create('persistentvolumeclaims', persistentVolumeClaimObject('db', 'data', { storage: '100Gi', volumeName: 'pvc-1' }));
    fake.create('services', serviceObject('shop', 'web', { ingress: [{ hostname: 'a1b2.elb.amazonaws.com' }] }));
    fake.create('services', serviceObject('shop', 'internal', { type: 'ClusterIP' }));
    const startTime = iso(now() - 30 * MIN);
    pod('web-7d4b9c8f5-x2k4q', { node: 'gpu-1', owner: { kind: 'ReplicaSet', name: 'web-7d4b9c8f5' }, labels: { 'pod-template-hash': '7d4b9c8f5' }, claims: ['data'], startTime });
    const c = await started();

    const snap = c.snapshot(around());
    expect(snap.cluster).toBe('cluster-one');
    expect(snap.nodes).toEqual([
      {
        uid: fake.get('nodes', undefined, 'gpu-1')!.metadata.uid,
        name: 'gpu-1',
        labels: { 'kubernetes.io/hostname': 'gpu-1', 'node.kubernetes.io/instance-type': 'p3.2xlarge' },
        instanceType: 'p3.2xlarge',
        providerId: 'aws:///us-east-1a/i-0abc',
        cpuCores: 8,
        ramBytes: 61 * GiB,
        gpus: 1,
        start: created('nodes', undefined, 'gpu-1'),
      },
    ]);
    expect(snap.volumes).toEqual([expect.objectContaining({ name: 'pvc-1', bytes: 100 * GiB, storageClass: 'gp3', claim: { namespace: 'db', name: 'data' }, providerId: 'vol-0abc' })]);
    expect(snap.claims).toEqual([expect.objectContaining({ namespace: 'db', name: 'data', volumeName: 'pvc-1', bytes: 100 * GiB })]);
    expect(snap.loadBalancers).toEqual([expect.objectContaining({ namespace: 'shop', name: 'web', ingress: 'a1b2.elb.amazonaws.com', start: created('services', 'shop', 'web') })]);
    expect(snap.pods).toEqual([
      expect.objectContaining({ name: 'web-7d4b9c8f5-x2k4q', node: 'gpu-1', controllerKind: 'deployment', controller: 'web', claims: ['data'], start: Date.parse(startTime) }),
    ]);
    expect(snap.pods[0]).not.toHaveProperty('end');
    expect(c.stats()).toEqual({
      nodes: { live: 1, ended: 0, droppedEnded: 0 },
      pods: { live: 1, ended: 0, droppedEnded: 0 },
      volumes: { live: 1, ended: 0, droppedEnded: 0 },
      claims: { live: 1, ended: 0, droppedEnded: 0 },
      loadBalancers: { live: 1, ended: 0, droppedEnded: 0 },
    });
  });

  it('names controllers and reads requests as the API server defaults them, warning once for a bad quantity', async () => {
    await started();
    pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } });
    pod('agent-x7k2p', { owner: { kind: 'DaemonSet', name: 'agent' } });
    pod('nightly-28590720-abcde', { owner: { kind: 'Job', name: 'nightly-28590720' } });
    pod('debug', { containers: { app: { limits: { cpu: '500m', memory: '1Gi', 'nvidia.com/gpu': '2' } } } });
    pod('broken', { containers: { app: { requests: { cpu: 'a lot', memory: '1Gi' } } } });
    const snap = await until((s) => s.pods.length === 5, 'five pods');
    const byName = new Map(snap.pods.map((p) => [p.name, p]));
    expect(byName.get('db-0')).toMatchObject({ controllerKind: 'statefulset', controller: 'db' });
    expect(byName.get('agent-x7k2p')).toMatchObject({ controllerKind: 'daemonset', controller: 'agent' });
    expect(byName.get('nightly-28590720-abcde')).toMatchObject({ controllerKind: 'job', controller: 'nightly-28590720' });
    expect(byName.get('debug')).not.toHaveProperty('controllerKind');
    expect(byName.get('debug')?.containers).toEqual([{ name: 'app', cpuCores: 0.5, ramBytes: GiB, gpus: 2 }]);
    expect(byName.get('broken')?.containers).toEqual([{ name: 'app', cpuCores: 0, ramBytes: GiB, gpus: 0 }]);
    fake.update('pods', 'shop', 'broken', (d) => ((d.metadata.labels ??= {})['touched'] = 'yes'));
    await until((s) => s.pods.some((p) => p.labels['touched'] === 'yes'), 'the modification');
    expect(warnings).toEqual([
      { obj: { kind: 'Pod', object: 'shop/broken', problems: [expect.stringMatching(/^spec\.containers\[0\]\.resources\.requests\[cpu\]: invalid quantity "a lot"/) as unknown] }, msg: expect.stringMatching(/problems/) as unknown },
    ]);
  });

  it('records a pod from when it started, not while pending or unscheduled', async () => {
    const c = await started();
    fake.create('pods', { metadata: { name: 'waiting', namespace: 'shop' }, spec: { containers: [{ name: 'app' }] }, status: { phase: 'Pending' } });
    pod('scheduled', { phase: 'Pending', startTime: null });
    pod('marker');
    await until((s) => s.pods.length === 1, 'the marker');
    expect(names(c.snapshot(around()).pods)).toEqual(['marker']);
    const startTime = iso(now() - MIN);
    fake.update('pods', 'shop', 'waiting', (d) => {
      (d.spec as Record<string, unknown>)['nodeName'] = 'node-1';
      d.status = { phase: 'Running', startTime };
    });
    const snap = await until((s) => s.pods.length === 2, 'the started pod');
    expect(snap.pods.find((p) => p.name === 'waiting')).toMatchObject({ node: 'node-1', start: Date.parse(startTime) });
  });

  it('ends a pod that finished at its finishedAt and one deleted when the delete is seen', async () => {
    const t = now();
    const c = await started();
    pod('job-pod', { startTime: iso(t - 40 * MIN), owner: { kind: 'Job', name: 'once' } });
    pod('web', { startTime: iso(t - 40 * MIN) });
    await until((s) => s.pods.length === 2, 'both pods');
    fake.update('pods', 'shop', 'job-pod', (d) => {
      d.status = { phase: 'Succeeded', startTime: iso(t - 40 * MIN), containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, finishedAt: iso(t - 20 * MIN) } } }] };
    });
    clock.advance(5 * MIN);
    fake.delete('pods', 'shop', 'web');
    await until((s) => s.pods.every((p) => p.end !== undefined), 'both ends');
    // Deleting the finished pod later changes nothing: its end is final.
    clock.advance(5 * MIN);
    fake.delete('pods', 'shop', 'job-pod');
    await waitFor(() => c.statuses()[1]?.resourceVersion === String(fake.store.currentRv), 'the second delete');
    const ends = (w: Window) => c.snapshot(w).pods.map((p) => `${p.name} ${(p.start - t) / MIN}..${((p.end ?? NaN) - t) / MIN}`).sort();
    expect(ends({ start: t - HOUR, end: t + HOUR })).toEqual(['job-pod -40..-20', 'web -40..5']);
    // Half-open windows: ending at a window's start is outside it; starting at its end is too.
    expect(ends({ start: t - 20 * MIN, end: t })).toEqual(['web -40..5']);
    expect(ends({ start: t - 20 * MIN - 1, end: t })).toEqual(['job-pod -40..-20', 'web -40..5']);
    expect(ends({ start: t - 2 * HOUR, end: t - 40 * MIN })).toEqual([]);
    expect(ends({ start: t - 2 * HOUR, end: t - 40 * MIN + 1 })).toEqual(['job-pod -40..-20', 'web -40..5']);
    expect(c.stats().pods).toEqual({ live: 0, ended: 2, droppedEnded: 0 });
  });

  it('starts a LoadBalancer when a service is seen turning into one and ends it when seen turning away', async () => {
    fake.create('services', serviceObject('shop', 'web', { type: 'ClusterIP' }));
    const c = await started();
    const t1 = now() + MIN;
    clock.advance(MIN);
    fake.update('services', 'shop', 'web', (d) => ((d.spec as Record<string, unknown>)['type'] = 'LoadBalancer'));
    await until((s) => s.loadBalancers.length === 1, 'the load balancer');
    clock.advance(MIN);
    fake.update('services', 'shop', 'web', (d) => (d.status = { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } }));
    await until((s) => s.loadBalancers[0]?.ingress === '203.0.113.7', 'the ingress');
    clock.advance(MIN);
    fake.update('services', 'shop', 'web', (d) => ((d.spec as Record<string, unknown>)['type'] = 'NodePort'));
    const snap = await until((s) => s.loadBalancers[0]?.end !== undefined, 'the end');
    expect(snap.loadBalancers).toEqual([expect.objectContaining({ name: 'web', ingress: '203.0.113.7', start: t1, end: t1 + 2 * MIN })]);
    expect(c.stats().loadBalancers).toEqual({ live: 0, ended: 1, droppedEnded: 0 });
  });

  it('ends at the relist what was deleted while the watch was down, and the relist is counted', async () => {
    fake.create('nodes', cloudNodeObject('n1'));
    fake.create('nodes', cloudNodeObject('n2'));
    const c = await started();
    fake.dropWatches('nodes');
    await waitFor(() => c.statuses()[0]?.state === 'backoff', 'the node watch to back off');
    fake.delete('nodes', undefined, 'n1');
    fake.compact(); // the DELETED is gone from history: only a relist can find it
    clock.advance(30_000);
    const relistedAt = now();
    await waitFor(() => c.statuses()[0]?.relists === 1 && c.statuses()[0]?.state === 'watching', 'the relist');
    const snap = c.snapshot(around());
    expect(snap.nodes.map((n) => `${n.name} ${n.end === undefined ? 'live' : n.end - relistedAt}`).sort()).toEqual(['n1 0', 'n2 live']);
    expect(fake.calls('nodes')).toContain('list');
    expect(fake.calls('nodes').filter((x) => x === 'list')).toHaveLength(2);
  });

  it('sees a delete and recreate under one name as two records', async () => {
    fake.create('persistentvolumeclaims', persistentVolumeClaimObject('db', 'data'));
    const c = await started();
    clock.advance(MIN);
    fake.recreate('persistentvolumeclaims', 'db', 'data');
    await waitFor(() => c.stats().claims.ended === 1 && c.stats().claims.live === 1, 'the recreate');
    const claims = c.snapshot(around()).claims;
    expect(claims.map((x) => x.name)).toEqual(['data', 'data']);
    expect(new Set(claims.map((x) => x.uid)).size).toBe(2);
  });

  it('forgets ended records on request and caps them per kind', async () => {
    for (const n of ['a', 'b', 'c', 'd']) fake.create('persistentvolumes', persistentVolumeObject(n));
    const c = await started({ maxEndedPerKind: 2 });
    const t = now();
    for (const [i, n] of ['a', 'b', 'c'].entries()) {
      clock.advance(MIN);
      fake.delete('persistentvolumes', undefined, n);
      await waitFor(() => c.stats().volumes.live === 3 - i, `the delete of ${n}`);
    }
    expect(c.stats().volumes).toEqual({ live: 1, ended: 2, droppedEnded: 1 });
    expect(warnings).toEqual([{ obj: { kind: 'PersistentVolume', maxEnded: 2, droppedEnded: 1 }, msg: expect.stringMatching(/dropping the oldest-ended/) as unknown }]);
    // The oldest-ended (a) is gone; b ended at t+2min, c at t+3min.
    expect(names(c.snapshot(around()).volumes)).toEqual(['b', 'c', 'd']);
    c.forgetEndedBefore(t + 2 * MIN);
    expect(names(c.snapshot(around()).volumes)).toEqual(['c', 'd']);
    expect(c.stats().volumes).toEqual({ live: 1, ended: 1, droppedEnded: 1 });
  });
});
