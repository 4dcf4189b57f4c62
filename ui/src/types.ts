import type { Static } from '@sinclair/typebox';
import type { AuditResponseSchema } from '../../src/http/audit-routes.js';
import type { AllocationResponseSchema } from '../../src/http/cost-model-routes.js';
import type { EtlLogResponseSchema } from '../../src/http/etl-log-routes.js';
import type { ReadinessSchema } from '../../src/http/health-routes.js';
import type { UiInfoResponseSchema } from '../../src/http/ui-routes.js';
import type { EventDetailsResponseSchema, EventSummaryResponseSchema } from '../../src/cloud-eye/response-schemas.js';

// The page's view of the API, derived from the very schemas the server validates its answers
// with: a change to an answer's shape fails the page's typecheck instead of drifting from it.

export type AuditResponse = Static<typeof AuditResponseSchema>;
export type AuditEvent = AuditResponse['data'][number];
export type EtlLogResponse = Static<typeof EtlLogResponseSchema>;
export type EtlEvent = EtlLogResponse['data']['allocation'][number];
export type Readiness = Static<typeof ReadinessSchema>;
/** `/readyz` answers 200 or 503, both with the readiness in `data`. */
export interface ReadyzResponse {
  readonly code: number;
  readonly data: Readiness;
  readonly message?: string;
}
export type AllocationResponse = Static<typeof AllocationResponseSchema>;
export type Allocation = AllocationResponse['data'][number][string];
export type UiInfo = Static<typeof UiInfoResponseSchema>['data'];
export type EventSummaryResponse = Static<typeof EventSummaryResponseSchema>;
export type EventDetailsResponse = Static<typeof EventDetailsResponseSchema>;
