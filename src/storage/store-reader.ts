import type { AuditQuery } from '../audit/audit-query.js';
import { AppError } from '../errors.js';
import type { EtlPage, EtlQuery, Store, StoreRevision } from './store.js';
import { isTransientStoreError } from './store-errors.js';
import type { StoreWriter } from './store-writer.js';

/** The read side the routes use: the store's queries, failing with a clear 503 while storage is unavailable. */
export interface EventReader {
  queryEtl(q: EtlQuery): Promise<EtlPage>;
  queryAudit(q: AuditQuery): Promise<readonly string[]>;
  revision(): Promise<StoreRevision>;
}

/**
 * Guards the store's queries. While the writer knows storage is unavailable, a query fails at once
 * (no request waits on a dead connection); a query that fails transiently tells the writer, which
 * then retries in the background. Either way the client gets STORAGE_UNAVAILABLE, never internals.
 */
export function guardedReader(store: Store, writer: StoreWriter): EventReader {
  const unavailable = () =>
    new AppError(
      'STORAGE_UNAVAILABLE',
      `storage (${store.backend}) is unavailable; events produced meanwhile are held and written when it returns; /readyz has the details`,
    );
  const guard = async <T>(read: () => Promise<T>): Promise<T> => {
    if (!writer.available) throw unavailable();
    try {
      return await read();
    } catch (err) {
      if (!isTransientStoreError(err)) throw err;
      writer.reportFailure(err);
      throw unavailable();
    }
  };
  return {
    queryEtl: (q) => guard(() => store.queryEtl(q)),
    queryAudit: (q) => guard(() => store.queryAudit(q)),
    revision: () => guard(() => store.revision()),
  };
}
