import type pg from 'pg';
import type { SetDeletion, SetQuery, StoredSet, StoredSetInfo, StoredSetKey } from '../store.js';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/**
 * A set's description as a row of `etl_sets` reads. The BIGINT columns are read as float8, which
 * pg parses to numbers; epoch ms and record counts are exact in a double.
 */
const INFO = 'cluster, category, resolution_ms::float8 AS "resolutionMs", start_ms::float8 AS start, end_ms::float8 AS "end", size::float8 AS size, reconciled';

/** The bytes as a Buffer over the same memory (no copy), which pg sends as a binary parameter, as it is. */
function asBuffer(payload: Uint8Array): Uint8Array {
  // Anything but bytes (a caller's null) goes as it is, for the database to refuse.
  return payload instanceof Uint8Array && !Buffer.isBuffer(payload) ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) : payload;
}

/**
 * Stores sets inside the caller's transaction, one statement per set: each payload travels as a
 * parameter of its own (a set may be tens of MB; an array of them would be hex-encoded text).
 */
export async function saveSets(client: pg.PoolClient, sets: readonly StoredSet[]): Promise<void> {
  for (const s of sets) {
    await client.query(
      `INSERT INTO etl_sets (cluster, category, resolution_ms, start_ms, end_ms, size, reconciled, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (cluster, category, resolution_ms, start_ms) DO UPDATE SET
         end_ms = excluded.end_ms, size = excluded.size, reconciled = excluded.reconciled, payload = excluded.payload`,
      [s.cluster, s.category, s.resolutionMs, s.start, s.end, s.size, s.reconciled, asBuffer(s.payload)],
    );
  }
}

export async function listSets(db: Queryable, q: SetQuery): Promise<StoredSetInfo[]> {
  const params: unknown[] = [q.category, q.resolutionMs];
  const where = ['category = $1', 'resolution_ms = $2'];
  if (q.clusters !== undefined) {
    params.push([...q.clusters]);
    where.push(`cluster = ANY($${params.length}::text[])`);
  }
  if (q.start !== undefined) {
    params.push(q.start);
    where.push(`start_ms >= $${params.length}`);
  }
  if (q.end !== undefined) {
    // A window ends after it starts (a CHECK), so start_ms < end too: the index range stops there.
    params.push(q.end);
    where.push(`end_ms <= $${params.length} AND start_ms < $${params.length}`);
  }
  const { rows } = await db.query<StoredSetInfo>(`SELECT ${INFO} FROM etl_sets WHERE ${where.join(' AND ')} ORDER BY start_ms, cluster`, params);
  return rows;
}

export async function loadSet(db: Queryable, key: StoredSetKey): Promise<StoredSet | undefined> {
  const { rows } = await db.query<{ end: number; size: number; reconciled: string | null; payload: Buffer }>(
    `SELECT end_ms::float8 AS "end", size::float8 AS size, reconciled, payload FROM etl_sets
     WHERE cluster = $1 AND category = $2 AND resolution_ms = $3 AND start_ms = $4`,
    [key.cluster, key.category, key.resolutionMs, key.start],
  );
  const row = rows[0];
  return row === undefined ? undefined : { cluster: key.cluster, category: key.category, resolutionMs: key.resolutionMs, start: key.start, ...row };
}

export async function deleteSets(db: Queryable, q: SetDeletion): Promise<StoredSetInfo[]> {
  const { rows } = await db.query<StoredSetInfo>(
    `WITH deleted AS (
       DELETE FROM etl_sets WHERE cluster = $1 AND category = $2 AND resolution_ms = $3 AND end_ms <= $4 AND start_ms < $4
       RETURNING cluster, category, resolution_ms, start_ms, end_ms, size, reconciled
     )
     SELECT ${INFO} FROM deleted ORDER BY start_ms`,
    [q.cluster, q.category, q.resolutionMs, q.endAtOrBefore],
  );
  return rows;
}
