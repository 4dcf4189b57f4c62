import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../config.js';
import type { Feature, FeatureContext } from '../feature.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Storage } from '../storage/storage.js';
import { Notifications } from './notifications.js';
import { NotifyConfigError } from './notify-config.js';
import { registerNotifyMetrics } from './notify-metrics.js';

/** Notifications as a feature: absent (`notifications` undefined) when `NOTIFY_CONFIG` is unset. */
export interface NotifyFeature extends Feature {
  readonly notifications: Notifications | undefined;
}

/** What notifications need beyond the context. */
export interface NotifyFeatureDeps {
  readonly storage: Storage;
  readonly metrics: Metrics;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly kubeConfig: KubeConfig | undefined;
}

/** Reads `NOTIFY_CONFIG` now, so a file that does not parse stops the start (exit 2); reloaded on change later. */
export function notifyFeature({ config, clock, log }: FeatureContext, deps: NotifyFeatureDeps): NotifyFeature {
  const { storage, metrics } = deps;
  // Registered with notifications off too (the outbox is empty then), so alerts and dashboards always find them.
  const onOutcome = registerNotifyMetrics(metrics.registry, () => storage.outbox.stats(), () => clock.nowMs());
  const path = config.notifyConfig;
  if (path === undefined) return { name: 'notifications', notifications: undefined };
  const notifications = openNotifications(path, {
    env: deps.env,
    clock,
    cluster: config.clusterId,
    resolutionMs: config.etlResolutionMs,
    outbox: storage.outbox,
    writer: storage.writer,
    leaseMs: config.notifyLeaseMs,
    onOutcome,
    ...(deps.kubeConfig !== undefined && { kubeConfig: deps.kubeConfig }),
    log: log.child({ component: 'notify' }),
  });
  return {
    name: 'notifications',
    notifications,
    app: {
      notify: {
        status: () => notifications.status(),
        test: (route: string) => notifications.test(route),
        routeNames: () => notifications.config.routes.map((r) => r.name),
      },
    },
    start() {
      log.info({ file: path, sinks: notifications.config.sinks.length, routes: notifications.config.routes.length }, 'notifications on');
      notifications.start();
    },
    // Attempts in flight end (each within its timeout); what is not delivered stays in the outbox.
    stop: () => notifications.stop(),
  };
}

function openNotifications(path: string, o: Omit<Parameters<typeof Notifications.open>[0], 'path'>): Notifications {
  try {
    return Notifications.open({ ...o, path });
  } catch (err) {
    if (err instanceof NotifyConfigError || (err as NodeJS.ErrnoException).code !== undefined) {
      throw new ConfigError('NOTIFY_CONFIG', path, `a YAML notifications file (${(err as Error).message})`);
    }
    throw err;
  }
}
