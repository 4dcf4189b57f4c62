import type { Store } from '../../src/storage/store.js';

/**
 * A store that does what `store` does except for what `overrides` replaces (to count reads,
 * inject failures, or pose as another backend). `writeSync: undefined` makes commits asynchronous.
 */
export function delegate(store: Store, overrides: { [K in keyof Store]?: Store[K] | undefined } = {}): Store {
  const writeSync = 'writeSync' in overrides ? overrides.writeSync : store.writeSync;
  return {
    backend: overrides.backend ?? store.backend,
    location: overrides.location ?? store.location,
    capabilities: overrides.capabilities ?? store.capabilities,
    write: overrides.write ?? ((r) => store.write(r)),
    ...(writeSync !== undefined && { writeSync }),
    queryEtl: overrides.queryEtl ?? ((q) => store.queryEtl(q)),
    queryAudit: overrides.queryAudit ?? ((q) => store.queryAudit(q)),
    findAuditEvent: overrides.findAuditEvent ?? ((id, ms) => store.findAuditEvent(id, ms)),
    revision: overrides.revision ?? (() => store.revision()),
    loadWorkloads: overrides.loadWorkloads ?? ((c) => store.loadWorkloads(c)),
    insertCustomEvents: overrides.insertCustomEvents ?? ((p, e) => store.insertCustomEvents(p, e)),
    summarizeEvents: overrides.summarizeEvents ?? ((q) => store.summarizeEvents(q)),
    queryOccurrences: overrides.queryOccurrences ?? ((q) => store.queryOccurrences(q)),
    saveSets: overrides.saveSets ?? ((s) => store.saveSets(s)),
    listSets: overrides.listSets ?? ((q) => store.listSets(q)),
    loadSet: overrides.loadSet ?? ((k) => store.loadSet(k)),
    deleteSets: overrides.deleteSets ?? ((q) => store.deleteSets(q)),
    hasCluster: overrides.hasCluster ?? ((c) => store.hasCluster(c)),
    outbox: overrides.outbox ?? store.outbox,
    saveRepair: overrides.saveRepair ?? ((c, b) => store.saveRepair(c, b)),
    loadRepairs: overrides.loadRepairs ?? ((c) => store.loadRepairs(c)),
    queryGaps: overrides.queryGaps ?? ((q) => store.queryGaps(q)),
    prune: overrides.prune ?? ((c, now) => store.prune(c, now)),
    ping: overrides.ping ?? (() => store.ping()),
    close: overrides.close ?? (() => store.close()),
  };
}

/** An error as a dropped database connection raises it (transient). */
export function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

/**
 * A database that can be switched off: a memory store posing as PostgreSQL (asynchronous
 * commits, transient failures while `down`), recording the size of each committed batch.
 */
export function switchableStore(inner: Store): { store: Store; batches: number[]; setDown(down: boolean): void } {
  let down = false;
  const batches: number[] = [];
  const guard = async <T>(f: () => Promise<T>): Promise<T> => {
    await Promise.resolve();
    if (down) throw connectionRefused();
    return f();
  };
  const store = delegate(inner, {
    backend: 'postgres',
    location: 'postgres://postgres:***@db/test',
    capabilities: { neverFails: false },
    writeSync: undefined,
    write: (r) =>
      guard(async () => {
        batches.push(r.length);
        await inner.write(r);
      }),
    queryEtl: (q) => guard(() => inner.queryEtl(q)),
    queryAudit: (q) => guard(() => inner.queryAudit(q)),
    revision: () => guard(() => inner.revision()),
    insertCustomEvents: (p, e) => guard(() => inner.insertCustomEvents(p, e)),
    summarizeEvents: (q) => guard(() => inner.summarizeEvents(q)),
    queryOccurrences: (q) => guard(() => inner.queryOccurrences(q)),
    hasCluster: (c) => guard(() => inner.hasCluster(c)),
    ping: () => guard(() => inner.ping()),
  });
  return { store, batches, setDown: (d) => (down = d) };
}
