import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from './envelope.js';
import { COST_MODEL_ALIAS_TAG } from './kubecost-routes.js';
import { finishDocument, type Json } from './openapi-document.js';
import { RenderedBody } from './render-cache.js';
import { sendRendered } from './reply-cached.js';

/** How the document is served. */
export interface OpenApiSettings {
  /** `info.version`: the package version. */
  readonly version: string;
  /** Serve the interactive docs at `/docs` (`DOCS_ENABLED`). */
  readonly ui: boolean;
}

/** The document as served at `/openapi.json` and `/openapi.yaml`, and checked in under `openapi/`. */
export interface RenderedOpenApi {
  readonly json: string;
  readonly yaml: string;
}

const DESCRIPTION =
  'Kubecost-compatible ETL event log, Cost Events Audit API and Predict API, with Prometheus metrics and a bug-report dump. ' +
  'Kubecost routes answer in its envelope: `{"code":200,"data":…}`, or `{"code":<status>,"data":null,"message":"…"}` with the same HTTP status. ' +
  'Unknown query parameters are ignored; a known one given twice or with a value it does not accept is a 400 naming it. ' +
  'The Cloud Eye routes (/V1.0/…) answer in Cloud Eye\'s shapes instead, errors as `{"http_code":"400","message":{"details":"…","code":"ces.0013"}}`.';

/** How the Cloud Eye routes authenticate when CES_TOKENS_FILE is set. */
export const SECURITY_SCHEMES = {
  cesToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Auth-Token',
    description: 'A token whose SHA-256 CES_TOKENS_FILE grants; required on the Cloud Eye routes when CES_TOKENS_FILE is set (or an AK/SK signature)',
  },
  cesAkSk: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      "An AK/SK signature as Huawei Cloud's SDKs send it: `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<names>, Signature=<hex>` with `X-Sdk-Date` " +
      '(YYYYMMDDTHHMMSSZ, within 15 minutes of the server clock); SignedHeaders must include host and x-sdk-date, and the signature covers the method, path, query, signed headers and body. ' +
      'The access key must be in the accessKeys of CES_TOKENS_FILE, its secret key in the file beside it that skFile names',
  },
} as const;

/** The `security` of a Cloud Eye operation: a granted token or access key's signature, or nothing when CES_TOKENS_FILE is unset. */
export const CES_SECURITY: { [scheme: string]: readonly string[] }[] = [{ cesToken: [] }, { cesAkSk: [] }, {}];

/**
 * Registers the document's generation from the routes' schemas. Call it before any route:
 * @fastify/swagger collects routes as they are added, so every route registered after it, by
 * any plugin, is in the document. Schemas added with `addSchema` become `#/components/schemas/<$id>`.
 */
export function registerOpenApi(app: FastifyInstance, settings: OpenApiSettings): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'cost-events', version: settings.version, description: DESCRIPTION, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
      servers: [{ url: '/', description: 'The server serving this document (npm start: http://localhost:9090; in a cluster, its Service)' }],
      components: { securitySchemes: SECURITY_SCHEMES },
      tags: [
        { name: 'kubecost', description: 'Drop-in Kubecost endpoints: the same paths, query parameters and JSON' },
        {
          name: COST_MODEL_ALIAS_TAG,
          description: "The same Kubecost endpoints without `/model`, as Kubecost's cost-model container answers them behind Kubecost's frontend nginx (`location /model/ { proxy_pass http://model/; }`)",
        },
        { name: 'health', description: 'Liveness and readiness probes' },
        { name: 'operations', description: 'Metrics, the bug-report dump and this document' },
        { name: 'cloud-eye', description: "Cloud Eye's event API (V1.0) over this server's events, in Cloud Eye's shapes and error body" },
      ],
    },
    refResolver: {
      // The shared schema's own $id names its component, instead of @fastify/swagger's `def-<n>`.
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`),
    },
    transformObject: (d) => ('openapiObject' in d ? (finishDocument(d.openapiObject as { [key: string]: Json }) as typeof d.openapiObject) : d.swaggerObject),
  });
  if (settings.ui) void app.register(swaggerUi, { routePrefix: '/docs' });
  void app.register(openapiRoutes());
}

/** The document rendered as it is served and checked in: JSON indented by two, and YAML. */
export function renderOpenApi(app: FastifyInstance): RenderedOpenApi {
  return { json: `${JSON.stringify(app.swagger(), null, 2)}\n`, yaml: app.swagger({ yaml: true }) };
}

const DocumentSchema = Type.Object(
  { openapi: Type.String({ examples: ['3.1.0'] }), info: Type.Object({}, { additionalProperties: true }), paths: Type.Object({}, { additionalProperties: true }) },
  { additionalProperties: true, description: 'This OpenAPI 3.1 document' },
);

/** `GET /openapi.json` and `GET /openapi.yaml`: the document, rendered once. */
function openapiRoutes(): FastifyPluginAsyncTypebox {
  return async (app) => {
    let rendered: { json: RenderedBody; yaml: RenderedBody } | undefined;
    const doc = () => {
      if (rendered === undefined) {
        const text = renderOpenApi(app);
        rendered = { json: new RenderedBody(text.json), yaml: new RenderedBody(text.yaml) };
      }
      return rendered;
    };
    app.get(
      '/openapi.json',
      { schema: { summary: 'This API as an OpenAPI 3.1 document (JSON)', tags: ['operations'], response: { 200: DocumentSchema, 500: errorResponses[500] } } },
      async (request, reply) => sendRendered(request, reply, doc().json),
    );
    app.get(
      '/openapi.yaml',
      {
        schema: {
          summary: 'This API as an OpenAPI 3.1 document (YAML)',
          tags: ['operations'],
          produces: ['application/yaml'],
          response: { 200: Type.String({ description: 'This OpenAPI 3.1 document' }), 500: errorResponses[500] },
        },
      },
      async (request, reply) => sendRendered(request, reply, doc().yaml, 'application/yaml; charset=utf-8'),
    );
  };
}
