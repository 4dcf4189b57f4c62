import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { Clock } from '../clock.js';
import { EtlMetadataSchema } from '../events/etl-event.js';
import { ETL_KINDS, resolveKindFilter } from '../events/etl-kinds.js';
import { badParameter } from '../errors.js';
import type { EtlQuery } from '../storage/store.js';
import type { EventReader } from '../storage/store-reader.js';
import { boundNs } from '../time.js';
import { Envelope, errorResponses, NotModified, Ref } from './envelope.js';
import { clusterKey, FilterClustersSchema, parseClusterFilter } from './cluster-filter.js';
import { BodyCache, type CodedBody } from './render-cache.js';
import { EtlLogBodies } from './etl-log-body.js';
import { AnswerTags } from './etag.js';
import { answeredNotModified, sendRendered } from './reply-cached.js';
import { WINDOW_ACCEPTS } from '../window.js';
import { windowParameter } from './window-parameter.js';

const KIND_ACCEPTS = `a comma list of kind prefixes, with or without the suffix Event: ${ETL_KINDS.join(', ')}`;

/** Query of `GET /model/etl/log`. */
export const EtlLogQuerySchema = Type.Object({
  window: Type.Optional(
    Type.String({ description: 'Selects events by their `time`. Empty means all.', 'x-accepts': WINDOW_ACCEPTS, examples: ['24h'] }),
  ),
  kind: Type.Optional(
    Type.String({
      description: 'Keeps the kinds that start with one of the given prefixes (`AssetSet` → every asset kind). Empty means all.',
      'x-accepts': KIND_ACCEPTS,
      examples: ['AllocationSetSaved', 'AssetSet', 'AllocationSetSavedEvent,AssetSetSaved'],
    }),
  ),
  filterClusters: FilterClustersSchema,
});
type EtlLogQueryString = Static<typeof EtlLogQuerySchema>;

/** One event of the ETL log. */
export const EtlEventSchema = Type.Object(
  {
    kind: Type.Union(ETL_KINDS.map((k) => Type.Literal(k))),
    metadata: EtlMetadataSchema,
    time: Type.String({ description: 'RFC 3339 in UTC with nine fractional digits.', examples: ['2022-06-03T17:07:54.092619416Z'] }),
  },
  {
    $id: 'EtlEvent',
    // The event of the Kubecost Events API documentation.
    examples: [
      { kind: 'AllocationSetSaved', metadata: { size: 97, window: { start: '2022-06-03T10:00:00Z', end: '2022-06-03T11:00:00Z' } }, time: '2022-06-03T17:07:54.092619416Z' },
    ],
  },
);

const DAY = { start: '2022-06-03T00:00:00Z', end: '2022-06-04T00:00:00Z' };
const HOUR = { start: '2022-06-03T10:00:00Z', end: '2022-06-03T11:00:00Z' };

/** The answer of the Kubecost Events API documentation, without its elisions. */
const KUBECOST_ETL_LOG_EXAMPLE = {
  code: 200,
  data: {
    allocation: [
      { kind: 'AllocationSetAggregated', metadata: { size: 35, window: DAY }, time: '2022-06-03T16:58:41.289194368Z' },
      { kind: 'AllocationSetTotaled', metadata: { window: DAY }, time: '2022-06-03T16:58:41.285759258Z' },
      { kind: 'AllocationSetSaved', metadata: { size: 97, window: HOUR }, time: '2022-06-03T17:07:54.092619416Z' },
    ],
    asset: [
      { kind: 'AssetSetTotaled', metadata: { window: DAY }, time: '2022-06-03T16:58:18.340435496Z' },
      { kind: 'AssetSetAggregated', metadata: { size: 4, window: DAY }, time: '2022-06-03T16:58:18.341095359Z' },
      { kind: 'AssetSetSaved', metadata: { size: 29, window: HOUR }, time: '2022-06-03T17:07:54.3346484Z' },
    ],
    counters: {
      AllocationSetAggregated: 8348,
      AllocationSetLoaded: 108,
      AllocationSetSaved: 8240,
      AllocationSetTotaled: 8348,
      AssetSetAggregated: 8320,
      AssetSetLoaded: 108,
      AssetSetSaved: 8212,
      AssetSetTotaled: 8320,
    },
  },
};

/** The answer of `GET /model/etl/log`. */
export const EtlLogResponseSchema = Envelope(
  Type.Object({
    allocation: Type.Array(Ref(EtlEventSchema), { description: 'Allocation events, oldest first.' }),
    asset: Type.Array(Ref(EtlEventSchema), { description: 'Asset events, oldest first.' }),
    counters: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: 'All-time count per kind; cut neither by the ring buffer nor by the filters.',
      examples: [{ AllocationSetSaved: 8240, AssetSetSaved: 8212 }],
    }),
  }),
  { examples: [KUBECOST_ETL_LOG_EXAMPLE] },
);

/** What the ETL log routes need. */
export interface EtlLogRouteDeps {
  readonly events: EventReader;
  readonly clock: Clock;
  /** Bytes of rendered answers kept for reuse (a quarter more holds the blocks of events they are made of). */
  readonly cacheBytes?: number;
}

/** Turns the query string into a log query and a cache key, or throws a 400 naming the parameter. */
export function parseEtlLogQuery(q: EtlLogQueryString, nowMs: number): { query: EtlQuery; key: string } {
  let key = '';
  let window: EtlQuery['window'];
  let kinds: EtlQuery['kinds'];
  const clusters = parseClusterFilter(q.filterClusters);
  if (q.window !== undefined && q.window !== '') {
    const w = windowParameter('window', q.window, nowMs);
    window = { start: boundNs(w.start), end: boundNs(w.end) };
    key += `w${w.start}-${w.end}`;
  }
  if (q.kind !== undefined && q.kind !== '') {
    const resolved = resolveKindFilter(q.kind);
    if ('unknown' in resolved) throw badParameter('kind', q.kind, `${KIND_ACCEPTS} (no kind starts with "${resolved.unknown}")`);
    kinds = resolved.kinds;
    key += `k${[...kinds].sort().join(',')}`;
  }
  key += `c${clusterKey(clusters)}`;
  return { query: { ...(window && { window }), ...(kinds && { kinds }), ...(clusters && { clusters }) }, key };
}

/** `GET /model/etl/log` (a Kubecost route group: paths relative to `/model`): the Kubecost ETL event log. */
export function etlLogRoutes(deps: EtlLogRouteDeps): FastifyPluginAsyncTypebox {
  // One cache for both layouts the group is registered under (see kubecost-routes.ts).
  const cacheBytes = deps.cacheBytes ?? 32 * 1024 * 1024;
  const cache = new BodyCache<CodedBody>(cacheBytes);
  const bodies = new EtlLogBodies(cacheBytes / 4);
  const tags = new AnswerTags();
  return async (app) => {
    app.get(
      '/etl/log',
      {
        schema: {
          summary: 'The most recent ETL events and all-time counters (Kubecost Events API)',
          tags: ['kubecost'],
          querystring: EtlLogQuerySchema,
          response: { 200: EtlLogResponseSchema, 304: NotModified, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { query, key } = parseEtlLogQuery(request.query, deps.clock.nowMs());
        // The revision is read before the data, so a cached answer is never older than its version.
        const { etl } = await deps.events.revision();
        if (answeredNotModified(request, reply, tags.of('etl-log', etl, key))) return reply;
        const body = await cache.getBody(key, etl, async () => bodies.body(await deps.events.queryEtl(query)));
        return sendRendered(request, reply, body);
      },
    );
  };
}
