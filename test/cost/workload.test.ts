import type { V1DaemonSet, V1Deployment, V1Pod, V1ReplicaSet, V1StatefulSet } from '@kubernetes/client-node';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { WorkloadError } from '../../src/cost/errors.js';
import type { Container, PodSpec, WorkloadObject } from '../../src/cost/workload-object.js';
import {
  apiKindOf,
  containerRequestsOf,
  daemonSetNodeCount,
  podRequestsOf,
  workloadKindOf,
  workloadSpecOf,
} from '../../src/cost/workload.js';

const MI = 2 ** 20;

function container(requests?: Record<string, string | number>, limits?: Record<string, string>): Container {
  return { name: 'c', resources: { ...(requests && { requests }), ...(limits && { limits }) } };
}

function sidecar(requests: Record<string, string>): Container {
  return { ...container(requests), restartPolicy: 'Always' };
}

function deployment(podSpec: PodSpec, replicas?: number): WorkloadObject {
  return {
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-1' },
    spec: { ...(replicas !== undefined && { replicas }), template: { spec: podSpec } },
  };
}

describe('podRequestsOf', () => {
  it('takes the requests of a single container', () => {
    expect(podRequestsOf({ containers: [container({ cpu: '100m', memory: '32Mi' })] }, 'spec')).toEqual({
      cpuCores: 0.1,
      memoryBytes: 32 * MI,
      gpus: 0,
    });
  });

  it('adds up app containers, without binary noise', () => {
    const spec = { containers: [container({ cpu: '100m', memory: '10Mi' }), container({ cpu: '200m', memory: '20Mi' })] };
    expect(podRequestsOf(spec, 'spec')).toEqual({ cpuCores: 0.3, memoryBytes: 30 * MI, gpus: 0 });
  });

  it('takes the largest init container when it exceeds the app containers, per resource', () => {
    const spec = {
      initContainers: [container({ cpu: '2', memory: '1Gi' }), container({ cpu: '500m', memory: '3Gi' })],
      containers: [container({ cpu: '1', memory: '1Gi' }), container({ cpu: '1', memory: '1Gi' })],
    };
    expect(podRequestsOf(spec, 'spec')).toEqual({ cpuCores: 2, memoryBytes: 3 * 2 ** 30, gpus: 0 });
  });

  it('takes the app containers when they exceed every init container', () => {
    const spec = {
      initContainers: [container({ memory: '200Mi' }), container({ memory: '150Mi' })],
      containers: [container({ memory: '120Mi' }), container({ memory: '140Mi' })],
    };
    expect(podRequestsOf(spec, 'spec').memoryBytes).toBe(260 * MI);
  });

  it('counts a native sidecar (init container with restartPolicy Always) with the app containers', () => {
    const spec = { initContainers: [sidecar({ cpu: '50m' })], containers: [container({ cpu: '100m' })] };
    expect(podRequestsOf(spec, 'spec').cpuCores).toBe(0.15);
  });

  it('counts the sidecars started before an init container as running beside it', () => {
    const spec = {
      initContainers: [sidecar({ cpu: '300m' }), container({ cpu: '1' })],
      containers: [container({ cpu: '100m' })],
    };
    expect(podRequestsOf(spec, 'spec').cpuCores).toBe(1.3);
  });

  it('does not count a sidecar started after an init container as running beside it', () => {
    const spec = {
      initContainers: [container({ cpu: '1' }), sidecar({ cpu: '300m' })],
      containers: [container({ cpu: '100m' })],
    };
    expect(podRequestsOf(spec, 'spec').cpuCores).toBe(1);
  });

  it('adds the pod overhead after taking the maximum', () => {
    const spec = {
      initContainers: [container({ cpu: '1' })],
      containers: [container({ cpu: '100m', memory: '64Mi' })],
      overhead: { cpu: '250m', memory: '120Mi' },
    };
    expect(podRequestsOf(spec, 'spec')).toEqual({ cpuCores: 1.25, memoryBytes: 184 * MI, gpus: 0 });
  });

  it('uses a limit where the request is absent, as the API server defaults it', () => {
    expect(podRequestsOf({ containers: [container(undefined, { cpu: '2', memory: '1Gi' })] }, 'spec')).toEqual({
      cpuCores: 2,
      memoryBytes: 2 ** 30,
      gpus: 0,
    });
  });

  it('prefers the request to the limit when both are set', () => {
    expect(podRequestsOf({ containers: [container({ cpu: '500m' }, { cpu: '2' })] }, 'spec').cpuCores).toBe(0.5);
  });

  it('counts a container without resources as zero', () => {
    expect(podRequestsOf({ containers: [{ name: 'bare' }, container({ cpu: '10m' })] }, 'spec')).toEqual({
      cpuCores: 0.01,
      memoryBytes: 0,
      gpus: 0,
    });
  });

  it('counts NVIDIA and AMD GPUs, from limits when requests are absent', () => {
    const spec = {
      containers: [container(undefined, { 'nvidia.com/gpu': '2' }), container({ 'amd.com/gpu': '1' })],
    };
    expect(podRequestsOf(spec, 'spec').gpus).toBe(3);
  });

  it('ignores resources it does not price', () => {
    const spec = { containers: [container({ 'ephemeral-storage': '1Gi', 'hugepages-2Mi': '4Mi', cpu: '1' })] };
    expect(podRequestsOf(spec, 'spec')).toEqual({ cpuCores: 1, memoryBytes: 0, gpus: 0 });
  });

  it('uses pod-level requests in place of the containers total', () => {
    const spec = { resources: { requests: { cpu: '2' } }, containers: [container({ cpu: '100m', memory: '1Gi' })] };
    expect(podRequestsOf(spec, 'spec')).toEqual({ cpuCores: 2, memoryBytes: 2 ** 30, gpus: 0 });
  });

  it('uses a pod-level limit as the request when no container states one', () => {
    const spec = { resources: { limits: { memory: '2Gi' } }, containers: [container()] };
    expect(podRequestsOf(spec, 'spec').memoryBytes).toBe(2 * 2 ** 30);
  });

  it('keeps the containers total over a pod-level limit when a container states a request', () => {
    const spec = { resources: { limits: { cpu: '4' } }, containers: [container({ cpu: '500m' })] };
    expect(podRequestsOf(spec, 'spec').cpuCores).toBe(0.5);
  });

  it('reads bare numbers as YAML gives them', () => {
    expect(podRequestsOf({ containers: [container({ cpu: 2, memory: 1073741824 })] }, 'spec')).toEqual({
      cpuCores: 2,
      memoryBytes: 2 ** 30,
      gpus: 0,
    });
  });

  it('names the field of a quantity that does not parse', () => {
    const spec = { containers: [container({ cpu: '100m' }), container({ memory: '1 Gi' })] };
    expect(() => podRequestsOf(spec, 'spec.template.spec')).toThrow(
      'spec.template.spec.containers[1].resources.requests[memory]: invalid quantity "1 Gi": expected a number with an optional sign and suffix: n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or e<exponent> (e.g. 100m, 1.5Gi, 1e3)',
    );
  });

  it('names the limit field when the bad quantity is a limit', () => {
    expect(() => podRequestsOf({ initContainers: [container(undefined, { cpu: 'lots' })], containers: [] }, 'spec')).toThrow(
      /^spec\.initContainers\[0\]\.resources\.limits\[cpu\]: invalid quantity "lots"/,
    );
  });

  it('rejects a negative request as Kubernetes does', () => {
    expect(() => podRequestsOf({ containers: [container({ cpu: '-1' })] }, 'spec')).toThrow(
      'spec.containers[0].resources.requests[cpu]: must be greater than or equal to 0, got "-1"',
    );
  });

  it('rejects a quantity that is neither a string nor a number', () => {
    const spec: PodSpec = { containers: [{ resources: { requests: { cpu: true } } }] };
    expect(() => podRequestsOf(spec, 'spec')).toThrow(
      'spec.containers[0].resources.requests[cpu]: expected a quantity such as "100m" or "64Mi"',
    );
  });

  it('names a bad overhead quantity', () => {
    expect(() => podRequestsOf({ containers: [], overhead: { cpu: 'x' } }, 'spec')).toThrow(/^spec\.overhead\[cpu\]: /);
  });

  it('requires containers', () => {
    expect(() => podRequestsOf({}, 'spec.template.spec')).toThrow('spec.template.spec.containers: is required');
  });

  it('throws a WorkloadError carrying the field path and the stable code', () => {
    expect.assertions(3);
    try {
      podRequestsOf({ containers: [container({ cpu: 'x' })] }, 'spec');
    } catch (err) {
      expect(err).toBeInstanceOf(WorkloadError);
      expect((err as WorkloadError).path).toBe('spec.containers[0].resources.requests[cpu]');
      expect((err as WorkloadError).code).toBe('COST_WORKLOAD_INVALID');
    }
  });
});

describe('containerRequestsOf', () => {
  it('names the field of a bad quantity under the container path it is given', () => {
    expect(() => containerRequestsOf(container({ cpu: 'x' }), 'spec.containers[2]')).toThrow(/^spec\.containers\[2\]\.resources\.requests\[cpu\]: invalid quantity "x"/);
  });

  it('gives one container effective requests for per-container cost allocation', () => {
    expect(containerRequestsOf(container({ cpu: '250m' }, { memory: '1Gi', 'nvidia.com/gpu': '1' }), 'spec.containers[0]')).toEqual({
      cpuCores: 0.25,
      memoryBytes: 2 ** 30,
      gpus: 1,
    });
  });
});

describe('workloadSpecOf', () => {
  const web = { containers: [container({ cpu: '100m', memory: '32Mi' })] };

  it('summarises a Deployment as kind, namespace, name, uid, replicas and one pod requests', () => {
    expect(workloadSpecOf('deployment', deployment(web, 3))).toEqual({
      kind: 'deployment',
      namespace: 'shop',
      name: 'web',
      uid: 'uid-1',
      replicas: 3,
      perPod: { cpuCores: 0.1, memoryBytes: 32 * MI, gpus: 0 },
    });
  });

  it('defaults absent replicas to 1', () => {
    expect(workloadSpecOf('statefulset', deployment(web)).replicas).toBe(1);
  });

  it('keeps replicas of 0 as 0', () => {
    expect(workloadSpecOf('deployment', deployment(web, 0)).replicas).toBe(0);
  });

  it('counts a Pod as one replica, reading its own spec', () => {
    const pod: WorkloadObject = { metadata: { name: 'p', namespace: 'ns' }, spec: web };
    expect(workloadSpecOf('pod', pod)).toEqual({
      kind: 'pod',
      namespace: 'ns',
      name: 'p',
      replicas: 1,
      perPod: { cpuCores: 0.1, memoryBytes: 32 * MI, gpus: 0 },
    });
  });

  it('counts a DaemonSet once per node the caller says it runs on', () => {
    expect(workloadSpecOf('daemonset', deployment(web), { daemonSetNodes: 7 }).replicas).toBe(7);
  });

  it('refuses to price a DaemonSet without a node count', () => {
    expect(() => workloadSpecOf('daemonset', deployment(web))).toThrow(RangeError);
  });

  it('uses the default namespace for an object without one', () => {
    const obj: WorkloadObject = { metadata: { name: 'web' }, spec: { template: { spec: web } } };
    expect(workloadSpecOf('deployment', obj, { defaultNamespace: 'team-a' }).namespace).toBe('team-a');
  });

  it('uses namespace default when neither the object nor the caller names one', () => {
    const obj: WorkloadObject = { metadata: { name: 'web' }, spec: { template: { spec: web } } };
    expect(workloadSpecOf('deployment', obj).namespace).toBe('default');
  });

  it('leaves uid out when the object has none', () => {
    const obj: WorkloadObject = { metadata: { name: 'web' }, spec: { template: { spec: web } } };
    const spec = workloadSpecOf('deployment', obj);
    expect(spec.uid).toBeUndefined();
    // As stored and served: no uid field at all.
    expect(JSON.parse(JSON.stringify(spec))).not.toHaveProperty('uid');
  });

  it('names a pod by generateName when it has no name', () => {
    const pod: WorkloadObject = { metadata: { generateName: 'job-' }, spec: web };
    expect(workloadSpecOf('pod', pod).name).toBe('job-');
  });

  it('requires a name', () => {
    expect(() => workloadSpecOf('pod', { spec: web })).toThrow('metadata.name: is required');
  });

  it('requires a pod template on a controller', () => {
    expect(() => workloadSpecOf('deployment', { metadata: { name: 'x' }, spec: { replicas: 1 } })).toThrow(
      'spec.template: is required',
    );
  });

  it('requires the pod template spec on a controller', () => {
    expect(() => workloadSpecOf('deployment', { metadata: { name: 'x' }, spec: { template: {} } })).toThrow(
      'spec.template.spec: is required',
    );
  });

  it('names template paths in errors from a controller', () => {
    expect(() => workloadSpecOf('deployment', deployment({ containers: [container({ cpu: 'x' })] }))).toThrow(
      /^spec\.template\.spec\.containers\[0\]\.resources\.requests\[cpu\]: /,
    );
  });

  it('accepts the @kubernetes/client-node model types as they are (checked by the compiler)', () => {
    expectTypeOf<V1Deployment>().toExtend<WorkloadObject>();
    expectTypeOf<V1StatefulSet>().toExtend<WorkloadObject>();
    expectTypeOf<V1ReplicaSet>().toExtend<WorkloadObject>();
    expectTypeOf<V1DaemonSet>().toExtend<WorkloadObject>();
    expectTypeOf<V1Pod>().toExtend<WorkloadObject>();
  });
});

describe('daemonSetNodeCount', () => {
  it('uses desiredNumberScheduled once the controller has observed the DaemonSet', () => {
    expect(daemonSetNodeCount({ status: { desiredNumberScheduled: 4, observedGeneration: 1 } }, 9)).toBe(4);
  });

  it('uses the schedulable nodes while the status is the zeroed one of a new DaemonSet', () => {
    expect(daemonSetNodeCount({ status: { desiredNumberScheduled: 0 } }, 9)).toBe(9);
  });

  it('uses the schedulable nodes for a manifest without status', () => {
    expect(daemonSetNodeCount({}, 9)).toBe(9);
  });
});

describe('workload kinds', () => {
  it.each([
    ['Deployment', 'deployment'],
    ['StatefulSet', 'statefulset'],
    ['DaemonSet', 'daemonset'],
    ['ReplicaSet', 'replicaset'],
    ['Pod', 'pod'],
  ])('maps the Kubernetes kind %s to %s and back', (apiKind, kind) => {
    const found = workloadKindOf(apiKind);
    expect(found).toBe(kind);
    expect(found && apiKindOf(found)).toBe(apiKind);
  });

  it.each(['Job', 'deployment', 'Service'])('does not price the kind %s', (apiKind) => {
    expect(workloadKindOf(apiKind)).toBeUndefined();
  });
});
