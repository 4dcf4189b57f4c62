import type { AuditHead } from '../audit/audit-change.js';
import type { AuditEventType } from '../audit/audit-event.js';
import type { AuditResourceType } from '../audit/resource-types.js';
import type { EtlEvent } from '../events/etl-event.js';
import { etlMetadataJson } from '../events/etl-event-json.js';
import type { EtlKind } from '../events/etl-kinds.js';
import { boundNs } from '../time.js';
import type { EventSummary, StoredOccurrence, TimeRange } from './catalogue.js';

/** The memory backend's Cloud Eye view of the ETL and audit events its rings hold: summaries and occurrences. */

/** An audit event as the memory backend holds it: the event and its JSON are made on their first read. */
export interface HeldAudit {
  readonly key: string;
  readonly head: AuditHead;
  readonly json: string;
  /** `event.timestamp` in epoch ms. */
  readonly timeMs: number;
}

/** A range as numbers to compare (open ends infinite), and in ns for ETL times. */
export function bounds(r: TimeRange): { from: number; to: number; fromNs: bigint | undefined; toNs: bigint | undefined } {
  return {
    from: r.fromMs ?? -Infinity,
    to: r.toMs ?? Infinity,
    fromNs: r.fromMs === undefined ? undefined : boundNs(r.fromMs),
    toNs: r.toMs === undefined ? undefined : boundNs(r.toMs),
  };
}

/** Per kind: how many and the latest. */
export function summarizeEtl(events: readonly EtlEvent[]): EventSummary['etl'] {
  const byKind = new Map<EtlKind, { kind: EtlKind; count: number; latestNs: bigint }>();
  for (const e of events) {
    const row = byKind.get(e.kind) ?? { kind: e.kind, count: 0, latestNs: e.time };
    row.count++;
    if (e.time > row.latestNs) row.latestNs = e.time;
    byKind.set(e.kind, row);
  }
  return [...byKind.values()];
}

/** Per change type and kind: how many and the latest. */
export function summarizeAudit(entries: readonly HeldAudit[]): EventSummary['audit'] {
  const byName = new Map<string, { eventType: AuditEventType; resourceType: AuditResourceType; count: number; latestMs: number }>();
  for (const a of entries) {
    const { eventType, resourceType } = a.head;
    const id = `${eventType}/${resourceType}`;
    const row = byName.get(id) ?? { eventType, resourceType, count: 0, latestMs: a.timeMs };
    row.count++;
    row.latestMs = Math.max(row.latestMs, a.timeMs);
    byName.set(id, row);
  }
  return [...byName.values()];
}

/** ETL events in arrival order as occurrences, newest first by time, then latest arrival. */
export function etlOccurrences(arrived: readonly EtlEvent[]): StoredOccurrence[] {
  // A stable sort of the arrival order reversed keeps later arrivals first among equal times.
  const events = [...arrived].reverse().sort((a, b) => (a.time > b.time ? -1 : a.time < b.time ? 1 : 0));
  return events.map((e) => ({ source: 'etl', cluster: e.cluster, kind: e.kind, timeNs: e.time, metadata: etlMetadataJson(e.metadata) }));
}

/** Audit events in arrival order as occurrences, newest first by time, then latest arrival. */
export function auditOccurrences(arrived: readonly HeldAudit[]): StoredOccurrence[] {
  const entries = [...arrived].reverse().sort((a, b) => b.timeMs - a.timeMs);
  return entries.map((a) => ({ source: 'audit', cluster: a.head.cluster, key: a.key, timeMs: a.timeMs, body: a.json }));
}
