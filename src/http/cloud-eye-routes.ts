import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { CloudEyeEvents } from '../cloud-eye/cloud-eye-events.js';
import { DetailsQuerySchema, EventParamsSchema, ProjectParamsSchema, SummaryQuerySchema } from '../cloud-eye/query-schemas.js';
import { ReportBodySchema } from '../cloud-eye/report-schema.js';
import { CesErrorBodySchema, EventDetailsResponseSchema, EventSummaryResponseSchema, ReportResponseSchema } from '../cloud-eye/response-schemas.js';
import type { Clock } from '../clock.js';
import { installCesAuth, type CesAccess, type CesRouteConfig } from './cloud-eye-auth.js';
import { cesErrorHandler, REPORT_BODY_LIMIT } from './cloud-eye-errors.js';
import { clockRateLimitStore } from './cloud-eye-rate-limit.js';
import { cesValidatorCompiler } from './cloud-eye-validation.js';
import { NotModified, Ref } from './envelope.js';
import { CES_SECURITY } from './openapi.js';
import { allowedMethods, methodNotAllowedMessage } from './method-not-allowed.js';
import { AnswerTags } from './etag.js';
import { answeredNotModified, sendSerialized } from './reply-cached.js';
import type { RequestLog } from './request-log.js';
import { clipText } from '../quote-value.js';

/** What the Cloud Eye routes need. */
export interface CloudEyeRouteDeps {
  readonly events: CloudEyeEvents;
  /** The grants in force (`CES_TOKENS_FILE`); absent, the routes are open. */
  readonly access?: CesAccess;
  /** Requests per window per token, or per access key and address (per address when open); `max` 0 turns the limit off. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  readonly clock: Clock;
  readonly requestLog: RequestLog;
}

/** Where the routes are mounted. */
export const CLOUD_EYE_PREFIX = '/V1.0';

const error = Ref(CesErrorBodySchema);
/** Every status a Cloud Eye call can answer besides its success, in Cloud Eye's error body. */
const errors = { 400: error, 401: error, 403: error, 429: error, 500: error, 503: error };


/** What the rate limit counts per, from its key. */
const rateLimited = (key: string): string => (key.startsWith('token:') ? 'token' : key.startsWith('ak:') ? 'access key and address' : 'address');

const config = (cesAction: CesRouteConfig['cesAction']): CesRouteConfig => ({ cesAction });

/**
 * Cloud Eye's event API (V1.0) over this server's events: the summary, one event's occurrences,
 * and reporting custom events. Encapsulated: its own validation, error body, not-found answer,
 * access control and rate limit apply here and nowhere else.
 */
export function cloudEyeRoutes(deps: CloudEyeRouteDeps): FastifyPluginAsyncTypebox {
  const tags = new AnswerTags();
  return async (app) => {
    app.setValidatorCompiler(cesValidatorCompiler);
    // Reports are JSON only (Cloud Eye's SDKs send application/json); text would reach validation as one string.
    app.removeContentTypeParser('text/plain');
    /** A 405 (with its Allow header) when another method of the path has a route, else a 404. */
    const unrouted = (request: FastifyRequest, reply: FastifyReply): AppError => {
      const allowed = allowedMethods(app, request.url);
      if (allowed.length > 0) {
        void reply.header('allow', allowed.join(', '));
        return new AppError('CES_METHOD_NOT_ALLOWED', methodNotAllowedMessage(request.method, request.url, allowed));
      }
      return new AppError(
        'CES_NOT_FOUND',
        `no route for ${request.method} ${clipText(request.url.split('?')[0] ?? '')}; the Cloud Eye calls are GET ${CLOUD_EYE_PREFIX}/{project_id}/events, ` +
          `GET ${CLOUD_EYE_PREFIX}/{project_id}/event/{event_name} and POST ${CLOUD_EYE_PREFIX}/{project_id}/events`,
      );
    };
    app.setErrorHandler(cesErrorHandler(deps.requestLog, unrouted));
    app.setNotFoundHandler(async (request, reply) => {
      throw unrouted(request, reply);
    });
    const rateKey = installCesAuth(app, deps.access, deps.clock);
    if (deps.rateLimit.max > 0) {
      const seconds = deps.rateLimit.windowMs / 1000;
      await app.register(rateLimit, {
        global: true,
        max: deps.rateLimit.max,
        timeWindow: deps.rateLimit.windowMs,
        keyGenerator: rateKey,
        store: clockRateLimitStore(deps.clock),
        errorResponseBuilder: (request, ctx) =>
          new AppError(
            'CES_TOO_MANY_REQUESTS',
            `too many requests: the limit is ${ctx.max} per ${seconds} s for each ${rateLimited(rateKey(request))}; retry in ${ctx.after}`,
          ),
      });
    }

    app.get(
      '/:project_id/events',
      {
        config: config('ces:events:list'),
        schema: {
          summary: 'Events of a cluster, one row per event name: how often and when last (Cloud Eye ListEvents)',
          operationId: 'listEvents',
          tags: ['cloud-eye'],
          params: ProjectParamsSchema,
          querystring: SummaryQuerySchema,
          security: CES_SECURITY,
          response: { 200: EventSummaryResponseSchema, 304: NotModified, ...errors },
        },
      },
      async (request, reply) => {
        const { project_id: project } = request.params;
        if (answeredNotModified(request, reply, tags.of('ces-summary', project, await deps.events.stamp(project), JSON.stringify(request.query)))) return reply;
        return sendSerialized(request, reply, await deps.events.summary(project, request.query));
      },
    );

    app.get(
      '/:project_id/event/:event_name',
      {
        config: config('ces:events:get'),
        schema: {
          summary: 'The occurrences of one event, newest first (Cloud Eye ListEventDetail)',
          operationId: 'listEventDetail',
          tags: ['cloud-eye'],
          params: EventParamsSchema,
          querystring: DetailsQuerySchema,
          security: CES_SECURITY,
          response: { 200: EventDetailsResponseSchema, 304: NotModified, ...errors },
        },
      },
      async (request, reply) => {
        const { project_id: project, event_name: name } = request.params;
        if (answeredNotModified(request, reply, tags.of('ces-details', project, name, await deps.events.stamp(project), JSON.stringify(request.query)))) return reply;
        return sendSerialized(request, reply, await deps.events.details(project, name, request.query));
      },
    );

    app.post(
      '/:project_id/events',
      {
        config: config('ces:events:post'),
        bodyLimit: REPORT_BODY_LIMIT,
        schema: {
          summary: 'Report custom events, all stored or none (Cloud Eye CreateEvents)',
          operationId: 'createEvents',
          tags: ['cloud-eye'],
          params: ProjectParamsSchema,
          security: CES_SECURITY,
          body: ReportBodySchema,
          response: { 201: ReportResponseSchema, ...errors },
        },
      },
      async (request, reply) => {
        const answer = await deps.events.report(request.params.project_id, request.body);
        return sendSerialized(request, reply.code(201), answer);
      },
    );
  };
}
