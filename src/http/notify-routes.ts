import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, badParameter, missingParameterMessage } from '../errors.js';
import { NotifyStatusSchema, type NotifyStatus } from '../notify/status-schema.js';
import { isTransientStoreError } from '../storage/store-errors.js';
import { Envelope, ErrorEnvelopeSchema, errorResponses, Ref } from './envelope.js';

/** What the notification routes need: absent when `NOTIFY_CONFIG` is unset. */
export interface NotifyRouteDeps {
  status(): Promise<NotifyStatus>;
  /** Sends a sample through the route; false when no route has that name. */
  test(route: string): boolean;
  routeNames(): readonly string[];
}

const DISABLED = 'notifications are off: set NOTIFY_CONFIG to a notifications file (see docs/notifications.md)';

const TestQuerySchema = Type.Object({
  route: Type.Optional(Type.String({ description: 'The route to send a sample through.', 'x-accepts': 'the name of a route of NOTIFY_CONFIG', examples: ['expensive'] })),
});

const TestResponseSchema = Envelope(
  Type.Object({
    route: Type.String(),
    sinks: Type.Array(Type.String(), { description: 'The sinks a sample was queued for; see the status for how each delivery went.' }),
  }),
);

/** `GET /model/notify/status` and `POST /model/notify/test`. */
export function notifyRoutes(deps: NotifyRouteDeps | undefined): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/notify/status',
      {
        schema: {
          summary: 'Notification routes, sinks (URLs masked), the outbox and recent dead letters',
          tags: ['kubecost'],
          response: { 200: Envelope(Ref(NotifyStatusSchema)), 404: Ref(ErrorEnvelopeSchema), ...errorResponses },
        },
      },
      async () => {
        if (deps === undefined) throw new AppError('FEATURE_DISABLED', DISABLED);
        try {
          return { code: 200 as const, data: await deps.status() };
        } catch (err) {
          if (isTransientStoreError(err)) throw new AppError('STORAGE_UNAVAILABLE', 'storage is unavailable; the outbox cannot be read now');
          throw err;
        }
      },
    );
    app.post(
      '/notify/test',
      {
        schema: {
          summary: 'Sends a sample notification through a route',
          tags: ['kubecost'],
          querystring: TestQuerySchema,
          response: { 200: TestResponseSchema, 404: Ref(ErrorEnvelopeSchema), ...errorResponses },
        },
      },
      async (request) => {
        if (deps === undefined) throw new AppError('FEATURE_DISABLED', DISABLED);
        const names = deps.routeNames();
        const accepts = names.length === 0 ? 'the name of a route (NOTIFY_CONFIG has none)' : `one of ${names.join(', ')}`;
        const route = request.query.route;
        if (route === undefined || route === '') throw new AppError('BAD_PARAMETER', missingParameterMessage('route', accepts));
        if (!deps.test(route)) throw badParameter('route', route, accepts);
        const status = await deps.status().catch(() => undefined);
        const sinks = status?.routes.find((r) => r.name === route)?.sinks ?? [];
        return { code: 200 as const, data: { route, sinks } };
      },
    );
  };
}
