import { Type, type Static } from '@sinclair/typebox';
import type { EtlKind } from './etl-kinds.js';

/** The window of a set, as RFC 3339 strings in UTC (`2022-06-03T10:00:00Z`). */
export const SetWindowSchema = Type.Object({
  start: Type.String({ format: 'date-time', examples: ['2022-06-03T10:00:00Z'] }),
  end: Type.String({ format: 'date-time', examples: ['2022-06-03T11:00:00Z'] }),
});
/** The window of a set (from {@link SetWindowSchema}). */
export type SetWindow = Readonly<Static<typeof SetWindowSchema>>;

/** What an ETL event says about the set it concerns: the shape `/model/etl/log` serves and storage keeps. */
export const EtlMetadataSchema = Type.Object({
  size: Type.Optional(Type.Integer({ minimum: 0, description: 'Records in the set, where the step has a count.' })),
  window: Type.Optional(SetWindowSchema),
  error: Type.Optional(Type.String({ description: 'Why the step failed; error kinds only.' })),
});
/** What an ETL event says about the set it concerns (from {@link EtlMetadataSchema}). */
export type EtlMetadata = Readonly<Static<typeof EtlMetadataSchema>>;

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
