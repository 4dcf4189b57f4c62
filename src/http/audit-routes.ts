import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { AUDIT_EVENT_TYPES, AuditEventSchema, KUBECOST_AUDIT_EVENT_EXAMPLE, type AuditEvent, type AuditEventType } from '../audit/audit-event.js';
import type { Realized } from '../audit/realized-cost.js';
import { REALIZED_PER_PAGE, type RealizedCosts } from '../audit/realized-costs.js';
import { SOURCE_TOOLS, type SourceTool } from '../audit/attribution.js';
import { AUDIT_ID_ACCEPTS, auditIdTimeMs } from '../audit/audit-id.js';
import type { AuditQuery } from '../audit/audit-query.js';
import { AUDIT_RESOURCE_TYPES, type AuditResourceType } from '../audit/resource-types.js';
import { AppError, badParameter } from '../errors.js';
import { quoteValue } from '../quote-value.js';
import type { EventReader } from '../storage/store-reader.js';
import { clusterKey, FilterClustersSchema, parseClusterFilter } from './cluster-filter.js';
import { Envelope, errorResponses, NotModified, Ref } from './envelope.js';
import { RenderCache, RenderedBody } from './render-cache.js';
import { AnswerTags } from './etag.js';
import { BOOL_ACCEPTS, boolParameter } from './bool-parameter.js';
import { CountSchema } from './count-parameter.js';
import { answeredNotModified, sendRendered } from './reply-cached.js';

/** Query of `GET /model/audit/events`. */
export const AuditQuerySchema = Type.Object({
  count: Type.Optional(
    CountSchema('At most this many events, newest first. Default: all held.'),
  ),
  filterNamespaces: Type.Optional(
    Type.String({ description: 'Keeps events of these namespaces.', 'x-accepts': 'a comma list of namespaces', examples: ['namespace-one,namespace-two'] }),
  ),
  filterEventTypes: Type.Optional(
    Type.String({ description: 'Keeps events of these types.', 'x-accepts': `a comma list of ${AUDIT_EVENT_TYPES.join(', ')}`, examples: ['add,delete'] }),
  ),
  filterResourceTypes: Type.Optional(
    Type.String({ description: 'Keeps events of these workload kinds.', 'x-accepts': `a comma list of ${AUDIT_RESOURCE_TYPES.join(', ')}`, examples: ['deployment'] }),
  ),
  filterTotalCostLowerBound: Type.Optional(
    Type.Number({ description: 'Keeps events whose costPrediction.totalMonthlyRate is at least this.', 'x-accepts': 'a number', examples: [1.5] }),
  ),
  filterTotalCostUpperBound: Type.Optional(
    Type.Number({ description: 'Keeps events whose costPrediction.totalMonthlyRate is at most this.', 'x-accepts': 'a number', examples: [100] }),
  ),
  filterClusters: FilterClustersSchema,
  filterChangedBy: Type.Optional(
    Type.String({
      description: 'Added: keeps events whose changedBy.manager is one of these field managers (`unknown` for changes no managedFields entry accounts for).',
      'x-accepts': 'a comma list of field manager names',
      examples: ['helm,kube-controller-manager'],
    }),
  ),
  filterSources: Type.Optional(
    Type.String({ description: 'Added: keeps events whose source.tool is one of these.', 'x-accepts': `a comma list of ${SOURCE_TOOLS.join(', ')}`, examples: ['helm,argocd'] }),
  ),
  realized: Type.Optional(
    Type.String({
      description: `Added: true adds \`realized\` (what the change really cost, from the stored allocation sets) to the newest ${REALIZED_PER_PAGE} events of the answer; the others carry none (ask for fewer with \`count\` and filters, or one by id). Default false: the answer is Kubecost's, byte for byte.`,
      'x-accepts': BOOL_ACCEPTS,
      examples: ['true'],
    }),
  ),
  filterPredictionOff: Type.Optional(
    Type.String({
      description: `Added, with realized=true only: true keeps the events whose realized.predictionOff is true, false those whose it is false; events with no realized (sets not stored) are left out either way. It looks at the newest ${REALIZED_PER_PAGE} events that pass the other filters (the events realized is computed for), then applies \`count\`.`,
      'x-accepts': `${BOOL_ACCEPTS}, with realized=true`,
      examples: ['true'],
    }),
  ),
});
type AuditQueryString = Static<typeof AuditQuerySchema>;

/** The answer of `GET /model/audit/events`. */
export const AuditResponseSchema = Envelope(Type.Array(Ref(AuditEventSchema), { description: 'Newest first.' }), {
  examples: [{ code: 200, data: [KUBECOST_AUDIT_EVENT_EXAMPLE] }],
});

/** Path of `GET /model/audit/events/{id}`. */
export const AuditEventParamsSchema = Type.Object({
  id: Type.String({ description: 'The event\'s `id`.', 'x-accepts': AUDIT_ID_ACCEPTS, examples: ['ev1677592724552rOruZHcKZ'] }),
});

/** The answer of `GET /model/audit/events/{id}`. */
export const AuditEventResponseSchema = Envelope(Ref(AuditEventSchema), { examples: [{ code: 200, data: KUBECOST_AUDIT_EVENT_EXAMPLE }] });

/** What the audit routes need; `events` is undefined when the audit is disabled. */
export interface AuditRouteDeps {
  readonly events: EventReader | undefined;
  /** What changes really cost; without it `realized` is never added and `realized=true` answers 404 saying why (tests of other routes). */
  readonly realized?: Pick<RealizedCosts, 'plan'>;
  readonly cacheBytes?: number;
}

/** The 404 of a disabled audit, saying how to enable it. */
export const AUDIT_DISABLED_MESSAGE =
  'the Cost Events Audit API is disabled; enable it with COST_EVENTS_AUDIT_ENABLED=true (Helm: --set costEventsAudit.enabled=true)';

function csv<T extends string>(name: string, raw: string | undefined, allowed?: readonly T[]): Set<T> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (allowed === undefined) return new Set(items as T[]);
  const out = new Set<T>();
  for (const item of items) {
    const found = allowed.find((a) => a === item.toLowerCase());
    if (found === undefined) throw badParameter(name, raw, `a comma list of ${allowed.join(', ')} (${quoteValue(item)} is none of them)`);
    out.add(found);
  }
  return out;
}

/** What `GET /model/audit/events` asked for: the store query, a cache key of all of it, and what it asked of `realized`. */
export interface ParsedAuditQuery {
  readonly query: AuditQuery;
  readonly key: string;
  readonly realized: boolean;
  /** filterPredictionOff: undefined keeps every event. */
  readonly predictionOff: boolean | undefined;
}

/** Turns the query string into a store query and a cache key, or throws a 400 naming the parameter. */
export function parseAuditQuery(q: AuditQueryString): ParsedAuditQuery {
  const namespaces = csv('filterNamespaces', q.filterNamespaces);
  const eventTypes = csv<AuditEventType>('filterEventTypes', q.filterEventTypes, AUDIT_EVENT_TYPES);
  const resourceTypes = csv<AuditResourceType>('filterResourceTypes', q.filterResourceTypes, AUDIT_RESOURCE_TYPES);
  const clusters = parseClusterFilter(q.filterClusters);
  const changedBy = csv('filterChangedBy', q.filterChangedBy);
  const sources = csv<SourceTool>('filterSources', q.filterSources, SOURCE_TOOLS);
  const realized = boolParameter('realized', q.realized, false);
  const predictionOff = q.filterPredictionOff === undefined || q.filterPredictionOff === '' ? undefined : boolParameter('filterPredictionOff', q.filterPredictionOff, false);
  if (predictionOff !== undefined && !realized) {
    throw badParameter('filterPredictionOff', q.filterPredictionOff, `${BOOL_ACCEPTS} together with realized=true (predictionOff is a field of realized)`);
  }
  const lower = q.filterTotalCostLowerBound;
  const upper = q.filterTotalCostUpperBound;
  if (lower !== undefined && upper !== undefined && lower > upper) {
    throw badParameter('filterTotalCostUpperBound', upper, `a number at least filterTotalCostLowerBound (${lower})`);
  }
  const query: AuditQuery = {
    ...(q.count !== undefined && { count: q.count }),
    ...(namespaces && { namespaces }),
    ...(eventTypes && { eventTypes }),
    ...(resourceTypes && { resourceTypes }),
    ...(clusters && { clusters }),
    ...(lower !== undefined && { totalCostLowerBound: lower }),
    ...(upper !== undefined && { totalCostUpperBound: upper }),
    ...(changedBy && { changedBy }),
    ...(sources && { sources }),
  };
  const key = JSON.stringify([q.count, namespaces && [...namespaces].sort(), eventTypes && [...eventTypes].sort(), resourceTypes && [...resourceTypes].sort(), lower, upper, clusterKey(clusters), changedBy && [...changedBy].sort(), sources && [...sources].sort(), realized, predictionOff]);
  return { query, key, realized, predictionOff };
}

function realizedOf(deps: AuditRouteDeps): Pick<RealizedCosts, 'plan'> {
  if (deps.realized === undefined) throw new AppError('FEATURE_DISABLED', 'realized costs are not served by this server: it reads no stored ETL sets');
  return deps.realized;
}

/** Stored events (JSON) with `realized` to add to the newest {@link REALIZED_PER_PAGE}: the stamp of the sets it is made from, and the events with it. */
interface RealizedAnswer {
  readonly stamp: string;
  /** The events with `realized` written into the stored JSON before its closing brace (every other byte the stored one), those `keep` refuses left out. */
  render(keep?: (r: Realized | null | undefined) => boolean): Promise<string[]>;
}

/** Chooses the sets `realized` of the newest {@link REALIZED_PER_PAGE} of `events` is made from; computes nothing until rendered. */
async function planRealized(realized: Pick<RealizedCosts, 'plan'>, events: readonly string[]): Promise<RealizedAnswer> {
  const head = events.slice(0, REALIZED_PER_PAGE);
  const plan = await realized.plan(head.map((e) => JSON.parse(e) as AuditEvent));
  return {
    stamp: plan.stamp,
    async render(keep = () => true) {
      const costs = await plan.compute();
      const out: string[] = [];
      for (const [i, e] of events.entries()) {
        const cost = i < head.length ? (costs[i] ?? null) : undefined;
        if (keep(cost)) out.push(cost === undefined ? e : `${e.slice(0, e.lastIndexOf('}'))},"realized":${JSON.stringify(cost)}}`);
      }
      return out;
    },
  };
}

/** filterPredictionOff as a test of an event's `realized` (undefined: not computed for it). */
function predictionOffFilter(wanted: boolean | undefined): (r: Realized | null | undefined) => boolean {
  return wanted === undefined ? () => true : (r) => r !== null && r !== undefined && r.predictionOff === wanted;
}

/** `GET /model/audit/events`: recent workload changes and their predicted cost (Kubecost Cost Events Audit API). */
export function auditRoutes(deps: AuditRouteDeps): FastifyPluginAsyncTypebox {
  // One cache for both layouts the group is registered under (see kubecost-routes.ts).
  const cache = new RenderCache(deps.cacheBytes ?? 16 * 1024 * 1024);
  const tags = new AnswerTags();
  return async (app) => {
    app.get(
      '/audit/events',
      {
        schema: {
          summary: 'Recent workload changes and their predicted monthly cost (Kubecost Cost Events Audit API)',
          tags: ['kubecost'],
          querystring: AuditQuerySchema,
          response: { 200: AuditResponseSchema, 304: NotModified, 404: errorResponses[400], ...errorResponses },
        },
      },
      async (request, reply) => {
        const events = deps.events;
        if (events === undefined) throw new AppError('FEATURE_DISABLED', AUDIT_DISABLED_MESSAGE);
        const { query, key, realized, predictionOff } = parseAuditQuery(request.query);
        // The revision is read before the data, so a cached answer is never older than its version.
        const { audit } = await events.revision();
        if (realized) {
          const reader = realizedOf(deps);
          // filterPredictionOff looks at the events realized is computed for, then applies count.
          const stored = await events.queryAudit(predictionOff === undefined ? query : { ...query, count: REALIZED_PER_PAGE });
          const answer = await planRealized(reader, stored);
          // The answer changes with the events (the revision) and with the sets realized reads (the stamp).
          if (answeredNotModified(request, reply, tags.of('audit-events-realized', audit, key, answer.stamp))) return reply;
          const body = await cache.get(key, `${audit}\u0000${answer.stamp}`, async () => {
            const kept = await answer.render(predictionOffFilter(predictionOff));
            return `{"code":200,"data":[${kept.slice(0, query.count ?? kept.length).join(',')}]}`;
          });
          return sendRendered(request, reply, body);
        }
        if (answeredNotModified(request, reply, tags.of('audit-events', audit, key))) return reply;
        // Stored events are kept as the JSON served, so an answer is a join of strings.
        const body = await cache.get(key, audit, async () => `{"code":200,"data":[${(await events.queryAudit(query)).join(',')}]}`);
        return sendRendered(request, reply, body);
      },
    );
    app.get(
      '/audit/events/:id',
      {
        schema: {
          summary: 'One audit event by its id',
          tags: ['kubecost'],
          params: AuditEventParamsSchema,
          response: { 200: AuditEventResponseSchema, 304: NotModified, 404: errorResponses[400], ...errorResponses },
        },
      },
      async (request, reply) => {
        const events = deps.events;
        if (events === undefined) throw new AppError('FEATURE_DISABLED', AUDIT_DISABLED_MESSAGE);
        const { id } = request.params;
        const timeMs = auditIdTimeMs(id);
        if (timeMs === undefined) throw badParameter('id', id, AUDIT_ID_ACCEPTS);
        const { audit } = await events.revision();
        const event = await events.findAuditEvent(id, timeMs);
        if (event === undefined) throw new AppError('NOT_FOUND', `no audit event has id '${id}' (it may never have existed, or be older than the most recent AUDIT_CAPACITY events of its cluster)`);
        const answer = deps.realized === undefined ? undefined : await planRealized(deps.realized, [event]);
        if (answeredNotModified(request, reply, tags.of('audit-event', audit, id, answer?.stamp ?? ''))) return reply;
        // Stored as served: the envelope is written around the stored JSON, not re-serialised.
        const [json] = answer === undefined ? [event] : await answer.render();
        return sendRendered(request, reply, new RenderedBody(`{"code":200,"data":${json ?? event}}`));
      },
    );
  };
}
