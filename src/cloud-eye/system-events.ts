import type { AuditEvent, AuditEventType } from '../audit/audit-event.js';
import { auditEventId } from '../audit/audit-id.js';
import type { AuditResourceType } from '../audit/resource-types.js';
import { categoryOf, isErrorKind, isEtlKind, type EtlKind } from '../events/etl-kinds.js';
import type { StoredOccurrence } from '../storage/catalogue.js';
import { nsToMs } from '../time.js';
import { derivedEventId } from './event-id.js';
import type { Occurrence, OccurrenceDetail } from './response-schemas.js';

/**
 * The server's own events as Cloud Eye system events (`EVENT.SYS`): every ETL step (named by its
 * kind, source `SYS.ETL`) and every audited change (named like Cloud Eye's own, `createDeployment`,
 * `deleteStatefulSet`, `updateDaemonSet`…, source `SYS.K8S`).
 */

/** The source of ETL steps. */
export const ETL_SOURCE = 'SYS.ETL';
/** The source of audited Kubernetes changes. */
export const K8S_SOURCE = 'SYS.K8S';

const VERBS: Record<AuditEventType, string> = { add: 'create', delete: 'delete', update: 'update' };
const KINDS: Record<AuditResourceType, string> = { deployment: 'Deployment', statefulset: 'StatefulSet', daemonset: 'DaemonSet', pod: 'Pod' };

/** A change's event name: `createDeployment`, `deleteStatefulSet`, `updateDaemonSet`, … */
export function changeEventName(eventType: AuditEventType, resourceType: AuditResourceType): string {
  return `${VERBS[eventType]}${KINDS[resourceType]}`;
}

/** Which system events a name selects: one ETL kind, one kind of change, or none. */
export type SystemEventName =
  | { readonly source: 'etl'; readonly kind: EtlKind }
  | { readonly source: 'audit'; readonly eventType: AuditEventType; readonly resourceType: AuditResourceType }
  | undefined;

/** Resolves a system event name (exact, case-sensitive, as Cloud Eye names are). */
export function resolveSystemEventName(name: string): SystemEventName {
  if (isEtlKind(name)) return { source: 'etl', kind: name };
  for (const [eventType, verb] of Object.entries(VERBS) as [AuditEventType, string][]) {
    if (!name.startsWith(verb)) continue;
    const kind = name.slice(verb.length);
    const resourceType = (Object.entries(KINDS) as [AuditResourceType, string][]).find(([, k]) => k === kind)?.[0];
    if (resourceType !== undefined) return { source: 'audit', eventType, resourceType };
  }
  return undefined;
}

/** The level, state and user every occurrence of a system event name carries: an ETL error is a Major incident, the rest Info. */
export function systemEventTraits(name: Exclude<SystemEventName, undefined>): { source: string; level: 'Major' | 'Info'; state: 'incident' | 'normal'; user: '' } {
  if (name.source === 'audit') return { source: K8S_SOURCE, level: 'Info', state: 'normal', user: '' };
  const failed = isErrorKind(name.kind);
  return { source: ETL_SOURCE, level: failed ? 'Major' : 'Info', state: failed ? 'incident' : 'normal', user: '' };
}

/** A stored ETL or audit occurrence as Cloud Eye serves it. */
export function systemOccurrence(row: Exclude<StoredOccurrence, { source: 'custom' }>): Occurrence {
  if (row.source === 'etl') {
    const time = nsToMs(row.timeNs);
    const traits = systemEventTraits({ source: 'etl', kind: row.kind });
    const detail: OccurrenceDetail = {
      content: row.metadata,
      group_id: '',
      resource_id: '',
      resource_name: '',
      event_state: traits.state,
      event_level: traits.level,
      event_user: '',
      event_type: 'EVENT.SYS',
      dimensions: [{ name: 'category', value: categoryOf(row.kind) }],
    };
    return { event_id: derivedEventId(time, `etl/${row.cluster}/${row.kind}/${row.timeNs}/${row.metadata}`), event_name: row.kind, event_source: ETL_SOURCE, time, detail };
  }
  const e = JSON.parse(row.body) as AuditEvent;
  const detail: OccurrenceDetail = {
    // The cost prediction of the change, the signed change of the monthly rate it makes, then who
    // made it and which tool owns the workload (events stored before schema version 5 lack them),
    // and for a change found by a relist, that its time is inferred and the span it happened in.
    content: JSON.stringify({
      ...e.costPrediction,
      monthlyCostDelta: e.monthlyCostDelta,
      ...(e.changedBy !== undefined && { changedBy: e.changedBy }),
      ...(e.source !== undefined && { source: e.source }),
      ...(e.inferred === true && { inferred: true, span: e.span }),
      ...(e.scaleGroup !== undefined && { scaleGroup: e.scaleGroup }),
    }),
    group_id: '',
    resource_id: e.uid,
    resource_name: `${e.properties.namespace}/${e.properties.name}`,
    event_state: 'normal',
    event_level: 'Info',
    event_user: '',
    event_type: 'EVENT.SYS',
    dimensions: [
      { name: 'namespace', value: e.properties.namespace },
      { name: 'kind', value: KINDS[e.resourceType] },
    ],
  };
  return {
    event_id: auditEventId(row.cluster, row.key, row.timeMs),
    event_name: changeEventName(e.eventType, e.resourceType),
    event_source: K8S_SOURCE,
    time: row.timeMs,
    detail,
  };
}
