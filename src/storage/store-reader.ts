import { mergingGaps, type AuditGapStore } from './gap-store.js';
import { AppError } from '../errors.js';
import type { AuditLogStore, CloudEyeCatalogue, EtlLogStore, SetStore, StoreRevisions } from './store.js';
import { isTransientStoreError } from './store-errors.js';
import type { StoreWriter } from './store-writer.js';

/** The read side the routes use: the store's queries, failing with a clear 503 while storage is unavailable. */
export type EventReader = EtlLogStore & AuditLogStore & StoreRevisions;

/**
 * Guards the store's queries. While the writer knows storage is unavailable, a query fails at once
 * (no request waits on a dead connection); a query that fails transiently tells the writer, which
 * then retries in the background. Either way the client gets STORAGE_UNAVAILABLE, never internals.
 */
export function guardedReader(store: EventReader, writer: StoreWriter): EventReader {
  const guard = storeGuard(writer);
  return {
    queryEtl: (q) => guard(() => store.queryEtl(q)),
    queryAudit: (q) => guard(() => store.queryAudit(q)),
    findAuditEvent: (id, ms) => guard(() => store.findAuditEvent(id, ms)),
    revision: () => guard(() => store.revision()),
  };
}

/** The stored sets, guarded as {@link guardedReader} guards the queries: a 503 while storage is unavailable. */
export function guardedSets(store: SetStore, writer: StoreWriter): SetStore {
  const guard = storeGuard(writer);
  return {
    saveSets: (sets) => guard(() => store.saveSets(sets)),
    listSets: (q) => guard(() => store.listSets(q)),
    loadSet: (key) => guard(() => store.loadSet(key)),
    deleteSets: (q) => guard(() => store.deleteSets(q)),
  };
}

/** The Cloud Eye side of storage: custom events in, summaries and details out. */
export type EventCatalogue = CloudEyeCatalogue & StoreRevisions;

/** The catalogue, guarded as {@link guardedReader} guards the queries: a report made while storage is down fails with a 503 and stores nothing. */
export function guardedCatalogue(store: EventCatalogue, writer: StoreWriter): EventCatalogue {
  const guard = storeGuard(writer);
  return {
    insertCustomEvents: (project, events) => guard(() => store.insertCustomEvents(project, events)),
    summarizeEvents: (q) => guard(() => store.summarizeEvents(q)),
    queryOccurrences: (q) => guard(() => store.queryOccurrences(q)),
    hasCluster: (cluster) => guard(() => store.hasCluster(cluster)),
    revision: () => guard(() => store.revision()),
  };
}

/** The audit's gaps as served (those of one outage merged: {@link mergingGaps}), guarded as {@link guardedReader} guards the queries: a 503 while storage is unavailable. */
export function guardedGaps(store: AuditGapStore, writer: StoreWriter): AuditGapStore {
  const guard = storeGuard(writer);
  return mergingGaps({ queryGaps: (q) => guard(() => store.queryGaps(q)) });
}

/** Runs a store call unless storage is known to be down; a transient failure tells the writer and becomes STORAGE_UNAVAILABLE. */
function storeGuard(writer: StoreWriter): <T>(call: () => Promise<T>) => Promise<T> {
  const unavailable = () =>
    new AppError(
      'STORAGE_UNAVAILABLE',
      `storage (${writer.backend}) is unavailable; events produced meanwhile are held and written when it returns; /readyz has the details`,
    );
  return async <T>(call: () => Promise<T>): Promise<T> => {
    if (!writer.available) throw unavailable();
    try {
      return await call();
    } catch (err) {
      if (!isTransientStoreError(err)) throw err;
      writer.reportFailure(err);
      throw unavailable();
    }
  };
}
