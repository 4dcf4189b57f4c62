import type { KubeConfig } from '@kubernetes/client-node';
import type { CostPredictor } from '../cost/predictor.js';
import type { PriceSheet } from '../cost/price-sheet.js';
import type { Feature, FeatureContext } from '../feature.js';
import type { InformerRegistry } from '../kube/informer-registry.js';
import type { ConsumerWatchStatus } from '../kube/watch-types.js';
import type { Storage } from '../storage/storage.js';
import { AuditWatchers } from './audit-watchers.js';
import { RealizedCosts } from './realized-costs.js';

/** The audit as a feature: its watchers when it is on and a cluster was found. */
export interface AuditFeature extends Feature {
  readonly watchers: AuditWatchers | undefined;
  /** The watchers' loops, marked as the audit's. */
  watches(): ConsumerWatchStatus[];
}

/** What the audit needs beyond the context. */
export interface AuditFeatureDeps {
  readonly storage: Storage;
  /** The price sheet, for what an audited change really cost (its hours per month). */
  readonly sheet: PriceSheet;
  /** The cluster and its shared informers, when one was found. */
  readonly cluster: { readonly kubeConfig: KubeConfig; readonly informers: InformerRegistry } | undefined;
  /** The predictor the Predict API uses too, and the one it falls back to when its queue is full. */
  readonly predictor: CostPredictor;
  readonly overflowPredictor: CostPredictor;
}

/**
 * `/model/audit/events` always (off, it says how to enable it); the watchers when the audit is on
 * and a cluster was found, primed with what the previous run remembered, which the factory reads.
 */
export async function auditFeature(ctx: FeatureContext, deps: AuditFeatureDeps): Promise<AuditFeature> {
  const { config, clock, bus, log } = ctx;
  const realized = new RealizedCosts({ sets: deps.storage.sets, resolutionMs: config.etlResolutionMs, hoursPerMonth: deps.sheet.hoursPerMonth });
  const app = { auditEnabled: config.auditEnabled, gaps: deps.storage.gaps, realized };
  if (!config.auditEnabled) {
    const disabled = { ready: true, state: 'disabled', detail: 'COST_EVENTS_AUDIT_ENABLED=false' };
    return { name: 'audit', app, watchers: undefined, watches: () => [], readiness: [{ name: 'audit', status: () => disabled }] };
  }
  // Without a cluster the `kubernetes` component says the audit is not ready.
  if (deps.cluster === undefined) return { name: 'audit', app, watchers: undefined, watches: () => [] };
  // What the previous run remembered: the first list is diffed against it (changes made while down).
  const prior = await deps.storage.workloads.loadWorkloads(config.clusterId);
  // Made (and so subscribed) before the ETL cache, so the audited kinds' watches open first, in the audit's order.
  const watchers = new AuditWatchers({
    informers: deps.cluster.informers,
    kubeConfig: deps.cluster.kubeConfig,
    resourceTypes: config.auditResourceTypes,
    cluster: config.clusterId,
    clock,
    predictor: deps.predictor,
    overflowPredictor: deps.overflowPredictor,
    publish: (o) => ('change' in o ? bus.publish('audit', o.change) : 'gap' in o ? bus.publish('auditGaps', o.gap) : bus.publish('workloads', o.state)),
    log: log.child({ component: 'audit' }),
    prior,
    recordImageChanges: config.auditRecordImageChanges,
    scaleGroupMs: config.auditScaleGroupMs,
  });
  return {
    name: 'audit',
    app,
    watchers,
    watches: () => watchers.statuses().map((w) => ({ consumer: 'audit' as const, ...w })),
    readiness: [{ name: 'audit', status: () => watchers.readiness() }],
    start: () => watchers.start(),
    // Producers stop after the listener; what they already saw is still priced and stored.
    stop: () => watchers.stop(),
  };
}
