import type { KubeConfig } from '@kubernetes/client-node';
import type { Feature, FeatureContext } from '../feature.js';
import { BUG_REPORT_GAPS } from './bug-report.js';
import type { EtlState } from '../etl/etl-state.js';
import type { ConsumerWatchStatus } from '../kube/watch-types.js';
import type { LogTail } from '../logging/log-tail.js';
import type { Metrics } from '../metrics/metrics.js';
import { metricsSnapshot } from '../metrics/snapshot.js';
import type { Notifications } from '../notify/notifications.js';
import type { Readiness } from '../readiness.js';
import type { Storage } from '../storage/storage.js';
import { collectSecrets } from './secrets.js';
import { settingsByVariable } from './settings.js';

/** What the bug report reads, beyond the context. */
export interface BugReportFeatureDeps {
  /** When the server started, epoch ns. */
  readonly startedAtNs: bigint;
  readonly readiness: Readiness;
  readonly storage: Storage;
  readonly metrics: Metrics;
  /** The last warnings and errors, tapped from the log's output. */
  readonly logs: LogTail;
  readonly kubeConfig: KubeConfig | undefined;
  readonly notifications: Notifications | undefined;
  watches(): readonly ConsumerWatchStatus[];
  etl(): EtlState | undefined;
}

/** `GET /model/bugreport`: one dump of the server's state, secrets masked. */
export function bugReportFeature({ config, clock, build }: FeatureContext, deps: BugReportFeatureDeps): Feature {
  const { storage, notifications } = deps;
  return {
    name: 'bug report',
    app: {
      bugReport: {
        clock,
        build,
        startedAtNs: deps.startedAtNs,
        settings: settingsByVariable(config),
        readiness: deps.readiness,
        watchers: () => deps.watches(),
        storage: () => ({ backend: storage.backend, location: storage.location, ...storage.writer.stats() }),
        etl: () => deps.etl(),
        events: storage.events,
        auditEnabled: config.auditEnabled,
        auditGaps: () => storage.gaps.queryGaps({ clusters: new Set([config.clusterId]), count: BUG_REPORT_GAPS }),
        metrics: () => metricsSnapshot(deps.metrics.registry),
        logs: deps.logs,
        // The kubeconfig's credentials are not settings, yet must not leak through an error message either.
        secrets: collectSecrets(config, deps.kubeConfig),
        ...(notifications !== undefined && { notifications: { status: () => notifications.status(), secrets: () => notifications.secrets() } }),
      },
    },
  };
}
