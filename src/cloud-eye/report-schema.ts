import { Type, type Static } from '@sinclair/typebox';

/**
 * The body of `POST /V1.0/{project_id}/events`, validated as Cloud Eye documents it (Reporting
 * Events, en-us_topic_0109034020). Each rule carries what it accepts in `x-accepts`, which the
 * 400 quotes. Fields Cloud Eye does not document (Huawei's `sub_event_type`) are ignored.
 */

/** Events one report may carry. Cloud Eye documents no limit; this one keeps a report's work bounded. */
export const MAX_EVENTS_PER_REPORT = 100;

/** An event name: what Cloud Eye accepts, and what the routes' `event_name` parameters accept. */
export const EVENT_NAME = {
  pattern: '^[a-zA-Z][a-zA-Z0-9_]*$',
  minLength: 1,
  maxLength: 64,
  'x-accepts': '1 to 64 letters, digits and underscores, starting with a letter',
} as const;

/** An event source `service.item`, 3 to 32 characters in all. */
export const EVENT_SOURCE = {
  pattern: '^[a-zA-Z][a-zA-Z0-9_]*\\.[a-zA-Z][a-zA-Z0-9_]*$',
  minLength: 3,
  maxLength: 32,
  'x-accepts': 'service.item, 3 to 32 characters in all, each part letters, digits and underscores starting with a letter',
} as const;

/** The event levels. */
export const EVENT_LEVELS = ['Critical', 'Major', 'Minor', 'Info'] as const;
/** The event states. */
export const EVENT_STATES = ['normal', 'warning', 'incident'] as const;
/** The two event types: reported by the server (system) or by a client (custom). */
export const EVENT_TYPES = ['EVENT.SYS', 'EVENT.CUSTOM'] as const;
/** One event type. */
export type EventType = (typeof EVENT_TYPES)[number];

const literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description, 'x-accepts': values.length === 2 ? values.join(' or ') : `${values.slice(0, -1).join(', ')} or ${values.at(-1) ?? ''}` },
  );

/** `detail.event_level`. */
export const EventLevelSchema = literals(EVENT_LEVELS, 'The event level.');
/** `detail.event_state`. */
export const EventStateSchema = literals(EVENT_STATES, 'The event state.');

/** One dimension of an event, by which event alarm rules filter. */
export const DimensionSchema = Type.Object({
  name: Type.String({ pattern: '^[a-zA-Z0-9_-]+$', minLength: 1, maxLength: 32, 'x-accepts': '1 to 32 letters, digits, underscores and hyphens', examples: ['instance_id'] }),
  value: Type.String({ minLength: 1, maxLength: 256, 'x-accepts': '1 to 256 characters', examples: ['instance_xxx'] }),
});

/** `detail` of a reported event. */
export const ReportDetailSchema = Type.Object({
  content: Type.Optional(Type.String({ maxLength: 4096, 'x-accepts': 'at most 4096 characters', description: 'What happened.' })),
  group_id: Type.Optional(
    Type.String({ pattern: '^[a-zA-Z0-9_-]*$', maxLength: 128, 'x-accepts': 'at most 128 letters, digits, underscores and hyphens', description: 'A resource group id, kept as given.' }),
  ),
  resource_id: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_:-]*$', maxLength: 128, 'x-accepts': 'at most 128 letters, digits, underscores, hyphens and colons' })),
  resource_name: Type.Optional(
    Type.String({ pattern: '^[a-zA-Z0-9_.\\u4e00-\\u9fa5-]*$', maxLength: 128, 'x-accepts': 'at most 128 letters (Chinese too), digits, underscores, hyphens and dots' }),
  ),
  event_state: Type.Optional(EventStateSchema),
  event_level: Type.Optional(EventLevelSchema),
  event_user: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_/ -]*$', maxLength: 64, 'x-accepts': 'at most 64 letters, digits, underscores, hyphens, slashes and spaces' })),
  event_type: Type.Optional(
    Type.Literal('EVENT.CUSTOM', { 'x-accepts': 'EVENT.CUSTOM (EVENT.SYS events come from the server and cannot be reported)', description: 'Only custom events can be reported.' }),
  ),
  dimensions: Type.Optional(Type.Array(DimensionSchema, { maxItems: 4, 'x-accepts': 'at most 4 dimensions' })),
});
/** `detail` as reported. */
export type ReportDetail = Static<typeof ReportDetailSchema>;

/** One reported event. */
export const ReportItemSchema = Type.Object({
  event_name: Type.String({ ...EVENT_NAME, examples: ['systemInvaded'] }),
  event_source: Type.String({ ...EVENT_SOURCE, examples: ['financial.System'] }),
  time: Type.Integer({
    minimum: 0,
    'x-accepts': 'epoch milliseconds from one hour ago to ten minutes ahead',
    description: 'When it occurred, epoch ms, from now − 1 h to now + 10 min.',
    examples: [1742264993000],
  }),
  detail: ReportDetailSchema,
});
/** One reported event, as validated. */
export type ReportItem = Static<typeof ReportItemSchema>;

/** The body: a bare JSON array of events. */
export const ReportBodySchema = Type.Array(ReportItemSchema, {
  minItems: 1,
  maxItems: MAX_EVENTS_PER_REPORT,
  'x-accepts': `a JSON array of 1 to ${MAX_EVENTS_PER_REPORT} events`,
  examples: [
    [
      {
        event_name: 'systemInvaded',
        event_source: 'financial.System',
        time: 1742264993000,
        detail: {
          content: 'The financial system was invaded',
          group_id: 'rg15221211517051YWWkEnVd',
          resource_id: '1234567890sjgggad',
          resource_name: 'ecs001',
          event_state: 'normal',
          event_level: 'Major',
          event_user: 'xiaokong',
          event_type: 'EVENT.CUSTOM',
          dimensions: [{ name: 'instance_id', value: 'instance_xxx' }],
        },
      },
    ],
  ],
});
/** A report, as validated. */
export type ReportBody = Static<typeof ReportBodySchema>;
