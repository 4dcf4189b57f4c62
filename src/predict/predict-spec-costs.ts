/**
 * The Predict API's domain: prices each workload of a body as it would run (`costAfter`) and as
 * it runs now (`costBefore`, from the live object of the same namespace, kind and name), with the
 * one predictor the audit uses, so a prediction and the audit event after `kubectl apply` agree.
 */
import { CostError } from '../cost/errors.js';
import type { CostPrediction, CostPredictor } from '../cost/predictor.js';
import { specCostDiffOf, specCostOf, ZERO_SPEC_COST, type SpecCostDiff } from '../cost/spec-cost.js';
import type { WorkloadObject } from '../cost/workload-object.js';
import { apiKindOf, observedDaemonSetNodes, workloadSpecOf, type WorkloadSpec, type WorkloadSpecOptions } from '../cost/workload.js';
import { AppError, asClientError } from '../errors.js';
import type { LiveWorkloads } from './live-workloads.js';
import type { ManifestObject } from './manifests.js';
import { PREDICT_API_KINDS, selectWorkloads, type ManifestWorkload, type PredictKind } from './select-workloads.js';

/** Workloads looked up and priced at once; bounds the load one request puts on the API server. */
export const PREDICT_CONCURRENCY = 8;

/** What pricing a body needs. */
export interface SpecCostDeps {
  readonly predictor: CostPredictor;
  readonly live: LiveWorkloads;
}

/** What the route answers: one diff per workload in body order, what was left out, and caveats. */
export interface SpecCostAnswer {
  readonly diffs: SpecCostDiff[];
  /** `Kind/name` of each object that is not a priced kind. */
  readonly ignored: string[];
  /** Things the client should know about the figures (one line each, no duplicates). */
  readonly warnings: string[];
}

/** Prices the body's workloads; throws a 400 when none is priceable, a 503 when the cluster cannot answer. */
export async function predictSpecCosts(objects: readonly ManifestObject[], defaultNamespace: string, deps: SpecCostDeps): Promise<SpecCostAnswer> {
  const { workloads, ignored } = selectWorkloads(objects);
  if (workloads.length === 0) throw new AppError('BAD_BODY', nothingToPrice(ignored));
  const warnings = new Set<string>();
  // Listed once per request, and only if some DaemonSet needs it.
  let nodes: Promise<number | undefined> | undefined;
  const schedulableNodes = () => (nodes ??= deps.live.schedulableNodes());
  const diffs = await mapInOrder(workloads, PREDICT_CONCURRENCY, (w) => priceOne(w, defaultNamespace, deps, schedulableNodes, warnings));
  return { diffs, ignored, warnings: [...warnings] };
}

function nothingToPrice(ignored: readonly string[]): string {
  const kinds = PREDICT_API_KINDS.join(', ');
  if (ignored.length === 0) return `the body holds no Kubernetes objects; send manifests of ${kinds} as YAML or JSON`;
  return `the body holds no workload to price (priced kinds: ${kinds}); found ${ignored.join(', ')}`;
}

async function priceOne(
  w: ManifestWorkload,
  defaultNamespace: string,
  deps: SpecCostDeps,
  schedulableNodes: () => Promise<number | undefined>,
  warnings: Set<string>,
): Promise<SpecCostDiff> {
  const namespace = w.object.metadata?.namespace ?? defaultNamespace;
  const name = w.object.metadata?.name;
  // An object named only by generateName gets a fresh name when created: nothing runs under it yet.
  const live = name === undefined || name === '' ? undefined : await deps.live.find(w.kind, namespace, name);

  let daemonSetNodes: number | undefined;
  if (w.kind === 'daemonset') {
    daemonSetNodes = (live && observedDaemonSetNodes(live)) ?? (await schedulableNodes());
    if (daemonSetNodes === undefined) {
      daemonSetNodes = 1;
      warnings.add('no cluster is connected, so DaemonSets are priced for one node (the figures are per node)');
    }
  }
  const options = { defaultNamespace, ...(daemonSetNodes !== undefined && { daemonSetNodes }) };
  const after = specOf(w.kind, w.object, options, (reason) => new AppError('BAD_BODY', `${w.where} (${apiKindOf(w.kind)} ${name ?? '(unnamed)'}): ${reason}`));
  // The API server validated the live object; failing to price it is our bug, not the client's.
  const before = live && specOf(w.kind, live, options, (reason) => new AppError('INTERNAL', `cannot price the running ${apiKindOf(w.kind)} ${namespace}/${after.name}: ${reason}`));

  const [afterCost, beforeCost] = await Promise.all([deps.predictor.predict(after), before && deps.predictor.predict(before)]);
  noteFallback(afterCost, warnings);
  if (beforeCost !== undefined) noteFallback(beforeCost, warnings);
  return specCostDiffOf(after, beforeCost === undefined ? ZERO_SPEC_COST : specCostOf(beforeCost), specCostOf(afterCost));
}

function specOf(kind: PredictKind, object: WorkloadObject, options: WorkloadSpecOptions, fault: (reason: string) => AppError): WorkloadSpec {
  return asClientError(() => workloadSpecOf(kind, object, options), CostError, (err) => fault(err.message));
}

function noteFallback(prediction: CostPrediction, warnings: Set<string>): void {
  const f = prediction.fallback;
  if (f !== undefined) warnings.add(`priced by ${prediction.predictor} because the ${f.from} predictor failed: ${f.reason}`);
}

/** `fn` over `items` with at most `limit` running at once; results in input order; the first failure rejects. */
async function mapInOrder<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    // After a failure the answer is an error: stop taking new items.
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
