import type { AuditEvent } from '../audit/audit-event.js';
import { auditOrigin } from './audit-origin.js';
import { globRegExp, matchesAny } from './glob.js';
import type { EtlTrigger, RouteConfig } from './notify-config.js';

/** A route with its globs compiled once per version of the file. */
export interface CompiledRoute {
  readonly route: RouteConfig;
  readonly clusters?: readonly RegExp[];
  readonly namespaces?: readonly RegExp[];
  readonly changedBy?: readonly RegExp[];
  readonly sources?: readonly RegExp[];
}

const compile = (globs: readonly string[] | undefined) => globs?.map(globRegExp);

/** Compiles the globs of a route. */
export function compileRoute(route: RouteConfig): CompiledRoute {
  const m = route.match;
  const out: { -readonly [K in keyof CompiledRoute]: CompiledRoute[K] } = { route };
  const clusters = compile(m.clusters);
  const namespaces = compile(m.namespaces);
  const changedBy = compile(m.changedBy);
  const sources = compile(m.sources);
  if (clusters) out.clusters = clusters;
  if (namespaces) out.namespaces = namespaces;
  if (changedBy) out.changedBy = changedBy;
  if (sources) out.sources = sources;
  return out;
}

/** The monthly rate before the change: 0 for an add, the removed rate for a delete, the previous prediction for an update. */
export function previousRate(e: AuditEvent): number {
  if (e.eventType === 'add') return 0;
  if (e.eventType === 'delete') return e.costPrediction.totalMonthlyRate;
  return e.previousCostPrediction?.totalMonthlyRate ?? e.costPrediction.totalMonthlyRate - e.monthlyCostDelta;
}

/**
 * Whether an audit event passes a route's match: every given condition must hold. The cost bounds
 * are on |monthly cost delta|: at least the amount, and at least the percentage of the previous
 * rate (an add, from nothing, is an infinite increase and passes any percentage).
 */
export function matchesAudit(r: CompiledRoute, e: AuditEvent): boolean {
  const m = r.route.match;
  if (m.etl !== undefined) return false;
  if (!matchesAny(r.clusters, e.properties.cluster)) return false;
  if (!matchesAny(r.namespaces, e.properties.namespace)) return false;
  if (m.resourceTypes !== undefined && !m.resourceTypes.includes(e.resourceType)) return false;
  if (m.eventTypes !== undefined && !m.eventTypes.includes(e.eventType)) return false;
  if (r.changedBy !== undefined || r.sources !== undefined) {
    const origin = auditOrigin(e);
    if (!matchesAny(r.changedBy, origin.changedBy)) return false;
    if (!matchesAny(r.sources, origin.source)) return false;
  }
  const delta = Math.abs(e.monthlyCostDelta);
  if (m.minMonthlyCostDelta !== undefined && !(delta >= m.minMonthlyCostDelta)) return false;
  if (m.minMonthlyCostDeltaPercent !== undefined) {
    const before = previousRate(e);
    if (before > 0 && !((delta / before) * 100 >= m.minMonthlyCostDeltaPercent)) return false;
    if (before <= 0 && delta === 0) return false;
  }
  return true;
}

/** Whether an ETL condition passes a route's match. */
export function matchesEtl(r: CompiledRoute, cluster: string, trigger: EtlTrigger): boolean {
  const m = r.route.match;
  return m.etl !== undefined && m.etl.includes(trigger) && matchesAny(r.clusters, cluster);
}
