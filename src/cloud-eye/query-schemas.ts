import { Type, type Static } from '@sinclair/typebox';
import { CLUSTER_ID_ACCEPTS } from '../cluster-id.js';
import { EVENT_LEVELS, EVENT_NAME, EVENT_STATES, EVENT_TYPES } from './report-schema.js';

/** The path and query parameters of the Cloud Eye calls. An empty query value is the same as none. */

const oneOf = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description, 'x-accepts': values.join(', ') },
  );

/** Largest page. */
export const MAX_LIMIT = 100;

const ms = (description: string, example: number) =>
  Type.Integer({ minimum: 1_000_000_000_000, maximum: 9_999_999_999_999, 'x-accepts': 'epoch milliseconds (13 digits)', description, examples: [example] });

const paging = {
  from: Type.Optional(ms('Start of the time range, epoch ms, inclusive. Absent: every stored event counts.', 1605952700911)),
  to: Type.Optional(ms('End of the time range, epoch ms, exclusive; greater than from.', 1606557500911)),
  start: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0, 'x-accepts': 'an offset from 0', description: 'How many rows to skip.' })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: MAX_LIMIT, 'x-accepts': `an integer from 1 to ${MAX_LIMIT}`, description: 'Rows per page.' }),
  ),
};

/** `{project_id}`: a cluster id. */
export const ProjectParamsSchema = Type.Object({
  project_id: Type.String({
    pattern: '^[a-zA-Z0-9-]{1,64}$',
    'x-accepts': `a cluster id (${CLUSTER_ID_ACCEPTS}): this server's CLUSTER_ID or a cluster in its store`,
    description: "The cluster: this server's CLUSTER_ID or any cluster whose events share its store.",
    examples: ['cluster-one'],
  }),
});
/** The project path parameter. */
export type ProjectParams = Static<typeof ProjectParamsSchema>;

/** `{project_id}` and `{event_name}`. */
export const EventParamsSchema = Type.Object({
  ...ProjectParamsSchema.properties,
  event_name: Type.String({ ...EVENT_NAME, description: 'The event name: an ETL kind, a change such as createDeployment, or a custom event name.', examples: ['createDeployment'] }),
});
/** The details call's path parameters. */
export type EventParams = Static<typeof EventParamsSchema>;

/** Query of `GET /V1.0/{project_id}/events`. */
export const SummaryQuerySchema = Type.Object({
  event_type: Type.Optional(oneOf(EVENT_TYPES, 'EVENT.SYS (ETL and audit events) or EVENT.CUSTOM (reported ones). Absent: both.')),
  event_name: Type.Optional(Type.String({ ...EVENT_NAME, description: 'Only this event name.', examples: ['AllocationSetSaved'] })),
  ...paging,
});
/** The summary's query. */
export type SummaryQuery = Static<typeof SummaryQuerySchema>;

/** Query of `GET /V1.0/{project_id}/event/{event_name}`. */
export const DetailsQuerySchema = Type.Object({
  event_type: oneOf(EVENT_TYPES, 'EVENT.SYS or EVENT.CUSTOM: which of the two events of this name.'),
  event_source: Type.Optional(
    Type.String({
      pattern: '^([a-zA-Z][a-zA-Z0-9_]*\\.[a-zA-Z][a-zA-Z0-9_]*)?$',
      maxLength: 32,
      'x-accepts': 'service.item (at most 32 characters, each part letters, digits and underscores starting with a letter)',
      description: 'Only events of this source: SYS.ETL, SYS.K8S, or a custom source.',
      examples: ['SYS.K8S'],
    }),
  ),
  event_level: Type.Optional(oneOf(EVENT_LEVELS, 'Only events of this level.')),
  event_user: Type.Optional(
    Type.String({ pattern: '^[a-zA-Z0-9_/ -]*$', maxLength: 64, 'x-accepts': 'at most 64 letters, digits, underscores, hyphens, slashes and spaces', description: 'Only events reported by this user.' }),
  ),
  event_state: Type.Optional(oneOf(EVENT_STATES, 'Only events in this state.')),
  ...paging,
});
/** The details call's query. */
export type DetailsQuery = Static<typeof DetailsQuerySchema>;
