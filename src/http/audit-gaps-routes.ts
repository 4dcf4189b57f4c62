import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AUDIT_GAP_EXAMPLE, AuditGapSchema } from '../audit/watch-gap.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { AUDIT_GAP_CAPACITY, type AuditGapQuery, type AuditGapStore } from '../storage/gap-store.js';
import { AUDIT_DISABLED_MESSAGE } from './audit-routes.js';
import { FilterClustersSchema, parseClusterFilter } from './cluster-filter.js';
import { CountSchema } from './count-parameter.js';
import { Envelope, errorResponses, Ref } from './envelope.js';
import { RenderedBody } from './render-cache.js';
import { sendRendered } from './reply-cached.js';
import { WINDOW_ACCEPTS } from '../window.js';
import { windowParameter } from './window-parameter.js';

/** Query of `GET /model/audit/gaps`. */
export const AuditGapsQuerySchema = Type.Object({
  window: Type.Optional(
    Type.String({ description: 'Keeps gaps that overlap this window. Default: every gap held.', 'x-accepts': WINDOW_ACCEPTS, examples: ['7d', '2023-02-28T00:00:00Z,2023-03-01T00:00:00Z'] }),
  ),
  filterClusters: FilterClustersSchema,
  count: Type.Optional(CountSchema(`At most this many, newest first, the gaps of one outage counting as one. Default: all held (at most ${AUDIT_GAP_CAPACITY} per cluster).`)),
});

/** The answer of `GET /model/audit/gaps`. */
export const AuditGapsResponseSchema = Envelope(Type.Array(Ref(AuditGapSchema), { description: 'Newest end first.' }), {
  examples: [{ code: 200, data: [AUDIT_GAP_EXAMPLE] }],
});

/** What the gaps route needs; `gaps` is undefined when the audit is disabled. */
export interface AuditGapRouteDeps {
  readonly clock: Clock;
  readonly gaps: AuditGapStore | undefined;
}

/** `GET /model/audit/gaps`: when the audit could not see changes as they happened, and what it found afterwards. Paths relative to `/model` (kubecost-routes.ts). */
export function auditGapRoutes(deps: AuditGapRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/audit/gaps',
      {
        schema: {
          summary: 'Gaps in the audit: spans in which a watch could not see changes (an outage ended by a relist, or the server not running), and how many changes the list that ended each found',
          tags: ['kubecost'],
          querystring: AuditGapsQuerySchema,
          response: { 200: AuditGapsResponseSchema, 404: errorResponses[400], ...errorResponses },
        },
      },
      async (request, reply) => {
        if (deps.gaps === undefined) throw new AppError('FEATURE_DISABLED', AUDIT_DISABLED_MESSAGE);
        const { window, filterClusters, count } = request.query;
        const clusters = parseClusterFilter(filterClusters);
        const query: AuditGapQuery = {
          ...(clusters && { clusters }),
          ...(window !== undefined && { window: windowParameter('window', window, deps.clock.nowMs()) }),
          ...(count !== undefined && { count }),
        };
        // Stored as served: the envelope is written around the stored JSON.
        return sendRendered(request, reply, new RenderedBody(`{"code":200,"data":[${(await deps.gaps.queryGaps(query)).join(',')}]}`));
      },
    );
  };
}
