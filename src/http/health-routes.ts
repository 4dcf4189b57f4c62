import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Readiness } from '../readiness.js';
import { errorResponses } from './envelope.js';

const ComponentStatusSchema = Type.Object({
  ready: Type.Boolean(),
  state: Type.String({ examples: ['synced'] }),
  detail: Type.Optional(Type.String()),
});

/** What `/readyz` reports: whether all is ready, and each component's state. */
export const ReadinessSchema = Type.Object({
  ready: Type.Boolean(),
  components: Type.Record(Type.String(), ComponentStatusSchema),
});

/** `/healthz` (the process serves) and `/readyz` (every enabled component is ready). */
export function healthRoutes(readiness: Readiness): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          summary: 'Liveness: 200 while the process serves',
          tags: ['health'],
          response: { 200: Type.Object({ code: Type.Literal(200), data: Type.Literal('ok') }, { description: 'The process serves' }), 500: errorResponses[500] },
        },
        logLevel: 'warn',
      },
      () => ({ code: 200 as const, data: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        schema: {
          summary: 'Readiness: 200 when every enabled component is ready, else 503 with each state',
          tags: ['health'],
          response: {
            200: Type.Object({ code: Type.Literal(200), data: ReadinessSchema }, { description: 'Every enabled component is ready' }),
            503: Type.Object(
              { code: Type.Literal(503), data: ReadinessSchema, message: Type.String({ examples: ['not ready: audit (not synced: Deployment: backoff)'] }) },
              { description: 'A component is not ready; the body has the state of each' },
            ),
          },
        },
        logLevel: 'warn',
      },
      (_request, reply) => {
        const report = readiness.report();
        if (report.ready) return { code: 200 as const, data: report };
        const waiting = Object.entries(report.components)
          .filter(([, s]) => !s.ready)
          .map(([name, s]) => `${name} (${s.state}${s.detail === undefined ? '' : `: ${s.detail}`})`);
        void reply.code(503);
        return { code: 503 as const, data: report, message: `not ready: ${waiting.join('; ')}` };
      },
    );
  };
}
