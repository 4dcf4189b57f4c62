import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { ManifestObject } from '../../src/predict/manifests.js';
import { selectWorkloads } from '../../src/predict/select-workloads.js';

const obj = (kind: string, name: string | undefined, apiVersion?: string, extra: Record<string, unknown> = {}): ManifestObject => ({
  object: { kind, ...(apiVersion !== undefined && { apiVersion }), ...(name !== undefined && { metadata: { name } }), ...extra },
  kind,
  where: `document for ${name ?? kind}`,
});

describe('selectWorkloads', () => {
  it('keeps Deployment, StatefulSet, DaemonSet and Pod, in body order', () => {
    const { workloads, ignored } = selectWorkloads([obj('Pod', 'p', 'v1'), obj('Deployment', 'd', 'apps/v1'), obj('StatefulSet', 's', 'apps/v1'), obj('DaemonSet', 'ds', 'apps/v1')]);
    expect(workloads.map((w) => `${w.kind}/${w.object.metadata?.name ?? ''}`)).toEqual(['pod/p', 'deployment/d', 'statefulset/s', 'daemonset/ds']);
    expect(ignored).toEqual([]);
  });

  it('keeps an object without apiVersion and the older extensions group', () => {
    expect(selectWorkloads([obj('Deployment', 'a'), obj('Deployment', 'b', 'extensions/v1beta1')]).workloads).toHaveLength(2);
  });

  it('names every other object Kind/name, ReplicaSets and Lists included', () => {
    const { workloads, ignored } = selectWorkloads([obj('ConfigMap', 'app-config', 'v1'), obj('ReplicaSet', 'rs', 'apps/v1'), obj('Secret', undefined, 'v1'), obj('List', undefined, 'v1')]);
    expect(workloads).toEqual([]);
    expect(ignored).toEqual(['ConfigMap/app-config', 'ReplicaSet/rs', 'Secret/(unnamed)', 'List/(unnamed)']);
  });

  it('ignores a priced kind name of another API group, naming its group', () => {
    expect(selectWorkloads([obj('Deployment', 'x', 'example.com/v1'), obj('Pod', 'y', 'metrics.k8s.io/v1beta1')]).ignored).toEqual(['Deployment.example.com/x', 'Pod.metrics.k8s.io/y']);
  });

  it('answers 400 naming the document and the field of a priced kind with a field of the wrong type', () => {
    expect(() => selectWorkloads([obj('Deployment', 'web', 'apps/v1', { spec: { replicas: 'three' } })])).toThrow(
      new AppError('BAD_BODY', 'document for web (Deployment web): spec.replicas: expected integer'),
    );
  });
});
