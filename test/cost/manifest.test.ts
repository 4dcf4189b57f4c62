import { describe, expect, it } from 'vitest';
import { manifestFromSpec } from '../../src/cost/manifest.js';
import { parseWorkloadObject } from '../../src/cost/workload-object.js';
import { workloadSpecOf, type WorkloadKind, type WorkloadSpec } from '../../src/cost/workload.js';

const perPod = { cpuCores: 0.25, memoryBytes: 1536 * 2 ** 20, gpus: 1 };

function spec(kind: WorkloadKind, replicas: number): WorkloadSpec {
  return { kind, namespace: 'shop', name: 'web', replicas, perPod };
}

describe('manifestFromSpec', () => {
  it('builds a Deployment with one container carrying the pod requests in canonical form', () => {
    expect(manifestFromSpec(spec('deployment', 3))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
          spec: {
            containers: [
              {
                name: 'workload',
                image: 'registry.k8s.io/pause:3.10',
                resources: {
                  requests: { cpu: '250m', memory: '1536Mi', 'nvidia.com/gpu': '1' },
                  limits: { 'nvidia.com/gpu': '1' },
                },
              },
            ],
          },
        },
      },
    });
  });

  it('builds a Pod for a pod', () => {
    const manifest = manifestFromSpec(spec('pod', 1));
    expect([manifest.apiVersion, manifest.kind]).toEqual(['v1', 'Pod']);
    expect(manifest.spec).not.toHaveProperty('replicas');
  });

  it('builds a StatefulSet with a service name for a StatefulSet', () => {
    const manifest = manifestFromSpec(spec('statefulset', 2));
    expect(manifest.kind).toBe('StatefulSet');
    expect(manifest.spec.serviceName).toBe('web');
  });

  it('sends a DaemonSet as a Deployment with one replica per node', () => {
    const manifest = manifestFromSpec(spec('daemonset', 5));
    expect(manifest.kind).toBe('Deployment');
    expect(manifest.spec.replicas).toBe(5);
  });

  it('leaves GPUs out when the pod has none', () => {
    const manifest = manifestFromSpec({ ...spec('pod', 1), perPod: { cpuCores: 1, memoryBytes: 0, gpus: 0 } });
    expect(manifest.spec).toEqual({
      containers: [{ name: 'workload', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '1', memory: '0' } } }],
    });
  });

  it.each<[WorkloadKind, WorkloadKind]>([
    ['deployment', 'deployment'],
    ['statefulset', 'statefulset'],
    ['replicaset', 'deployment'],
    ['pod', 'pod'],
  ])('rebuilds a %s that prices back to the same summary', (kind, sentAs) => {
    const original = spec(kind, kind === 'pod' ? 1 : 4);
    const back = workloadSpecOf(sentAs, parseWorkloadObject(manifestFromSpec(original)));
    expect(back).toEqual({ ...original, kind: sentAs });
  });
});
