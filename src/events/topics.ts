import type { AuditChange } from '../audit/audit-change.js';
import type { WorkloadStateChange } from '../audit/workload-state.js';
import type { AuditGap } from '../audit/watch-gap.js';
import type { CustomEventsReported } from '../cloud-eye/report-events.js';
import type { EtlEvent } from './etl-event.js';

/** Every topic of the event bus and its payload. Producers publish here; stores subscribe. */
export interface Topics {
  /** A step of the ETL pipeline. */
  etl: EtlEvent;
  /** A priced workload change: the public event, its idempotency key, the remembered state after it. */
  audit: AuditChange;
  /** A change of what the audit remembers of the watched workloads, without an event (after a list, a heartbeat). */
  workloads: WorkloadStateChange;
  /** A gap in the audit's view, once the list that ended it has published the changes it found. */
  auditGaps: AuditGap;
  /** Custom events reported through the Cloud Eye API, once committed (storage already holds them). */
  customEvents: CustomEventsReported;
}
