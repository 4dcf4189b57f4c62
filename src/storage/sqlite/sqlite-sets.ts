import type Database from 'better-sqlite3';
import type { SetDeletion, SetQuery, StoredSet, StoredSetInfo, StoredSetKey } from '../store.js';

/** The store's prepared-statement cache. */
type Prepare = (sql: string) => Database.Statement;

/** A set's description as a row of `etl_sets` reads (integers fit a number: they are epoch ms and counts). */
const INFO = 'cluster, category, resolution_ms AS resolutionMs, start_ms AS start, end_ms AS "end", size, reconciled';

/**
 * The ETL pipeline's sets in the SQLite backend (table `etl_sets`, schema version 4): one row per
 * cluster, category, resolution and window start, the payload a BLOB bound and read as it is.
 */
export class SqliteSets {
  readonly #saveTx: (sets: readonly StoredSet[]) => void;

  constructor(
    db: Database.Database,
    private readonly stmt: Prepare,
  ) {
    this.#saveTx = db.transaction((sets: readonly StoredSet[]) => {
      const upsert = this.stmt(
        `INSERT INTO etl_sets (cluster, category, resolution_ms, start_ms, end_ms, size, reconciled, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (cluster, category, resolution_ms, start_ms) DO UPDATE SET
           end_ms = excluded.end_ms, size = excluded.size, reconciled = excluded.reconciled, payload = excluded.payload`,
      );
      for (const s of sets) upsert.run(s.cluster, s.category, s.resolutionMs, s.start, s.end, s.size, s.reconciled, s.payload);
    });
  }

  /** One transaction: all stored or, when any row is refused, none. */
  save(sets: readonly StoredSet[]): void {
    if (sets.length > 0) this.#saveTx(sets);
  }

  list(q: SetQuery): StoredSetInfo[] {
    const where = ['category = ?', 'resolution_ms = ?'];
    const params: unknown[] = [q.category, q.resolutionMs];
    if (q.clusters !== undefined) {
      where.push('cluster IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify([...q.clusters]));
    }
    if (q.start !== undefined) {
      where.push('start_ms >= ?');
      params.push(q.start);
    }
    if (q.end !== undefined) {
      // A window ends after it starts (a CHECK), so start_ms < end too: the index range stops there.
      where.push('end_ms <= ? AND start_ms < ?');
      params.push(q.end, q.end);
    }
    return this.stmt(`SELECT ${INFO} FROM etl_sets WHERE ${where.join(' AND ')} ORDER BY start_ms, cluster`).all(...params) as StoredSetInfo[];
  }

  load(key: StoredSetKey): StoredSet | undefined {
    const row = this.stmt('SELECT end_ms AS "end", size, reconciled, payload FROM etl_sets WHERE cluster = ? AND category = ? AND resolution_ms = ? AND start_ms = ?').get(
      key.cluster,
      key.category,
      key.resolutionMs,
      key.start,
    ) as { end: number; size: number; reconciled: string | null; payload: Buffer } | undefined;
    return row === undefined ? undefined : { cluster: key.cluster, category: key.category, resolutionMs: key.resolutionMs, start: key.start, ...row };
  }

  delete(q: SetDeletion): StoredSetInfo[] {
    const rows = this.stmt(
      `DELETE FROM etl_sets WHERE cluster = ? AND category = ? AND resolution_ms = ? AND end_ms <= ? AND start_ms < ? RETURNING ${INFO}`,
    ).all(q.cluster, q.category, q.resolutionMs, q.endAtOrBefore, q.endAtOrBefore) as StoredSetInfo[];
    // RETURNING gives rows in no promised order.
    return rows.sort((a, b) => a.start - b.start);
  }
}
