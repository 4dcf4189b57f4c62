import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AuditEventSchema } from '../audit/audit-event.js';
import { renderBugReport, type BugReportSources } from '../bugreport/bug-report.js';
import { Envelope, errorResponses, Ref } from './envelope.js';
import { EtlLogResponseSchema } from './etl-log-routes.js';
import { ReadinessSchema } from './health-routes.js';
import { RenderedBody } from './render-cache.js';
import { sendRendered } from './reply-cached.js';

const SectionErrorSchema = Type.Object(
  { error: Type.String({ examples: ['storage (postgres) is unavailable; events produced meanwhile are held and written when it returns; /readyz has the details'] }) },
  { description: 'The section could not be read; the rest of the report is still there' },
);

const WatchStatusSchema = Type.Object({
  consumer: Type.Union([Type.Literal('audit'), Type.Literal('etl')], { description: "Whose loop it is: the audit's or the ETL cluster cache's (both may watch one kind)" }),
  kind: Type.String({ examples: ['Deployment'] }),
  state: Type.Union(['connecting', 'listing', 'watching', 'backoff', 'stopped'].map((s) => Type.Literal(s))),
  synced: Type.Boolean({ description: 'A full list has been delivered at least once' }),
  lastError: Type.Optional(Type.String({ description: 'The last failure, kept after recovery' })),
  failures: Type.Integer({ minimum: 0, description: 'Failures since the loop last made progress; 0 when healthy' }),
  relists: Type.Integer({ minimum: 0 }),
  restarts: Type.Integer({ minimum: 0 }),
  lastEventAt: Type.Optional(Type.Number({ description: 'Epoch milliseconds of the last event or bookmark' })),
  resourceVersion: Type.Optional(Type.String()),
});

const RecordCountsSchema = Type.Object({
  live: Type.Integer({ minimum: 0, description: 'Records of objects that exist' }),
  ended: Type.Integer({ minimum: 0, description: 'Ended records held for windows not yet built' }),
  droppedEnded: Type.Integer({ minimum: 0, description: 'Ended records dropped at the cap since start' }),
});

const EtlSectionSchema = Type.Union(
  [
    Type.Object({
      pipeline: Type.Object({
        nextWindowStart: Type.String({ description: 'RFC 3339, UTC: the start of the next window to build', examples: ['2024-05-03T08:00:00Z'] }),
        lastBuiltEnd: Type.Union([Type.String(), Type.Null()], { description: 'RFC 3339, UTC: the end of the last window built and saved (or loaded at start); null before the first' }),
        lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why the last build or roll-up failed; null once a build succeeds' }),
      }),
      cache: Type.Record(Type.String(), RecordCountsSchema, {
        description: 'What the ETL cluster cache holds, per kind of record: nodes, pods, volumes, claims, loadBalancers',
      }),
    }),
    Type.Null(),
  ],
  { description: 'The ETL pipeline and its cluster cache; null without a cluster (no pipeline runs)' },
);

const counts = Type.Object({ etl: Type.Integer({ minimum: 0 }), audit: Type.Integer({ minimum: 0 }), workload: Type.Integer({ minimum: 0 }) });

/** The answer of `GET /model/bugreport`. */
export const BugReportSchema = Envelope(
  Type.Object({
    generatedAt: Type.String({ description: 'RFC 3339, UTC', examples: ['2024-05-03T08:01:04.000000000Z'] }),
    version: Type.String({ examples: ['0.1.0'] }),
    build: Type.Object({
      commit: Type.Union([Type.String(), Type.Null()], { description: 'The git commit built; null when run from source or built without git' }),
      builtAt: Type.Union([Type.String(), Type.Null()]),
    }),
    runtime: Type.Object({ node: Type.String({ examples: ['v20.20.2'] }), platform: Type.String(), arch: Type.String(), pid: Type.Integer() }),
    startedAt: Type.String({ description: 'RFC 3339, UTC' }),
    uptimeSeconds: Type.Number({ minimum: 0 }),
    settings: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The effective settings by variable name; passwords and secret parameters of URLs, and secret-named settings, masked as ***',
      examples: [{ PORT: 9090, STORAGE_URL: 'postgres://cost:***@db:5432/events' }],
    }),
    readiness: ReadinessSchema,
    watchers: Type.Array(WatchStatusSchema, { description: 'Each watch loop, of the audit and of the ETL cluster cache; empty without a cluster' }),
    storage: Type.Object({
      backend: Type.Union([Type.Literal('memory'), Type.Literal('sqlite'), Type.Literal('postgres')]),
      location: Type.String({ description: 'Password masked' }),
      available: Type.Boolean(),
      queued: Type.Integer({ minimum: 0, description: 'Records waiting to be written' }),
      written: Type.Integer({ minimum: 0 }),
      dropped: counts,
      errors: Type.Object({ transient: Type.Integer({ minimum: 0 }), refused: Type.Integer({ minimum: 0 }) }),
    }),
    etl: EtlSectionSchema,
    metrics: Type.Record(
      Type.String(),
      Type.Array(Type.Object({ labels: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])), value: Type.Number() })),
      { description: 'What /metrics shows, by metric name; histograms by their _count and _sum' },
    ),
    logs: Type.Object({
      dropped: Type.Integer({ minimum: 0, description: 'Older lines dropped to keep the tail bounded' }),
      lines: Type.Array(Type.Unknown(), { description: 'The last warning and error log lines, oldest first, as logged (JSON objects)' }),
    }),
    etlLog: Type.Union([EtlLogResponseSchema.properties.data, SectionErrorSchema], { description: 'The whole ETL log, as GET /model/etl/log answers it' }),
    auditEvents: Type.Union([Type.Array(Ref(AuditEventSchema)), Type.Null(), SectionErrorSchema], {
      description: 'The audit events, as GET /model/audit/events answers them; null when the audit is disabled',
    }),
  }),
);

/** `GET /model/bugreport`: the dump to attach to a bug report. */
export function bugReportRoutes(sources: BugReportSources): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/bugreport',
      {
        schema: {
          summary: 'Everything a bug report needs in one JSON document: build, settings (secrets masked), readiness, watchers, storage, the ETL pipeline, metrics, recent warnings and errors, the ETL log and the audit events',
          description: 'Fetch and save it with `npx cost-events bugreport --url http://<host>:9090`.',
          tags: ['operations'],
          response: { 200: BugReportSchema, 500: errorResponses[500] },
        },
      },
      async (request, reply) => {
        const json = await renderBugReport(sources);
        reply.header('cache-control', 'no-store').header('content-disposition', 'attachment; filename="cost-events-bugreport.json"');
        return sendRendered(request, reply, new RenderedBody(json));
      },
    );
  };
}
