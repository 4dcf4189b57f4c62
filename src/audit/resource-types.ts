/** The kinds of workload the audit can watch, as `resourceType` and `filterResourceTypes` spell them. */
export const AUDIT_RESOURCE_TYPES = ['deployment', 'statefulset', 'daemonset', 'pod'] as const;
/** One auditable workload kind. */
export type AuditResourceType = (typeof AUDIT_RESOURCE_TYPES)[number];
