import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Clock } from '../clock.js';
import { badParameter } from '../errors.js';
import { ALLOCATION_AGGREGATE_ACCEPTS, ASSET_AGGREGATE_ACCEPTS, parseAllocationAggregate, parseAssetAggregate, type ParsedAggregate } from '../etl/aggregate-by.js';
import { ChunkPool } from '../etl/json-writer.js';
import type { SetQueries } from '../etl/set-queries.js';
import { renderAllocationSet, renderAssetAggregateSet, renderAssetSet } from '../etl/set-json.js';
import { AllocationJsonSchema, AssetAggregateJsonSchema, AssetJsonSchema } from '../etl/set-json-schemas.js';
import { answeredNotModified, sendRendered } from './reply-cached.js';
import { POOLED_CHUNKS, setsBody } from './sets-body.js';
import { formatDurationMs, parseDurationMs, WINDOW_ACCEPTS, type Window } from '../window.js';
import { FilterClustersSchema, parseClusterFilter } from './cluster-filter.js';
import { errorResponses, NotModified } from './envelope.js';
import { AnswerTags } from './etag.js';
import { windowParameter } from './window-parameter.js';
import { BOOL_ACCEPTS, boolParameter } from './bool-parameter.js';

const common = {
  window: Type.String({
    description: 'The time range; widened to whole ETL_RESOLUTION windows (sets are built per window).',
    'x-accepts': WINDOW_ACCEPTS,
    examples: ['24h', 'today', '2024-05-01T00:00:00Z,2024-05-03T00:00:00Z'],
  }),
  accumulate: Type.Optional(
    Type.String({ description: 'true: one set for the whole window. Default false: one set per step.', 'x-accepts': BOOL_ACCEPTS, examples: ['true'] }),
  ),
  step: Type.Optional(
    Type.String({
      description: 'Width of each set returned. Default: 1d for windows of a day or more, else ETL_RESOLUTION.',
      'x-accepts': 'a duration (such as 1h or 1d) that is a multiple of ETL_RESOLUTION',
      examples: ['1d'],
    }),
  ),
  filterClusters: FilterClustersSchema,
};

/** Query of `GET /model/allocation`. */
export const AllocationQuerySchema = Type.Object({
  ...common,
  aggregate: Type.Optional(Type.String({ description: 'Groups allocations by these properties, in order.', 'x-accepts': ALLOCATION_AGGREGATE_ACCEPTS, examples: ['namespace', 'cluster,label:app'] })),
  idle: Type.Optional(Type.String({ description: 'Include the `__idle__` allocations (default true).', 'x-accepts': BOOL_ACCEPTS, examples: ['false'] })),
});

/** Query of `GET /model/assets`. */
export const AssetQuerySchema = Type.Object({
  ...common,
  aggregate: Type.Optional(Type.String({ description: 'Groups assets by these properties, in order.', 'x-accepts': ASSET_AGGREGATE_ACCEPTS, examples: ['type', 'cluster'] })),
});

/** The success envelope of the set routes: Kubecost's, with its optional `warning`. */
function SetsEnvelope<T extends TSchema>(data: T) {
  return Type.Object(
    {
      code: Type.Literal(200),
      data,
      warning: Type.Optional(Type.String({ description: 'Present when a stored set could not be read and was left out of the answer; names it.' })),
    },
    { additionalProperties: false },
  );
}

/** The answer of `GET /model/allocation`: one set per step, each a map from allocation name to allocation. */
export const AllocationResponseSchema = SetsEnvelope(Type.Array(Type.Record(Type.String(), AllocationJsonSchema), { description: 'One set per step, oldest first.' }));
/** The answer of `GET /model/assets`: one set per step, each a map from asset key to asset. */
export const AssetResponseSchema = SetsEnvelope(
  Type.Array(Type.Record(Type.String(), Type.Union([AssetJsonSchema, AssetAggregateJsonSchema])), {
    description: 'One set per step, oldest first: assets by key, or with `aggregate` the aggregates by their key.',
  }),
);

export interface CostModelRouteDeps {
  readonly sets: SetQueries;
  readonly clock: Clock;
  /** `ETL_RESOLUTION`, ms: steps are multiples of it. */
  readonly resolutionMs: number;
}

/** `GET /model/allocation` and `GET /model/assets`: the stored sets in the shape of the Kubecost Allocation and Assets APIs. */
export function costModelRoutes(deps: CostModelRouteDeps): FastifyPluginAsyncTypebox {
  const tags = new AnswerTags();
  const chunks = new ChunkPool(POOLED_CHUNKS);
  return async (app) => {
    app.get(
      '/allocation',
      {
        schema: {
          summary: 'Allocation sets: the cost of each container (or aggregate) per step (Kubecost Allocation API)',
          tags: ['kubecost'],
          querystring: AllocationQuerySchema,
          response: { 200: AllocationResponseSchema, 304: NotModified, ...errorResponses },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const base = parseCommon(q, deps);
        const aggregate = parseAggregate(q.aggregate, parseAllocationAggregate, ALLOCATION_AGGREGATE_ACCEPTS);
        const idle = boolParameter('idle', q.idle, true);
        const tag = tags.of('allocation', await deps.sets.stamp('allocation', base), resolvedKey(base, { aggregate, idle }));
        if (answeredNotModified(request, reply, tag)) return reply;
        const answer = await deps.sets.allocation({ ...base, idle, ...(aggregate !== undefined && { aggregate }) });
        return sendRendered(request, reply, setsBody(answer.sets.map((set) => renderAllocationSet(set, chunks)), answer.warnings, chunks));
      },
    );
    app.get(
      '/assets',
      {
        schema: {
          summary: 'Asset sets: nodes, disks and load balancers with their cost per step (Kubecost Assets API)',
          tags: ['kubecost'],
          querystring: AssetQuerySchema,
          response: { 200: AssetResponseSchema, 304: NotModified, ...errorResponses },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const base = parseCommon(q, deps);
        const aggregate = parseAggregate(q.aggregate, parseAssetAggregate, ASSET_AGGREGATE_ACCEPTS);
        const tag = tags.of('assets', await deps.sets.stamp('asset', base), resolvedKey(base, { aggregate }));
        if (answeredNotModified(request, reply, tag)) return reply;
        const result = await deps.sets.assets({ ...base, ...(aggregate !== undefined && { aggregate }) });
        const parts = 'sets' in result ? result.sets.map((set) => renderAssetSet(set, chunks)) : result.aggregates.map((set) => renderAssetAggregateSet(set, chunks));
        return sendRendered(request, reply, setsBody(parts, result.warnings, chunks));
      },
    );
  };
}

/** The query as resolved (absolute window, defaults applied), for the answer's ETag. */
function resolvedKey(base: ReturnType<typeof parseCommon>, shape: Readonly<Record<string, unknown>>): string {
  return JSON.stringify([base.window.start, base.window.end, base.accumulate, base.stepMs ?? null, base.clusters === undefined ? null : [...base.clusters].sort(), shape]);
}

function parseAggregate<T>(raw: string | undefined, parse: (raw: string) => ParsedAggregate<T>, accepts: string): T[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const parsed = parse(raw);
  if (!parsed.ok) throw badParameter('aggregate', raw, `${accepts} (${parsed.reason})`);
  return parsed.by;
}

type CommonQuery = Static<typeof AllocationQuerySchema> | Static<typeof AssetQuerySchema>;

function parseCommon(q: CommonQuery, deps: CostModelRouteDeps): { window: Window; accumulate: boolean; stepMs?: number; clusters?: ReadonlySet<string> } {
  const window = windowParameter('window', q.window, deps.clock.nowMs());
  const accumulate = boolParameter('accumulate', q.accumulate, false);
  let stepMs: number | undefined;
  if (q.step !== undefined && q.step !== '') {
    stepMs = parseDurationMs(q.step);
    if (stepMs === undefined || stepMs < deps.resolutionMs || stepMs % deps.resolutionMs !== 0) {
      throw badParameter('step', q.step, `a duration (such as 1h or 1d) that is a multiple of ETL_RESOLUTION (${formatDurationMs(deps.resolutionMs)})`);
    }
  }
  const clusters = parseClusterFilter(q.filterClusters);
  return { window, accumulate, ...(stepMs !== undefined && { stepMs }), ...(clusters !== undefined && { clusters }) };
}

