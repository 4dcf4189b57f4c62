import type { Store } from '../../src/storage/store.js';

/** A store that does what `store` does except for the methods in `overrides` (to count reads or inject failures). */
export function delegate(store: Store, overrides: Partial<Omit<Store, 'backend' | 'location' | 'limits' | 'writeSync'>> & { writeSync?: Store['writeSync'] | undefined } = {}): Store {
  const writeSync = 'writeSync' in overrides ? overrides.writeSync : store.writeSync;
  return {
    backend: store.backend,
    location: store.location,
    limits: store.limits,
    write: overrides.write ?? ((r) => store.write(r)),
    ...(writeSync !== undefined && { writeSync }),
    queryEtl: overrides.queryEtl ?? ((q) => store.queryEtl(q)),
    queryAudit: overrides.queryAudit ?? ((q) => store.queryAudit(q)),
    revision: overrides.revision ?? (() => store.revision()),
    loadWorkloads: overrides.loadWorkloads ?? ((c) => store.loadWorkloads(c)),
    prune: overrides.prune ?? ((c) => store.prune(c)),
    ping: overrides.ping ?? (() => store.ping()),
    close: overrides.close ?? (() => store.close()),
  };
}
