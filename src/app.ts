import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AuditEventSchema } from './audit/audit-event.js';
import { AuditGapSchema } from './audit/watch-gap.js';
import type { BugReportSources } from './bugreport/bug-report.js';
import { CesErrorBodySchema } from './cloud-eye/response-schemas.js';
import type { Clock } from './clock.js';
import type { Readiness } from './readiness.js';
import type { EventReader } from './storage/store-reader.js';
import { auditRoutes, type AuditRouteDeps } from './http/audit-routes.js';
import { auditGapRoutes } from './http/audit-gaps-routes.js';
import { NO_GAPS, type AuditGapStore } from './storage/gap-store.js';
import { bugReportRoutes } from './http/bugreport-routes.js';
import { costModelRoutes, type CostModelRouteDeps } from './http/cost-model-routes.js';
import { CLOUD_EYE_PREFIX, cloudEyeRoutes, type CloudEyeRouteDeps } from './http/cloud-eye-routes.js';
import { installCors, type CorsOrigins } from './http/cors.js';
import { ErrorEnvelopeSchema, errorBody } from './http/envelope.js';
import { formatValidationErrors, installErrorHandling } from './http/error-handler.js';
import { EtlEventSchema, etlLogRoutes } from './http/etl-log-routes.js';
import { etlStatusRoutes, type EtlStatusRouteDeps } from './http/etl-status-routes.js';
import { healthRoutes } from './http/health-routes.js';
import { installJsonBodyParser } from './http/json-body.js';
import { LazyCompilers } from './http/lazy-compilers.js';
import { registerKubecostRoutes } from './http/kubecost-routes.js';
import { installHttpMetrics, metricsRoutes } from './http/metrics-routes.js';
import { notifyRoutes, type NotifyRouteDeps } from './http/notify-routes.js';
import { NotifyStatusSchema } from './notify/status-schema.js';
import { registerOpenApi, type OpenApiSettings } from './http/openapi.js';
import { predictRoutes, type PredictRouteDeps } from './http/predict-routes.js';
import { RequestLog } from './http/request-log.js';
import { uiRoutes, type UiRouteDeps } from './http/ui-routes.js';
import { clientErrorHandler } from './http/client-error.js';
import { installContentEncodingCheck } from './http/content-encoding.js';
import { installExpectationHandling } from './http/expectation.js';
import { echoRequestId, REQUEST_ID_HEADER, requestIdOf } from './http/request-id.js';
import type { Metrics } from './metrics/metrics.js';
import { clipText } from './quote-value.js';

/** Everything the routes need, created by the composition root (or a test) and handed in. */
export interface AppDeps {
  readonly clock: Clock;
  /** The stored ETL and audit events. */
  readonly events: EventReader;
  readonly readiness: Readiness;
  /** The stored allocation and asset sets (`/model/allocation`, `/model/assets`); without it those routes are not served (tests of other routes). */
  readonly sets?: Omit<CostModelRouteDeps, 'clock'>;
  /** What `/model/etl/status` and the repair routes need; without it they are not served (tests of other routes). */
  readonly etlStatus?: Omit<EtlStatusRouteDeps, 'clock'>;
  /** Serve `/model/audit/events`; off, the route says how to enable it. */
  readonly auditEnabled?: boolean;
  /** The audit's gaps (`/model/audit/gaps`, served when the audit is enabled); absent (tests of other routes): it lists none. */
  readonly gaps?: AuditGapStore;
  /** What audited changes really cost (`realized`); without it the field is not served (tests of other routes). */
  readonly realized?: AuditRouteDeps['realized'];
  /** What `POST /model/prediction/speccost` needs; without it the route is not served (tests of other routes). */
  readonly predict?: Omit<PredictRouteDeps, 'clock'>;
  /** What the Cloud Eye event API needs; without it the routes are not served (tests of other routes). */
  readonly cloudEye?: Omit<CloudEyeRouteDeps, 'clock' | 'requestLog'>;
  /** Serve `GET /metrics` from this registry and time every request into it; without it neither (tests of other routes). */
  readonly metrics?: Metrics;
  /** The OpenAPI document's version and whether `/docs` is served; default version 0.0.0, no `/docs`. */
  readonly openapi?: OpenApiSettings;
  /** What `GET /model/bugreport` reports; without it the route is not served (tests of other routes). */
  readonly bugReport?: BugReportSources;
  /** The web page at `/ui/` (and `/` redirecting a browser there); without it neither (`UI_ENABLED=false`, tests of other routes). */
  readonly ui?: UiRouteDeps;
  /** Origins whose pages may read answers (`CORS_ALLOWED_ORIGINS`); default every one. */
  readonly corsOrigins?: CorsOrigins;
  /** The notifications' status and test routes; absent: NOTIFY_CONFIG is unset and they answer 404 saying so. */
  readonly notify?: NotifyRouteDeps;
  /** Fastify's logger option: pino options, or false (tests of routes). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Where the routes' serializers and validators wait to be compiled; a test passes its own to compile them all. */
  readonly compilers?: LazyCompilers;
  /** A logger made beforehand (the server's, made first so every part logs through it); wins over `logger`. */
  readonly loggerInstance?: FastifyBaseLogger;
}

/** Bytes a request body may have unless a route says otherwise. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Fastify's options, shared by production and tests so both validate alike. */
export function serverOptions(
  logging: Pick<FastifyServerOptions, 'logger' | 'loggerInstance'>,
  requestLog: RequestLog,
  compilers = new LazyCompilers(),
): FastifyServerOptions {
  return {
    ...logging,
    // Serializers and validators compiled at a route's first need, not at start (lazy-compilers.ts).
    schemaController: { compilersFactory: { buildSerializer: compilers.serializers, buildValidator: compilers.validators } },
    logController: requestLog,
    bodyLimit: DEFAULT_BODY_LIMIT,
    requestTimeout: 60_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: {
      // strictNumbers off: a query value of `Infinity` coerces to a number, and with Ajv's default
      // an infinite number skips `minimum` and `maximum` (they apply to finite numbers only) yet
      // passes as an integer: `count=Infinity` reached the SQL backends' LIMIT. Off, the bounds
      // apply to it (every integer query parameter has both); JSON bodies hold no infinities.
      customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false, verbose: true, strictNumbers: false, keywords: ['x-accepts'] },
    },
    schemaErrorFormatter: formatValidationErrors,
    // A safe X-Request-Id from the client is the request's id (and in every log line of it); else a new one.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Requests Node's parser cannot read: answered in the envelope, with Connection: close.
    clientErrorHandler,
    // Malformed URLs and the like fail before routing; they still answer in the envelope.
    frameworkErrors: (err, request, reply) => {
      const status = err.statusCode ?? 400;
      void (reply as FastifyReply).code(status).header(REQUEST_ID_HEADER, request.id).send(errorBody(status, frameworkMessage(err.message)));
    },
  };
}

/**
 * Fastify's words for a URL it cannot route (`'<the part>' is not a valid url component`, `… is
 * exceeding the max param length`), with the client's part cut short so the answer stays small.
 */
function frameworkMessage(message: string): string {
  const m = /^'([\s\S]*)'( [^']*)$/.exec(message);
  return m === null ? clipText(message) : `'${clipText(m[1] ?? '')}'${m[2] ?? ''}`;
}

/** The server with every route, not yet listening. Tests call this and use `inject`. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const requestLog = new RequestLog();
  const logging = deps.loggerInstance !== undefined ? { loggerInstance: deps.loggerInstance } : { logger: deps.logger ?? false };
  const app = Fastify(serverOptions(logging, requestLog, deps.compilers)).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandling(app, requestLog);
  installJsonBodyParser(app);
  echoRequestId(app);
  installCors(app, deps.corsOrigins ?? '*');
  // A root hook before any route, so every route (whoever registers it) is timed.
  if (deps.metrics !== undefined) installHttpMetrics(app, deps.metrics);
  // After CORS's hook and the metrics', so their answers carry the one and are counted by the other.
  installExpectationHandling(app);
  installContentEncodingCheck(app);
  // Before any route: the document is made of the routes registered after this.
  registerOpenApi(app, deps.openapi ?? { version: '0.0.0', ui: false });
  app.addSchema(ErrorEnvelopeSchema);
  app.addSchema(EtlEventSchema);
  app.addSchema(AuditEventSchema);
  app.addSchema(AuditGapSchema);
  app.addSchema(CesErrorBodySchema);
  app.addSchema(NotifyStatusSchema);
  void app.register(healthRoutes(deps.readiness));
  // The Kubecost route group: each answers at /model/<path> and, for Kubecost's nginx, at /<path>.
  registerKubecostRoutes(app, [
    etlLogRoutes({ events: deps.events, clock: deps.clock }),
    notifyRoutes(deps.notify),
    ...(deps.etlStatus !== undefined ? [etlStatusRoutes({ ...deps.etlStatus, clock: deps.clock })] : []),
    auditRoutes({ events: deps.auditEnabled === true ? deps.events : undefined, ...(deps.realized !== undefined && { realized: deps.realized }) }),
    auditGapRoutes({ clock: deps.clock, gaps: deps.auditEnabled === true ? (deps.gaps ?? NO_GAPS) : undefined }),
    ...(deps.sets !== undefined ? [costModelRoutes({ ...deps.sets, clock: deps.clock })] : []),
    ...(deps.predict !== undefined ? [predictRoutes({ ...deps.predict, clock: deps.clock })] : []),
    ...(deps.bugReport !== undefined ? [bugReportRoutes(deps.bugReport)] : []),
  ]);
  if (deps.cloudEye !== undefined) void app.register(cloudEyeRoutes({ ...deps.cloudEye, clock: deps.clock, requestLog }), { prefix: CLOUD_EYE_PREFIX });
  if (deps.metrics !== undefined) void app.register(metricsRoutes(deps.metrics));
  if (deps.ui !== undefined) void app.register(uiRoutes(deps.ui));
  return app;
}
