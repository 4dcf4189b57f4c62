import type { KubeConfig } from '@kubernetes/client-node';
import { createPredictor } from '../cost/create-predictor.js';
import type { PriceSheet } from '../cost/price-sheet.js';
import type { CostPredictor } from '../cost/predictor.js';
import { createRequestsPredictor } from '../cost/requests-predictor.js';
import type { Feature, FeatureContext } from '../feature.js';
import type { InformerRegistry } from '../kube/informer-registry.js';
import { watchNodeCount } from '../kube/node-counter.js';
import { kubeLiveWorkloads } from './kube-live-workloads.js';
import { noCluster } from './live-workloads.js';

/** The Predict API as a feature, and the predictor it shares with the audit. */
export interface PredictFeature extends Feature {
  /** The predictor `COST_PREDICTOR` names: one for the audit and the Predict API, so a prediction and the audit event agree. */
  readonly predictor: CostPredictor;
  /** Pod requests × the price sheet: what the audit prices with when the predictor's queue is full. */
  readonly requests: CostPredictor;
}

/** `POST /model/prediction/speccost`, with the cluster's live workloads when there is a cluster. */
export function predictFeature({ config, clock }: FeatureContext, sheet: PriceSheet, cluster: { kubeConfig: KubeConfig; informers: InformerRegistry } | undefined): PredictFeature {
  const kubecost = config.kubecostUrl === undefined ? undefined : { baseUrl: config.kubecostUrl, clusterId: config.clusterId, timeoutMs: config.kubecostTimeoutMs };
  // The settings refuse COST_PREDICTOR=kubecost without KUBECOST_URL, so this does not throw.
  const predictor = createPredictor(config.costPredictor, { sheet, ...(kubecost !== undefined && { kubecost }) });
  const requests = createRequestsPredictor(sheet);
  // Nodes are counted through the shared Node informer (listed only while it is behind).
  const nodes = cluster === undefined ? undefined : watchNodeCount(cluster.informers, 'predict');
  const kube = cluster === undefined ? undefined : kubeLiveWorkloads({ kubeConfig: cluster.kubeConfig, clock, nodes: () => nodes?.current() });
  const app = { predict: { clusterId: config.clusterId, predictor, live: kube ?? noCluster() } };
  return { name: 'predict', predictor, requests, app, start: () => nodes?.subscription.start(), stop: () => kube?.close() };
}
