import { Type, type Static } from '@sinclair/typebox';
import { DimensionSchema, EVENT_LEVELS, EVENT_STATES, EVENT_TYPES } from './report-schema.js';

/** The answers of the Cloud Eye calls, in Cloud Eye's documented shapes (field names and order). */

const eventType = Type.Union(
  EVENT_TYPES.map((t) => Type.Literal(t)),
  { examples: ['EVENT.SYS'] },
);

/** `meta_data`: how many rows or occurrences match, before paging. */
export const MetaDataSchema = Type.Object({ total: Type.Integer({ minimum: 0, description: 'How many match, before paging.', examples: [10] }) });

/** One row of the summary: one event name of one type. */
export const EventSummaryRowSchema = Type.Object({
  event_name: Type.String({ examples: ['rebootServer'] }),
  event_type: eventType,
  event_count: Type.Integer({ minimum: 1, description: 'Occurrences in the time range.', examples: [5] }),
  latest_occur_time: Type.Integer({ description: 'The latest occurrence, epoch ms.', examples: [1606302400000] }),
  latest_event_source: Type.String({ description: 'Its source: SYS.ETL, SYS.K8S, or the custom source.', examples: ['SYS.ECS'] }),
});
/** One summary row. */
export type EventSummaryRow = Static<typeof EventSummaryRowSchema>;

/** The answer of `GET /V1.0/{project_id}/events`. */
export const EventSummaryResponseSchema = Type.Object(
  { events: Type.Array(EventSummaryRowSchema, { description: 'Newest latest_occur_time first.' }), meta_data: MetaDataSchema },
  {
    examples: [
      {
        events: [
          { event_name: 'event_001', event_type: 'EVENT.CUSTOM', event_count: 4, latest_occur_time: 1606499035522, latest_event_source: 'TEST.System' },
          { event_name: 'rebootServer', event_type: 'EVENT.SYS', event_count: 5, latest_occur_time: 1606302400000, latest_event_source: 'SYS.ECS' },
        ],
        meta_data: { total: 2 },
      },
    ],
  },
);
/** The summary. */
export type EventSummaryResponse = Static<typeof EventSummaryResponseSchema>;

/**
 * `detail` of an occurrence: every field present, empty strings where nothing was given (as
 * Cloud Eye's examples show), `dimensions` only when given. Required fields keep their order
 * when serialised; an optional one would be moved after them.
 */
export const OccurrenceDetailSchema = Type.Object({
  content: Type.String({ description: 'A system event: its data as a JSON string (the cost prediction of a change, the metadata of an ETL step).' }),
  group_id: Type.String(),
  resource_id: Type.String({ description: 'A change: the object UID.' }),
  resource_name: Type.String({ description: 'A change: namespace/name.' }),
  event_state: Type.Union([...EVENT_STATES, ''].map((s) => Type.Literal(s)), { description: '"" when the report gave none.' }),
  event_level: Type.Union([...EVENT_LEVELS, ''].map((l) => Type.Literal(l)), { description: '"" when the report gave none.' }),
  event_user: Type.String(),
  event_type: eventType,
  dimensions: Type.Optional(Type.Array(DimensionSchema)),
});
/** An occurrence's detail. */
export type OccurrenceDetail = Static<typeof OccurrenceDetailSchema>;

/** One occurrence. */
export const OccurrenceSchema = Type.Object({
  event_id: Type.String({ description: '`ev` + 13-digit ms + 9 letters and digits.', examples: ['ev1606302402256R6doP5YeZ'] }),
  event_name: Type.String({ examples: ['rebootServer'] }),
  event_source: Type.String({ examples: ['SYS.ECS'] }),
  time: Type.Integer({ description: 'When it occurred, epoch ms.', examples: [1606302400000] }),
  detail: OccurrenceDetailSchema,
});
/** One occurrence. */
export type Occurrence = Static<typeof OccurrenceSchema>;

/** The answer of `GET /V1.0/{project_id}/event/{event_name}`. */
export const EventDetailsResponseSchema = Type.Object(
  {
    event_name: Type.String(),
    event_type: eventType,
    event_users: Type.Array(Type.String(), { description: 'The users who reported the matching events ("" for none), sorted; at most 100.' }),
    event_sources: Type.Array(Type.String(), { description: 'Their sources, sorted; at most 100.' }),
    event_info: Type.Array(OccurrenceSchema, { description: 'Newest first.' }),
    meta_data: MetaDataSchema,
  },
  {
    examples: [
      {
        event_name: 'rebootServer',
        event_type: 'EVENT.SYS',
        event_users: [''],
        event_sources: ['SYS.ECS'],
        event_info: [
          {
            event_id: 'ev1606302402256R6doP5YeZ',
            event_name: 'rebootServer',
            event_source: 'SYS.ECS',
            time: 1606302400000,
            detail: {
              content: '{"resourceSpecCode":"kc1.4xlarge.2.linux"}',
              group_id: '',
              resource_id: 'ef8dad27-0488-4de7-bb43-1a0df9806d90',
              resource_name: 'CES-POROS-0001',
              event_state: 'normal',
              event_level: 'Minor',
              event_user: '',
              event_type: 'EVENT.SYS',
              dimensions: [{ name: 'instance_id', value: 'fddad01f-e3b6-420d-8fdc-a42451de7c34' }],
            },
          },
        ],
        meta_data: { total: 1 },
      },
    ],
  },
);
/** The details. */
export type EventDetailsResponse = Static<typeof EventDetailsResponseSchema>;

/** The answer of `POST /V1.0/{project_id}/events`: one item per reported event, in order. */
export const ReportResponseSchema = Type.Array(
  Type.Object({
    event_id: Type.String({ description: "The event's id; for a report identical to one already stored, the first one's.", examples: ['ev1742265001062bN1pQx7Ra'] }),
    event_name: Type.String({ examples: ['systemInvaded'] }),
  }),
  { examples: [[{ event_id: 'ev1742265001062bN1pQx7Ra', event_name: 'systemInvaded' }]] },
);
/** The report's answer. */
export type ReportResponse = Static<typeof ReportResponseSchema>;

/** Cloud Eye's error body: `http_code` is the status as a string, `message.code` a `ces.NNNN` code. */
export const CesErrorBodySchema = Type.Object(
  {
    http_code: Type.String({ examples: ['400'] }),
    message: Type.Object({
      details: Type.String({ description: 'What was wrong and what is accepted.', examples: ["invalid parameter 'limit': got \"0\"; accepts an integer from 1 to 100"] }),
      code: Type.String({ examples: ['ces.0013'] }),
    }),
  },
  { $id: 'CesError', title: 'Cloud Eye error' },
);
/** Cloud Eye's error body. */
export type CesErrorBody = Static<typeof CesErrorBodySchema>;
