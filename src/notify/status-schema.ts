import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** `GET /model/notify/status`'s data: the routes, the sinks (URLs masked), the outbox and recent dead letters. */
export const NotifyStatusSchema = Type.Object(
  {
    routes: Type.Array(
      Type.Object({
        name: Type.String(),
        match: Type.Record(Type.String(), Type.Unknown(), { description: 'The route\'s match, as NOTIFY_CONFIG gives it.' }),
        sinks: Type.Array(Type.String()),
        groupSeconds: Type.Number({ description: 'Grouping interval; 0: no grouping.' }),
        rateLimit: Type.Union([Type.Object({ count: Type.Integer(), perSeconds: Type.Number() }), Type.Null()]),
      }),
    ),
    sinks: Type.Array(
      Type.Object({
        name: Type.String(),
        type: Type.String(),
        url: Nullable(Type.String({ description: 'Scheme and host only; the path, where webhook tokens live, is masked.', examples: ['https://hooks.slack.com/***'] })),
        signed: Type.Boolean({ description: 'Whether deliveries carry an HMAC-SHA256 signature.' }),
        headers: Type.Array(Type.String(), { description: 'Names of the custom headers (values not shown).' }),
        concurrency: Type.Integer(),
        maxAttempts: Type.Integer(),
        timeoutSeconds: Type.Number(),
        delivered: Type.Integer({ description: 'Notifications this process delivered since start.' }),
        failed: Type.Integer({ description: 'Failed attempts by this process since start.' }),
        inFlight: Type.Integer(),
        lastDelivered: Nullable(Type.String()),
        lastError: Type.Union([Type.Object({ message: Type.String(), time: Type.String() }), Type.Null()]),
      }),
    ),
    outbox: Type.Object({
      pending: Type.Integer({ description: 'Notifications waiting or being delivered, every replica\'s.' }),
      oldestPendingSeconds: Type.Union([Type.Number(), Type.Null()]),
      deadLetters: Type.Integer(),
    }),
    deadLetters: Type.Array(
      Type.Object({
        id: Type.String(),
        route: Type.String(),
        sink: Type.String(),
        attempts: Type.Integer(),
        created: Type.String(),
        died: Type.String(),
        error: Type.String(),
        summary: Type.String(),
      }),
      { description: 'The 20 most recent dead letters, newest first.' },
    ),
  },
  { $id: 'NotifyStatus' },
);

/** What `/model/notify/status` serves. */
export type NotifyStatus = Static<typeof NotifyStatusSchema>;
