import type { AuditEventType } from '../audit/audit-event.js';
import type { AuditResourceType } from '../audit/resource-types.js';
import type { EtlKind } from '../events/etl-kinds.js';

/**
 * The event catalogue as the storage seam sees it: custom events reported through the Cloud Eye
 * API, and the queries that summarise them beside the stored ETL and audit events. Storage speaks
 * in its own terms (kinds, change types, rows); `src/cloud-eye/` maps them to Cloud Eye's.
 */

/** A custom event ready to store: its id, its de-duplication key, the columns the filters use, its JSON as served. */
export interface CustomEventRecord {
  /** Cloud Eye's event id, `ev` + 13-digit ms + 9 letters and digits. */
  readonly eventId: string;
  readonly name: string;
  readonly source: string;
  /** When it occurred, epoch ms. */
  readonly timeMs: number;
  /** `detail.event_level`, `event_state` and `event_user`; '' when not given. */
  readonly level: string;
  readonly state: string;
  readonly user: string;
  /** Cloud Eye's de-duplication key, unique within the project. */
  readonly dedupeKey: string;
  /** The occurrence as the details call serves it (an `event_info` item). */
  readonly body: string;
}

/** What storing a batch did: per event the id it is kept under (its own, or the first identical event's), and the events newly stored. */
export interface CustomEventsStored {
  readonly ids: readonly string[];
  readonly inserted: readonly CustomEventRecord[];
}

/** Bounds in epoch ms, half-open `[fromMs, toMs)`; an absent bound is open. */
export interface TimeRange {
  readonly fromMs?: number;
  readonly toMs?: number;
}

/** What a summary covers: one project (cluster), a time range, and which sources (an absent source is left out; a name narrows it). */
export interface EventSummaryQuery extends TimeRange {
  readonly project: string;
  readonly etl?: { readonly kind?: EtlKind };
  readonly audit?: { readonly eventType?: AuditEventType; readonly resourceType?: AuditResourceType };
  /** `notBeforeMs` narrows the range for custom events alone (their retention). */
  readonly custom?: { readonly name?: string; readonly notBeforeMs?: number };
}

/** A count and the latest occurrence per name, per source; names without an occurrence in range are absent. */
export interface EventSummary {
  readonly etl: readonly { readonly kind: EtlKind; readonly count: number; readonly latestNs: bigint }[];
  readonly audit: readonly { readonly eventType: AuditEventType; readonly resourceType: AuditResourceType; readonly count: number; readonly latestMs: number }[];
  readonly custom: readonly { readonly name: string; readonly count: number; readonly latestMs: number; readonly latestSource: string }[];
}

/** Which occurrences of one event name to list, and which page of them. */
export type OccurrenceQuery = TimeRange & {
  readonly project: string;
  readonly offset: number;
  readonly limit: number;
} & (
    | { readonly source: 'etl'; readonly kind: EtlKind }
    | { readonly source: 'audit'; readonly eventType: AuditEventType; readonly resourceType: AuditResourceType }
    | {
        readonly source: 'custom';
        readonly name: string;
        /** Exact matches; when absent, every value matches. */
        readonly eventSource?: string;
        readonly level?: string;
        readonly state?: string;
        readonly user?: string;
      }
  );

/** One stored occurrence, as its source keeps it. */
export type StoredOccurrence =
  | { readonly source: 'etl'; readonly cluster: string; readonly kind: EtlKind; readonly timeNs: bigint; readonly metadata: string }
  | { readonly source: 'audit'; readonly cluster: string; readonly key: string; readonly timeMs: number; readonly body: string }
  | { readonly source: 'custom'; readonly body: string };

/** At most this many distinct sources and users are listed beside a page of custom events. */
export const DISTINCT_LIMIT = 100;

/** A page of occurrences, newest first (by time, then arrival). */
export interface OccurrencePage {
  /** How many match, before paging. */
  readonly total: number;
  readonly rows: readonly StoredOccurrence[];
  /** Custom events only: the distinct sources and users of all that match (at most {@link DISTINCT_LIMIT}, sorted). */
  readonly sources: readonly string[];
  readonly users: readonly string[];
}
