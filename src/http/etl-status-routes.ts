import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { EtlCategory } from '../events/etl-kinds.js';
import { EtlStatusSchema, RepairJsonSchema } from '../etl/etl-status-schemas.js';
import { repairJson, type EtlStatusReader } from '../etl/etl-status.js';
import { repairingText, type EtlRepairs } from '../etl/repair.js';
import { WINDOW_ACCEPTS, type Window } from '../window.js';
import { FilterClustersSchema, parseClusterFilter } from './cluster-filter.js';
import { Envelope, ErrorEnvelopeSchema, errorResponses, Ref } from './envelope.js';
import { windowParameter } from './window-parameter.js';

/** Query of `GET /model/etl/status`. */
export const EtlStatusQuerySchema = Type.Object({ filterClusters: FilterClustersSchema });

/** Query of the repair routes. */
export const RepairQuerySchema = Type.Object({
  window: Type.String({
    description: 'The range to rebuild; widened to whole ETL_RESOLUTION windows, cut at the last closed one; at most ETL_HOURLY_RETENTION long.',
    'x-accepts': WINDOW_ACCEPTS,
    examples: ['2024-05-03T10:00:00Z,2024-05-03T13:00:00Z', '6h'],
  }),
});

/** The answer of a repair: Kubecost's (`{"code":200,"data":"Repairing Allocation ETL"}`), with the repair it started and a warning naming what it cannot rebuild. */
export const RepairResponseSchema = Type.Object(
  {
    code: Type.Literal(200),
    data: Type.String({ description: "Kubecost's answer.", examples: ['Repairing Allocation ETL', 'Repairing Asset ETL'] }),
    repair: RepairJsonSchema,
    warning: Type.Optional(Type.String({ description: 'Present when part of the window cannot be rebuilt: which part and why (also in repair.notRebuilt and in the status).' })),
  },
  { additionalProperties: false },
);

export interface EtlStatusRouteDeps {
  readonly clock: Clock;
  readonly status: EtlStatusReader;
  /** This server's repairs; undefined without a cluster (repairs then answer 503). */
  readonly repairs: () => EtlRepairs | undefined;
}

const REPAIR_PATHS: readonly [string, EtlCategory][] = [
  ['/etl/allocation/repair', 'allocation'],
  ['/etl/asset/repair', 'asset'],
];

/** `GET /model/etl/status` and `GET`/`POST /model/etl/{allocation,asset}/repair` (Kubecost's ETL diagnostics); paths relative to `/model`, as every Kubecost route group (kubecost-routes.ts). */
export function etlStatusRoutes(deps: EtlStatusRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/etl/status',
      {
        schema: {
          summary: 'ETL health: per category and resolution what is stored against what should be, the last and next run, the cluster cache, repairs; `healthy` for a probe',
          tags: ['kubecost'],
          querystring: EtlStatusQuerySchema,
          response: { 200: Envelope(EtlStatusSchema), ...errorResponses },
        },
      },
      async (request) => {
        const clusters = parseClusterFilter(request.query.filterClusters);
        return { code: 200 as const, data: await deps.status.status(clusters) };
      },
    );
    for (const [path, category] of REPAIR_PATHS) {
      const schema = {
        summary: `Rebuilds the ${category} sets of a window from the cluster cache, then rolls its days up again (Kubecost ETL repair)`,
        tags: ['kubecost'],
        querystring: RepairQuerySchema,
        response: { 200: RepairResponseSchema, ...errorResponses, 409: Ref(ErrorEnvelopeSchema) },
      };
      const handler = async (request: { query: { window: string } }) => {
        // The request is checked before the server's state: a malformed window is the client's
        // to mend whether or not this server has a cluster (a 400, not a 503 it would retry).
        const window = parseRepairWindow(request.query.window, deps.clock.nowMs());
        const repairs = deps.repairs();
        if (repairs === undefined) throw new AppError('CLUSTER_UNAVAILABLE', 'this server has no cluster (KUBECONFIG or in-cluster config): it builds no sets, so it has none to repair');
        const record = await repairs.start(category, window, request.query.window);
        const json = repairJson(record);
        const warning = json.notRebuilt.map((n) => `${n.start} to ${n.end} is not rebuilt: ${n.reason}`).join('; ');
        return { code: 200 as const, data: repairingText(category), repair: json, ...(warning !== '' && { warning }) };
      };
      app.get(path, { schema }, handler);
      app.post(path, { schema }, handler);
    }
  };
}

function parseRepairWindow(raw: string, nowMs: number): Window {
  return windowParameter('window', raw, nowMs);
}
