/**
 * The last ETL repair of each cluster (etl/repair.ts), kept so that a restart can tell a repair it
 * interrupted from one that finished. Storage keeps one record per cluster, replacing the last, and
 * never looks inside it: `body` is the repair's JSON. Memory, SQLite (`etl_repairs`, schema
 * version 6) and PostgreSQL implement it; test/storage/repair-store-contract.test.ts holds them to
 * the same answers.
 */
export interface RepairStore {
  /** Keeps `body` as the last repair of `cluster`, replacing the one held. */
  saveRepair(cluster: string, body: string): Promise<void>;
  /** The last repair of each selected cluster (undefined: every cluster) that has one, by cluster. */
  loadRepairs(clusters?: ReadonlySet<string>): Promise<ReadonlyMap<string, string>>;
}

/** Most bytes a repair record may have: it names a window, counts and at most a few ranges. */
export const MAX_REPAIR_BYTES = 64 * 1024;
