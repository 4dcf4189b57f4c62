/**
 * A minimal Kubernetes manifest rebuilt from a {@link WorkloadSpec}: one container carrying the
 * pod's effective requests, and the pod count. Pricing it gives what pricing the original gives,
 * which lets a predictor that wants a manifest (Kubecost's Predict API) work from the summary the
 * audit keeps instead of the whole object.
 */
import { formatCount, formatCpu, formatMemory } from './quantity.js';
import type { WorkloadSpec } from './workload.js';

/** A Kubernetes object as sent over the wire. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: Readonly<Record<string, unknown>>;
}

/**
 * A Pod for a pod, a StatefulSet for a StatefulSet, and a Deployment for the rest: Kubecost's
 * Predict API knows only those three kinds, and a Deployment of N replicas costs what a
 * DaemonSet on N nodes or a ReplicaSet of N replicas costs.
 */
export function manifestFromSpec(workload: WorkloadSpec): Manifest {
  const { perPod, name, namespace } = workload;
  const requests: Record<string, string> = {
    cpu: formatCpu(perPod.cpuCores),
    memory: formatMemory(perPod.memoryBytes),
  };
  const resources: Record<string, Record<string, string>> = { requests };
  if (perPod.gpus > 0) {
    // Extended resources must state a limit equal to the request to be a valid pod.
    requests['nvidia.com/gpu'] = formatCount(perPod.gpus);
    resources.limits = { 'nvidia.com/gpu': formatCount(perPod.gpus) };
  }
  const podSpec = { containers: [{ name: 'workload', image: 'registry.k8s.io/pause:3.10', resources }] };
  const metadata = { name, namespace };
  if (workload.kind === 'pod') return { apiVersion: 'v1', kind: 'Pod', metadata, spec: podSpec };

  const labels = { 'app.kubernetes.io/name': name };
  const spec: Record<string, unknown> = {
    replicas: workload.replicas,
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: podSpec },
  };
  if (workload.kind === 'statefulset') {
    spec.serviceName = name;
    return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata, spec };
  }
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec };
}
