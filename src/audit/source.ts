import { UNKNOWN_SOURCE, type Source } from './attribution.js';

type Strings = Record<string, unknown> | undefined;

const str = (m: Strings, k: string): string | undefined => {
  const v = m?.[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** Flux's label and annotation keys, made once: a key built per workload is a new string to hash at every lookup. */
const FLUX_KEYS = ['kustomize', 'helm'].map((kind) => ({ name: `${kind}.toolkit.fluxcd.io/name`, namespace: `${kind}.toolkit.fluxcd.io/namespace` }));

/**
 * The tool that owns a workload, from its labels and annotations. Argo CD first (it may render a
 * Helm chart, whose labels then say Helm), then Flux (its helm-controller also writes Helm's
 * annotations), then Helm, then kubectl's client-side apply annotation.
 */
export function sourceOf(labels: Strings, annotations: Strings): Source {
  const tracking = str(annotations, 'argocd.argoproj.io/tracking-id');
  if (tracking !== undefined) return { tool: 'argocd', name: tracking.split(':')[0] ?? tracking };
  const argoInstance = str(labels, 'argocd.argoproj.io/instance');
  if (argoInstance !== undefined) return { tool: 'argocd', name: argoInstance };
  for (const keys of FLUX_KEYS) {
    const name = str(labels, keys.name) ?? str(annotations, keys.name);
    if (name === undefined) continue;
    const namespace = str(labels, keys.namespace) ?? str(annotations, keys.namespace);
    return { tool: 'flux', name, ...(namespace !== undefined && { namespace }) };
  }
  const release = str(annotations, 'meta.helm.sh/release-name');
  if (release !== undefined) {
    const namespace = str(annotations, 'meta.helm.sh/release-namespace');
    return { tool: 'helm', name: release, ...(namespace !== undefined && { namespace }) };
  }
  if (str(labels, 'app.kubernetes.io/managed-by')?.toLowerCase() === 'helm') {
    const instance = str(labels, 'app.kubernetes.io/instance');
    return { tool: 'helm', ...(instance !== undefined && { name: instance }) };
  }
  if (str(annotations, 'kubectl.kubernetes.io/last-applied-configuration') !== undefined) return { tool: 'kubectl' };
  return UNKNOWN_SOURCE;
}
