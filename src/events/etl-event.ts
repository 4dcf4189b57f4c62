import type { EtlKind } from './etl-kinds.js';

/** The window of a set, as RFC 3339 strings in UTC (`2022-06-03T10:00:00Z`). */
export interface SetWindow {
  readonly start: string;
  readonly end: string;
}

/** What an ETL event says about the set it concerns. */
export interface EtlMetadata {
  /** Records in the set, where the step has a count (Saved, Loaded, Aggregated). */
  readonly size?: number;
  readonly window?: SetWindow;
  /** Why the step failed; only on the error kinds. */
  readonly error?: string;
}

/** One entry of the ETL log, as `/model/etl/log` serves it (with `time` rendered as RFC 3339). */
export interface EtlEvent {
  readonly kind: EtlKind;
  readonly metadata: EtlMetadata;
  /** When the step happened, epoch nanoseconds from the injected clock. */
  readonly time: bigint;
  /** The cluster that produced it (`CLUSTER_ID`). */
  readonly cluster: string;
  /**
   * Idempotency key within the cluster, e.g. kind + window: replicas running the ETL of one
   * cluster publish the same step with the same key, and storage keeps it once. Unset: never deduplicated.
   */
  readonly dedupeKey?: string;
}
