import type { SourceTool } from '../../src/audit/attribution.js';
import type { AuditEvent, AuditEventType } from '../../src/audit/audit-event.js';
import type { AuditResourceType } from '../../src/audit/resource-types.js';
import type { EtlEvent, EtlMetadata } from '../../src/events/etl-event.js';
import type { EtlKind } from '../../src/events/etl-kinds.js';
import type { CustomEventRecord } from '../../src/storage/catalogue.js';

/** An ETL event of `cluster` at `timeNs`. */
export function etlEvent(cluster: string, kind: EtlKind, timeNs: bigint, metadata: EtlMetadata = {}, dedupeKey?: string): EtlEvent {
  return { kind, metadata, time: timeNs, cluster, ...(dedupeKey !== undefined && { dedupeKey }) };
}

/** An audit event priced as Kubecost's example (or at `rate`), named `name`. */
export function auditEvent(
  name: string,
  o: { cluster?: string; type?: AuditEventType; resource?: AuditResourceType; ns?: string; rate?: number; timestamp?: string; changedBy?: string; source?: SourceTool } = {},
): AuditEvent {
  const rate = o.rate ?? 2.4045625000000004;
  return {
    eventType: o.type ?? 'add',
    resourceType: o.resource ?? 'deployment',
    timestamp: o.timestamp ?? '2023-02-28T13:58:44.552788548Z',
    properties: { cluster: o.cluster ?? 'cluster-one', name, namespace: o.ns ?? 'kubecost' },
    totalRequests: { cpu: '100m', memory: '32Mi' },
    resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
    costPrediction: { totalMonthlyRate: rate, cpuMonthlyRate: 2.3080000000000003, ramMonthlyRate: 0.0965625, gpuMonthlyRate: 0 },
    monthlyCostDelta: o.type === 'delete' ? -rate : rate,
    uid: `uid-${name}`,
    predictor: 'requests',
    ...(o.changedBy !== undefined && { changedBy: { manager: o.changedBy } }),
    ...(o.source !== undefined && { source: { tool: o.source } }),
  };
}

/** A custom event record as the Cloud Eye domain hands it to storage; the key defaults to name and time. */
export function customRecord(
  name: string,
  timeMs: number,
  o: { id?: string; source?: string; level?: string; state?: string; user?: string; key?: string } = {},
): CustomEventRecord {
  const eventId = o.id ?? `ev${timeMs}${name.padEnd(9, 'x').slice(0, 9)}`;
  const source = o.source ?? 'shop.Checkout';
  return {
    eventId,
    name,
    source,
    timeMs,
    level: o.level ?? '',
    state: o.state ?? '',
    user: o.user ?? '',
    dedupeKey: o.key ?? `${name}/${timeMs}/${source}/${o.level ?? ''}/${o.state ?? ''}/${o.user ?? ''}`,
    body: JSON.stringify({ event_id: eventId, event_name: name, event_source: source, time: timeMs }),
  };
}
