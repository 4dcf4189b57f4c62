import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError } from 'fastify';
import type { Clock } from '../clock.js';
import type { CostPredictor } from '../cost/predictor.js';
import { SpecCostDiffSchema } from '../cost/spec-cost.js';
import { AppError, badParameter } from '../errors.js';
import type { LiveWorkloads } from '../predict/live-workloads.js';
import { parseManifests } from '../predict/manifests.js';
import { predictSpecCosts } from '../predict/predict-spec-costs.js';
import { parseWindow, WINDOW_ACCEPTED, WindowError } from '../window.js';
import { errorResponses } from './envelope.js';
import { headerList, warningValue } from './header-values.js';
import { isManifestBody, registerManifestParsers } from './manifest-body.js';

/** Largest body accepted: a few thousand manifests, far below what would strain memory. */
export const PREDICT_BODY_LIMIT = 5 * 1024 * 1024;

/** The window Kubecost defaults to; accepted and validated, unused since predictions come from requests. */
export const DEFAULT_PREDICT_WINDOW = '2d';

const windowParam = (description: string, example: string) =>
  Type.Optional(Type.String({ description, 'x-accepts': WINDOW_ACCEPTED, examples: [example] }));

/** Query of `POST /model/prediction/speccost`: Kubecost's parameters and the extra two kubectl-cost sends. */
export const PredictQuerySchema = Type.Object({
  clusterID: Type.String({ description: "The cluster the workloads would run in: this server's CLUSTER_ID.", examples: ['cluster-one'] }),
  defaultNamespace: Type.String({
    description: 'Namespace of objects that set none.',
    pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
    'x-accepts': 'a namespace name (lower-case letters, digits and hyphens, at most 63, starting and ending alphanumeric)',
    examples: ['default'],
  }),
  window: windowParam(`Kubecost's cost window; validated, not used (prices come from requests). Default ${DEFAULT_PREDICT_WINDOW}.`, '2d'),
  noUsage: Type.Optional(
    Type.Boolean({ description: 'Accepted for Kubecost compatibility; predictions always come from requests, as with noUsage=true.', 'x-accepts': 'true or false' }),
  ),
  windowAvgUsage: windowParam('Sent by kubectl-cost; validated, not used.', '2d'),
  windowResourceCost: windowParam('Sent by kubectl-cost; validated, not used.', '7d offset 48h'),
});
type PredictQuery = Static<typeof PredictQuerySchema>;

/** The answer: a bare array, no envelope, as Kubecost answers and kubectl-cost reads it. */
export const PredictResponseSchema = Type.Array(SpecCostDiffSchema, { description: 'One item per priced workload, in body order.' });

/** What the Predict route needs: the audit's predictor, the live cluster, and who we are. */
export interface PredictRouteDeps {
  readonly clusterId: string;
  readonly clock: Clock;
  readonly predictor: CostPredictor;
  readonly live: LiveWorkloads;
}

/** Throws a 400 naming the first parameter that is not acceptable. */
export function checkPredictQuery(q: PredictQuery, clusterId: string, nowMs: number): void {
  if (q.clusterID !== clusterId) {
    // The shared-store case (any cluster whose events this server stores) comes with the storage backends.
    throw badParameter('clusterID', q.clusterID, `${clusterId} (this server's CLUSTER_ID)`);
  }
  for (const name of ['window', 'windowAvgUsage', 'windowResourceCost'] as const) {
    const value = q[name];
    if (value === undefined || value === '') continue;
    try {
      parseWindow(value, nowMs);
    } catch (err) {
      if (err instanceof WindowError) throw badParameter(name, value, WINDOW_ACCEPTED);
      throw err;
    }
  }
}

/** `POST /model/prediction/speccost`: what manifests would cost, before and after (Kubecost Predict API). */
export function predictRoutes(deps: PredictRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    registerManifestParsers(app);
    // Fastify's own 413 says only "Request body is too large"; say the limit. Everything else,
    // rethrown, goes on to the root error handler, which renders every error in the envelope.
    app.setErrorHandler((err: FastifyError) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        throw new AppError('PAYLOAD_TOO_LARGE', `the body is larger than ${PREDICT_BODY_LIMIT} bytes (5 MiB); send fewer manifests per request`);
      }
      throw err;
    });
    app.post(
      '/model/prediction/speccost',
      {
        bodyLimit: PREDICT_BODY_LIMIT,
        schema: {
          summary: 'Predicted monthly cost of Kubernetes manifests, before and after applying them (Kubecost Predict API)',
          tags: ['kubecost'],
          querystring: PredictQuerySchema,
          response: { 200: PredictResponseSchema, 413: errorResponses[400], 415: errorResponses[400], ...errorResponses },
        },
      },
      async (request, reply) => {
        checkPredictQuery(request.query, deps.clusterId, deps.clock.nowMs());
        // No body at all reads as an empty one: the domain says what to send.
        const body = isManifestBody(request.body) ? request.body : { format: 'sniff' as const, text: '' };
        const objects = parseManifests(body.text, body.format);
        const answer = await predictSpecCosts(objects, request.query.defaultNamespace, deps);
        if (answer.ignored.length > 0) void reply.header('x-ignored-kinds', headerList(answer.ignored));
        if (answer.warnings.length > 0) void reply.header('warning', answer.warnings.map(warningValue));
        return answer.diffs;
      },
    );
  };
}
