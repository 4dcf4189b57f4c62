/**
 * Sorts a body's objects into the workloads the Predict API prices and the objects it ignores.
 * Priced: Deployment, StatefulSet, DaemonSet (group `apps`, or the older `extensions`) and Pod
 * (core group). Anything else, including a `Deployment` of some other API group, is ignored and
 * named `Kind/name`, so the client can tell the user what was left out.
 */
import { CostError } from '../cost/errors.js';
import { parseWorkloadObject, type WorkloadObject } from '../cost/workload-object.js';
import { workloadKindOf, type WorkloadKind } from '../cost/workload.js';
import { AppError, asClientError } from '../errors.js';
import { isRecord, type ManifestObject } from './manifests.js';

/** The kinds the Predict API prices (Kubecost's three, plus DaemonSet). */
export type PredictKind = Extract<WorkloadKind, 'deployment' | 'statefulset' | 'daemonset' | 'pod'>;

/** The API groups each priced kind may come from. */
const GROUPS: Readonly<Record<PredictKind, readonly string[]>> = {
  deployment: ['apps', 'extensions'],
  statefulset: ['apps'],
  daemonset: ['apps', 'extensions'],
  pod: [''],
};

/** The priced kinds' Kubernetes names, for messages. */
export const PREDICT_API_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod'] as const;

/** A workload of the body, checked to be priceable in shape. */
export interface ManifestWorkload {
  readonly kind: PredictKind;
  readonly object: WorkloadObject;
  readonly where: string;
}

/** The workloads to price, and `Kind/name` of every object left out, in body order. */
export interface WorkloadSelection {
  readonly workloads: ManifestWorkload[];
  readonly ignored: string[];
}

/** Splits the body's objects; a priced kind whose fields have the wrong type is a 400 naming the field. */
export function selectWorkloads(objects: readonly ManifestObject[]): WorkloadSelection {
  const workloads: ManifestWorkload[] = [];
  const ignored: string[] = [];
  for (const { object, kind: apiKind, where } of objects) {
    const group = groupOf(object['apiVersion']);
    const kind = predictKindOf(apiKind);
    if (kind === undefined || (group !== undefined && !GROUPS[kind].includes(group))) {
      const qualified = kind === undefined || group === undefined || group === '' ? apiKind : `${apiKind}.${group}`;
      ignored.push(`${qualified}/${nameOf(object) ?? '(unnamed)'}`);
      continue;
    }
    const parsed = asClientError(() => parseWorkloadObject(object), CostError, (err) => new AppError('BAD_BODY', `${where} (${apiKind} ${nameOf(object) ?? '(unnamed)'}): ${err.message}`));
    workloads.push({ kind, object: parsed, where });
  }
  return { workloads, ignored };
}

function predictKindOf(apiKind: string): PredictKind | undefined {
  const kind = workloadKindOf(apiKind);
  return kind === undefined || kind === 'replicaset' ? undefined : kind;
}

/** `apps/v1` → `apps`, `v1` → `` (core); undefined when absent or not a string. */
function groupOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

function nameOf(object: Readonly<Record<string, unknown>>): string | undefined {
  const meta = object['metadata'];
  const name = isRecord(meta) ? meta['name'] : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
