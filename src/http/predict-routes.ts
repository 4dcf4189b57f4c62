import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { Clock } from '../clock.js';
import type { CostPredictor } from '../cost/predictor.js';
import { SpecCostDiffSchema } from '../cost/spec-cost.js';
import { badParameter } from '../errors.js';
import type { LiveWorkloads } from '../predict/live-workloads.js';
import { parseManifests } from '../predict/manifests.js';
import { predictSpecCosts } from '../predict/predict-spec-costs.js';
import { WINDOW_ACCEPTED } from '../window.js';
import { windowParameter } from './window-parameter.js';
import { errorResponses } from './envelope.js';
import { headerList, warningValue } from './header-values.js';
import { isManifestBody, registerManifestParsers, SNIFFED_CONTENT_TYPES, YAML_CONTENT_TYPES } from './manifest-body.js';

/** Largest body accepted: a few thousand manifests, far below what would strain memory. */
export const PREDICT_BODY_LIMIT = 5 * 1024 * 1024;

/** The window Kubecost defaults to; accepted and validated, unused since predictions come from requests. */
export const DEFAULT_PREDICT_WINDOW = '2d';

const windowParam = (description: string, example: string) =>
  Type.Optional(Type.String({ description, 'x-accepts': WINDOW_ACCEPTED, examples: [example] }));

/** Query of `POST /model/prediction/speccost`: Kubecost's parameters and the extra two kubectl-cost sends. */
export const PredictQuerySchema = Type.Object({
  clusterID: Type.String({ description: "The cluster the workloads would run in: this server's CLUSTER_ID.", 'x-accepts': "this server's CLUSTER_ID", examples: ['cluster-one'] }),
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

/** A manifest to price, for the OpenAPI document (the OpenAPI test checks the route answers {@link PREDICT_RESPONSE_EXAMPLE} to it). */
export const PREDICT_BODY_EXAMPLE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: sample-deployment
  namespace: kubecost
spec:
  replicas: 1
  selector:
    matchLabels:
      app: sample
  template:
    metadata:
      labels:
        app: sample
    spec:
      containers:
        - name: app
          image: nginx:1.25
          resources:
            requests:
              cpu: 100m
              memory: 32Mi
`;

const EXAMPLE_COST = {
  totalMonthlyRate: 2.4045625000000004,
  cpuMonthlyRate: 2.3080000000000003,
  ramMonthlyRate: 0.0965625,
  gpuMonthlyRate: 0,
  monthlyCPUCoreHours: 73,
  monthlyRAMByteHours: 24494735360,
  monthlyGPUHours: 0,
};

/** What the route answers to {@link PREDICT_BODY_EXAMPLE} at the default prices, with nothing running yet. */
export const PREDICT_RESPONSE_EXAMPLE = [
  {
    namespace: 'kubecost',
    controllerKind: 'deployment',
    controllerName: 'sample-deployment',
    costBefore: { ...EXAMPLE_COST, totalMonthlyRate: 0, cpuMonthlyRate: 0, ramMonthlyRate: 0, monthlyCPUCoreHours: 0, monthlyRAMByteHours: 0 },
    costAfter: EXAMPLE_COST,
    costChange: EXAMPLE_COST,
  },
];

/** The answer: a bare array, no envelope, as Kubecost answers and kubectl-cost reads it. */
export const PredictResponseSchema = Type.Array(SpecCostDiffSchema, {
  description: 'One item per priced workload, in body order.',
  examples: [PREDICT_RESPONSE_EXAMPLE],
});

const MANIFESTS_DESCRIPTION =
  'Kubernetes manifests: one or more YAML documents, a JSON object or array, or a `List`. At most 5 MiB. ' +
  'Untyped bodies, text/plain, application/octet-stream and application/x-www-form-urlencoded (curl\'s default) are sniffed: JSON when they start with `{` or `[`, else YAML.';

/**
 * The body as the OpenAPI document describes it. Not a validation schema: the route's own
 * content-type parsers read the body, so this is handed to @fastify/swagger alone.
 */
const PredictBodyDoc = {
  description: MANIFESTS_DESCRIPTION,
  content: {
    ...Object.fromEntries(YAML_CONTENT_TYPES.map((t) => [t, { schema: Type.String({ examples: [PREDICT_BODY_EXAMPLE] }) }])),
    'application/json': { schema: Type.Unknown({ description: 'A manifest object, an array of them, or a List' }) },
    ...Object.fromEntries(SNIFFED_CONTENT_TYPES.map((t) => [t, { schema: Type.String() }])),
  },
};

const RESPONSE_HEADERS_DESCRIPTION =
  'Objects not priced are named in `X-Ignored-Kinds` (`ConfigMap/app-config, Service/web`); caveats about the figures come as `Warning: 299 - "…"` headers.';

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
    windowParameter(name, value, nowMs, WINDOW_ACCEPTED);
  }
}

/** `POST /model/prediction/speccost`: what manifests would cost, before and after (Kubecost Predict API). */
export function predictRoutes(deps: PredictRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    registerManifestParsers(app);
    app.post(
      '/prediction/speccost',
      {
        bodyLimit: PREDICT_BODY_LIMIT,
        config: {
          bodyLimitAdvice: 'send fewer manifests per request',
          swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: PredictBodyDoc }, url }),
        },
        schema: {
          summary: 'Predicted monthly cost of Kubernetes manifests, before and after applying them (Kubecost Predict API)',
          description: RESPONSE_HEADERS_DESCRIPTION,
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
