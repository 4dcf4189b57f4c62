import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics/metrics.js';
import { errorResponses } from './envelope.js';
import { RenderedBody } from './render-cache.js';
import { sendRendered } from './reply-cached.js';

/** The label of requests no route matched (404s, malformed URLs): one series, whatever URLs are probed. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every request into `cost_events_http_request_duration_seconds`, labelled by the route
 * pattern (`/V1.0/:project_id/events`, never the raw URL, so label values stay bounded). A root
 * hook, so routes registered later by any plugin are timed without knowing about metrics.
 */
export function installHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  // A callback hook: no promise and microtask per request, as an async one costs.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}

const SCRAPE_EXAMPLE = [
  '# HELP kubecost_etl_events_total Kubecost ETL events counted by kind.',
  '# TYPE kubecost_etl_events_total counter',
  'kubecost_etl_events_total{etl="allocation",event="AllocationSetSaved"} 2573',
  '',
].join('\n');

/** `GET /metrics`: the registry in Prometheus text format. */
export function metricsRoutes(metrics: Metrics): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          summary: 'Prometheus metrics: ETL and audit event counters, watchers, storage, HTTP request durations, Node.js process',
          tags: ['operations'],
          produces: ['text/plain'],
          response: {
            200: Type.String({ description: 'Prometheus text exposition format 0.0.4.', examples: [SCRAPE_EXAMPLE] }),
            500: errorResponses[500],
          },
        },
        // Scraped every few seconds: an info line per scrape would drown the log, as /healthz would.
        logLevel: 'warn',
      },
      // Prometheus asks for gzip on every scrape.
      async (request, reply) => sendRendered(request, reply, new RenderedBody(await metrics.registry.metrics()), metrics.registry.contentType),
    );
  };
}
