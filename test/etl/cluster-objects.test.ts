import { describe, expect, it } from 'vitest';
import { observeClaim, observeLoadBalancer, observeNode, observePod, observeVolume, podController } from '../../src/etl/cluster-objects.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import {
  cloudNodeObject,
  persistentVolumeClaimObject,
  persistentVolumeObject,
  runningPodObject,
  serviceObject,
  type RunningPodOptions,
} from '../support/fake-kube/objects.js';
import type { NewFakeObject } from '../support/fake-kube/types.js';

const SEEN = Date.parse('2024-05-03T09:00:00Z');
const ctx = { seenMs: SEEN };
const CREATED = '2024-05-01T00:00:00Z';

/** What the API server adds to a stored object: uid, resourceVersion, creationTimestamp. */
function stored(obj: NewFakeObject, creationTimestamp: unknown = CREATED): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, uid: `uid-${obj.metadata.name}`, resourceVersion: '7', creationTimestamp } };
}

const pod = (opts: RunningPodOptions = {}, name = 'web-7d4b9c8f5-x2k4q') => observePod(stored(runningPodObject('shop', name, opts)), ctx);
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('observePod', () => {
  it('records a running pod of a Deployment: its ReplicaSet named <deployment>-<pod-template-hash>', () => {
    const o = pod({ node: 'node-a', owner: { kind: 'ReplicaSet', name: 'web-7d4b9c8f5' }, labels: { app: 'web', 'pod-template-hash': '7d4b9c8f5' }, claims: ['data'] });
    expect(o).toEqual({
      uid: 'uid-web-7d4b9c8f5-x2k4q',
      ref: 'shop/web-7d4b9c8f5-x2k4q',
      record: {
        uid: 'uid-web-7d4b9c8f5-x2k4q',
        namespace: 'shop',
        name: 'web-7d4b9c8f5-x2k4q',
        node: 'node-a',
        labels: { app: 'web', 'pod-template-hash': '7d4b9c8f5' },
        controllerKind: 'deployment',
        controller: 'web',
        containers: [{ name: 'app', cpuCores: 0.1, ramBytes: 32 * MiB, gpus: 0 }],
        claims: ['data'],
        start: Date.parse('2024-05-03T08:00:00Z'),
      },
    });
  });

  it('names the controller of statefulset, daemonset, job and bare pods', () => {
    expect(pod({ owner: { kind: 'StatefulSet', name: 'db' } }).record).toMatchObject({ controllerKind: 'statefulset', controller: 'db' });
    expect(pod({ owner: { kind: 'DaemonSet', name: 'agent' } }).record).toMatchObject({ controllerKind: 'daemonset', controller: 'agent' });
    // A Job made by a CronJob (nightly-28590720) stays a job: its name is no proof of a CronJob.
    expect(pod({ owner: { kind: 'Job', name: 'nightly-28590720' } }).record).toMatchObject({ controllerKind: 'job', controller: 'nightly-28590720' });
    const bare = pod({}, 'debug').record;
    expect(bare).toBeDefined();
    expect(bare).not.toHaveProperty('controllerKind');
    expect(bare).not.toHaveProperty('controller');
  });

  it('keeps a ReplicaSet as a replicaset when its name does not end in the pod-template-hash', () => {
    expect(podController([{ kind: 'ReplicaSet', name: 'web-abc' }], { 'pod-template-hash': 'xyz' })).toEqual({ controllerKind: 'replicaset', controller: 'web-abc' });
    expect(podController([{ kind: 'ReplicaSet', name: 'web-abc' }], {})).toEqual({ controllerKind: 'replicaset', controller: 'web-abc' });
    // Nothing would be left of the Deployment's name.
    expect(podController([{ kind: 'ReplicaSet', name: '-abc' }], { 'pod-template-hash': 'abc' })).toEqual({ controllerKind: 'replicaset', controller: '-abc' });
  });

  it('takes the owner marked controller, else the first', () => {
    const refs = [
      { kind: 'ConfigMap', name: 'first' },
      { kind: 'StatefulSet', name: 'db', controller: true },
    ];
    expect(podController(refs, {})).toEqual({ controllerKind: 'statefulset', controller: 'db' });
    expect(podController([{ kind: 'Rollout', name: 'canary' }], {})).toEqual({ controllerKind: 'rollout', controller: 'canary' });
    expect(podController('junk', {})).toEqual({});
  });

  it('reads requests, defaulting a request to its limit, and GPUs from requests or limits', () => {
    const o = pod({
      containers: {
        app: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
        limited: { limits: { cpu: '500m', memory: '64Mi', 'nvidia.com/gpu': '1' } },
        trainer: { requests: { cpu: 2, 'nvidia.com/gpu': 2, 'amd.com/gpu': '1' }, limits: { 'nvidia.com/gpu': 2, 'amd.com/gpu': '1' } },
        none: {},
      },
    });
    expect(o.record?.containers).toEqual([
      { name: 'app', cpuCores: 0.25, ramBytes: GiB, gpus: 0 },
      { name: 'limited', cpuCores: 0.5, ramBytes: 64 * MiB, gpus: 1 },
      { name: 'trainer', cpuCores: 2, ramBytes: 0, gpus: 3 },
      { name: 'none', cpuCores: 0, ramBytes: 0, gpus: 0 },
    ]);
    expect(o.problems).toBeUndefined();
  });

  it('counts a bad quantity as 0 and says where it was, without throwing', () => {
    const o = pod({ containers: { app: { requests: { cpu: 'lots', memory: '-1Gi' } }, gpu: { limits: { 'example.com/gpu': '1.5.2' } } } });
    expect(o.record?.containers).toEqual([
      { name: 'app', cpuCores: 0, ramBytes: 0, gpus: 0 },
      { name: 'gpu', cpuCores: 0, ramBytes: 0, gpus: 0 },
    ]);
    expect(o.problems).toHaveLength(3);
    expect(o.problems?.[0]).toMatch(/^spec\.containers\[0\]\.resources\.requests\[cpu\]: invalid quantity "lots".*counted as 0$/);
    expect(o.problems?.[1]).toBe('spec.containers[0].resources.requests[memory]: negative; counted as 0');
    expect(o.problems?.[2]).toMatch(/^spec\.containers\[1\]\.resources\.limits\[example\.com\/gpu\]: invalid quantity/);
  });

  it('is not recorded until scheduled and started', () => {
    const pending = stored({ metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'app' }] }, status: { phase: 'Pending' } });
    expect(observePod(pending, ctx)).toEqual({ uid: 'uid-p', ref: 'shop/p', record: undefined });
    // Scheduled but not yet acknowledged by the kubelet: no startTime.
    expect(pod({ phase: 'Pending', startTime: null }).record).toBeUndefined();
    // Not scheduled, whatever else it says.
    const unscheduled = runningPodObject('shop', 'u');
    delete (unscheduled.spec as Record<string, unknown>)['nodeName'];
    expect(observePod(stored(unscheduled), ctx).record).toBeUndefined();
  });

  it('falls back to the creation time for a Running pod without startTime, and to the time seen without either', () => {
    expect(pod({ startTime: null }).record?.start).toBe(Date.parse(CREATED));
    const noTimes = observePod(stored(runningPodObject('shop', 'p', { startTime: null }), 'not a time'), ctx);
    expect(noTimes.record?.start).toBe(SEEN);
    expect(noTimes.problems).toEqual(['metadata.creationTimestamp: not an RFC 3339 time: "not a time"']);
  });

  it('ends a finished pod at its last container finishedAt, else when that is seen', () => {
    expect(pod({ phase: 'Succeeded', finishedAt: ['2024-05-03T08:10:00Z', '2024-05-03T08:20:00Z', '2024-05-03T08:15:00Z'] }).record?.end).toBe(Date.parse('2024-05-03T08:20:00Z'));
    expect(pod({ phase: 'Failed' }).record?.end).toBe(SEEN);
    expect(pod({ phase: 'Running', finishedAt: ['2024-05-03T08:10:00Z'] }).record?.end).toBeUndefined();
    // A finishedAt before the start (clock skew between nodes) ends it at its start, never before.
    expect(pod({ phase: 'Succeeded', finishedAt: ['2024-05-03T07:00:00Z'] }).record?.end).toBe(Date.parse('2024-05-03T08:00:00Z'));
  });

  it('throws only for an object without identity', () => {
    expect(() => observePod({ metadata: { name: 'x' } }, ctx)).toThrow(/uid/);
    expect(() => observePod({ metadata: { uid: 'u' }, spec: 'junk' }, ctx)).toThrow(/name/);
    expect(observePod({ metadata: { uid: 'u', name: 'x' }, spec: 'junk', status: 7 }, ctx).record).toBeUndefined();
  });
});

describe('observeNode', () => {
  it('reads capacity, instance type and provider id from its creation', () => {
    const o = observeNode(stored(cloudNodeObject('ip-10-0-1-5', { instanceType: 'p3.2xlarge', providerID: 'aws:///us-east-1a/i-0abc', cpu: '8', memory: '61Gi', gpus: 1 })), ctx);
    expect(o.record).toEqual({
      uid: 'uid-ip-10-0-1-5',
      name: 'ip-10-0-1-5',
      labels: { 'kubernetes.io/hostname': 'ip-10-0-1-5', 'node.kubernetes.io/instance-type': 'p3.2xlarge' },
      instanceType: 'p3.2xlarge',
      providerId: 'aws:///us-east-1a/i-0abc',
      cpuCores: 8,
      ramBytes: 61 * GiB,
      gpus: 1,
      start: Date.parse(CREATED),
    });
    expect(o.ref).toBe('ip-10-0-1-5');
  });

  it('reads the older beta instance-type label, and starts when seen without a creation time', () => {
    const n = cloudNodeObject('old');
    n.metadata.labels = { 'beta.kubernetes.io/instance-type': 'm4.large' };
    const o = observeNode(stored(n, null), ctx);
    expect(o.record).toMatchObject({ instanceType: 'm4.large', start: SEEN, gpus: 0 });
    expect(o.record).not.toHaveProperty('providerId');
    expect(o.problems).toBeUndefined();
  });
});

describe('observeVolume', () => {
  it('reads size, class, claim and the CSI volume handle', () => {
    const o = observeVolume(stored(persistentVolumeObject('pvc-123', { storage: '100Gi', storageClass: 'gp3', claim: { namespace: 'db', name: 'data-pg-0' }, volumeHandle: 'vol-0abc' })), ctx);
    expect(o.record).toEqual({
      uid: 'uid-pvc-123',
      name: 'pvc-123',
      labels: {},
      bytes: 100 * GiB,
      storageClass: 'gp3',
      claim: { namespace: 'db', name: 'data-pg-0' },
      providerId: 'vol-0abc',
      start: Date.parse(CREATED),
    });
  });

  it('takes the disk id of the in-tree sources, the first present', () => {
    const with_ = (spec: Record<string, unknown>) => observeVolume(stored({ metadata: { name: 'v' }, spec: { capacity: { storage: '1Gi' }, ...spec } }), ctx).record?.providerId;
    expect(with_({ awsElasticBlockStore: { volumeID: 'aws://us-east-1a/vol-1' } })).toBe('aws://us-east-1a/vol-1');
    expect(with_({ gcePersistentDisk: { pdName: 'disk-1' } })).toBe('disk-1');
    expect(with_({ azureDisk: { diskURI: '/subscriptions/s/disks/d' } })).toBe('/subscriptions/s/disks/d');
    expect(with_({ csi: { volumeHandle: 'h' }, gcePersistentDisk: { pdName: 'disk-1' } })).toBe('h');
    expect(with_({ hostPath: { path: '/data' } })).toBeUndefined();
  });
});

describe('observeClaim', () => {
  it('reads the bound capacity once bound, else the request', () => {
    expect(observeClaim(stored(persistentVolumeClaimObject('db', 'data', { storage: '10Gi', volumeName: 'pvc-1', boundStorage: '12Gi' })), ctx).record).toEqual({
      uid: 'uid-data',
      namespace: 'db',
      name: 'data',
      volumeName: 'pvc-1',
      bytes: 12 * GiB,
      start: Date.parse(CREATED),
    });
    const pending = observeClaim(stored(persistentVolumeClaimObject('db', 'new', { storage: '5Gi' })), ctx).record;
    expect(pending).toMatchObject({ bytes: 5 * GiB });
    expect(pending).not.toHaveProperty('volumeName');
  });
});

describe('observeLoadBalancer', () => {
  it('records only services of type LoadBalancer, with the first ingress ip or hostname', () => {
    expect(observeLoadBalancer(stored(serviceObject('shop', 'web', { type: 'ClusterIP' })), ctx)).toEqual({ uid: 'uid-web', ref: 'shop/web', record: undefined });
    expect(observeLoadBalancer(stored(serviceObject('shop', 'web')), ctx).record).toEqual({ uid: 'uid-web', namespace: 'shop', name: 'web', labels: { app: 'web' }, start: Date.parse(CREATED) });
    const ingress = (entries: { ip?: string; hostname?: string }[]) => observeLoadBalancer(stored(serviceObject('shop', 'web', { ingress: entries })), ctx).record?.ingress;
    expect(ingress([{ ip: '203.0.113.7' }, { ip: '203.0.113.8' }])).toBe('203.0.113.7');
    expect(ingress([{ hostname: 'a1b2.elb.amazonaws.com' }])).toBe('a1b2.elb.amazonaws.com');
    expect(ingress([{}, { ip: '203.0.113.9' }])).toBe('203.0.113.9');
  });
});
