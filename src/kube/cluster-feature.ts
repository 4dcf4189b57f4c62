import type { Feature, FeatureContext } from '../feature.js';
import { InformerRegistry } from './informer-registry.js';
import { kubeClientLoaded } from './kube-client.js';
import type { ClusterConnection } from './kubeconfig.js';
import type { LoopTuning } from './watch-types.js';

/** A connection the settings accepted: a cluster found, or none. */
export type UsableConnection = Exclude<ClusterConnection, { source: 'invalid' }>;

/** The cluster as a feature: the shared informers when one was found; stopped after every consumer of them. */
export interface ClusterFeature extends Feature {
  /** One list-watch per kind, shared by the ETL cache, the audit and Predict; absent without a cluster. */
  readonly informers: InformerRegistry | undefined;
  /** The feature that starts the informers, once every consumer has subscribed (a later subscriber costs a relist). */
  readonly watching: Feature;
}

/** The cluster the server watches, as `/readyz` and the log report it: a component only when there is none. */
export function clusterFeature({ config, clock, log }: FeatureContext, connection: UsableConnection, tuning: LoopTuning | undefined): ClusterFeature {
  if (connection.source !== 'none') {
    const informers = new InformerRegistry({ kubeConfig: connection.kubeConfig, clock, log: log.child({ component: 'kube' }), ...(tuning && { tuning }) });
    return {
      name: 'kubernetes',
      informers,
      watching: { name: 'watching', start: () => informers.start() },
      start: () => {
        const client = kubeClientLoaded();
        log.info({ source: connection.source, server: connection.server, client }, 'Kubernetes cluster found');
        if (client === 'package, no bundle in the build') {
          log.warn({ client }, 'the build has no dist/vendor/kube-client.js (built without `npm run build`): the whole @kubernetes/client-node package is loaded, about 45 MB more memory');
        }
      },
      stop: () => informers.stop(),
    };
  }
  return {
    name: 'kubernetes',
    informers: undefined,
    watching: { name: 'watching' },
    readiness: [
      {
        name: 'kubernetes',
        // Nothing needs the cluster unless the audit is on; with it on, an audit without a cluster is not ready.
        status: () => ({ ready: !config.auditEnabled, state: 'no cluster', detail: connection.reason }),
      },
    ],
    start: () => log.warn({ reason: connection.reason }, 'no Kubernetes cluster: running without watchers'),
  };
}
