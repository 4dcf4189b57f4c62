import type { AuditEvent } from '../audit/audit-event.js';
import type { EtlEvent } from './etl-event.js';

/** Every topic of the event bus and its payload. Producers publish here; stores subscribe. */
export interface Topics {
  /** A step of the ETL pipeline. */
  etl: EtlEvent;
  /** A priced workload change. */
  audit: AuditEvent;
}
