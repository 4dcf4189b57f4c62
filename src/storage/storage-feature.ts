import type { Feature, FeatureContext } from '../feature.js';
import { openStorage, type Storage } from './storage.js';

/** Storage as a feature: the store opened (and migrated) by the factory, pruning while it runs, closed last. */
export interface StorageFeature extends Feature {
  readonly storage: Storage;
}

/** Opens the store `STORAGE_URL` names; rejects naming the URL when it cannot. */
export async function storageFeature({ config, clock, log }: FeatureContext): Promise<StorageFeature> {
  const storageLog = log.child({ component: 'storage' });
  const storage = await openStorage(
    {
      url: config.storageUrl,
      limits: {
        etlLogCapacity: config.etlLogCapacity,
        auditCapacity: config.auditCapacity,
        customEventCapacity: config.customEventCapacity,
        customEventRetentionMs: config.customEventRetentionMs,
      },
      queueCapacity: config.storageQueueCapacity,
      pruneIntervalMs: config.storagePruneIntervalMs,
      cluster: config.clusterId,
    },
    clock,
    storageLog,
  );
  return {
    name: 'storage',
    storage,
    app: { events: storage.events },
    readiness: [{ name: 'storage', status: () => storage.status() }],
    start() {
      log.info({ backend: storage.backend, store: storage.location }, 'storage open');
      storage.start();
    },
    // Writes what is queued (or logs what cannot be), then closes the store.
    stop: () => storage.close(),
  };
}
