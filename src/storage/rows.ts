import { Value } from '@sinclair/typebox/value';
import type { AuditEvent } from '../audit/audit-event.js';
import { AUDIT_RESOURCE_TYPES, type AuditResourceType } from '../audit/resource-types.js';
import type { KnownWorkload } from '../audit/workload-state.js';
import { WorkloadSpecSchema } from '../cost/workload.js';
import type { EtlEvent } from '../events/etl-event.js';
import { etlMetadataJson } from '../events/etl-event-json.js';
import { categoryOf, ETL_KINDS, isEtlKind } from '../events/etl-kinds.js';
import type { EtlCounters } from '../events/etl-log.js';

/** How the SQL backends lay records out in rows, shared so SQLite and PostgreSQL store the same. */

/**
 * `s` with each lone surrogate replaced by U+FFFD, as a text parameter is written (UTF-8), for
 * text put inside a JSON value: there its `\ud800` escape would make PostgreSQL refuse the whole
 * statement, and SQLite read it back as three replacement characters. (Node 20 has
 * `toWellFormed`; the ES2023 lib this project compiles against does not declare it.)
 */
export const wellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed();

/** An ETL event as a row; `metadata` is the JSON `/model/etl/log` prints. */
export function etlRow(e: EtlEvent): { cluster: string; category: string; kind: string; timeNs: bigint; metadata: string; dedupeKey: string | null } {
  return { cluster: e.cluster, category: categoryOf(e.kind), kind: e.kind, timeNs: e.time, metadata: etlMetadataJson(e.metadata), dedupeKey: e.dedupeKey ?? null };
}

/**
 * An audit event as a row: the columns the filters use, and the event's JSON as served (kept as
 * text, not jsonb, because the answer must keep Kubecost's key order).
 */
export function auditRow(e: AuditEvent, key: string) {
  return {
    cluster: e.properties.cluster,
    key,
    eventType: e.eventType,
    resourceType: e.resourceType,
    namespace: e.properties.namespace,
    rate: e.costPrediction.totalMonthlyRate,
    /** `timestamp` in epoch ms, for the Cloud Eye queries (a migration trigger fills it for writers that leave it 0). */
    timeMs: Date.parse(e.timestamp),
    /** The filters' columns of schema version 5 (null for an event without them). */
    changedBy: e.changedBy?.manager ?? null,
    source: e.source?.tool ?? null,
    body: JSON.stringify(e),
  };
}


/** A stored workload row back to what the audit remembers; undefined for a row that no longer parses. */
export function knownWorkloadOf(row: { uid: string; name: string; namespace: string; resource_version: string; spec: string; last_seen_ns: bigint }): KnownWorkload | undefined {
  let spec: unknown;
  try {
    spec = JSON.parse(row.spec);
  } catch {
    return undefined;
  }
  if (!Value.Check(WorkloadSpecSchema, spec)) return undefined;
  return { uid: row.uid, name: row.name, namespace: row.namespace, resourceVersion: row.resource_version, spec, lastSeenNs: row.last_seen_ns };
}

/** True for a stored resource type this server knows. */
export function isAuditResourceType(s: string): s is AuditResourceType {
  return (AUDIT_RESOURCE_TYPES as readonly string[]).includes(s);
}

const KINDS_LEXICAL = [...ETL_KINDS].sort();

/** Summed counter rows to the counters map, keys in lexical order as Go prints Kubecost's map. */
export function countersOf(rows: readonly { kind: string; n: number }[]): EtlCounters {
  const byKind = new Map<string, number>();
  for (const r of rows) if (isEtlKind(r.kind)) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + r.n);
  const out: EtlCounters = {};
  for (const k of KINDS_LEXICAL) {
    const n = byKind.get(k);
    if (n !== undefined) out[k] = n;
  }
  return out;
}
