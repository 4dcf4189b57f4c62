import { createHash } from 'node:crypto';
import type { CustomEventRecord } from '../storage/catalogue.js';
import type { EventCatalogue } from '../storage/store-reader.js';
import { AppError } from '../errors.js';
import type { ReportBody, ReportItem } from './report-schema.js';
import type { Occurrence, OccurrenceDetail, ReportResponse } from './response-schemas.js';

/** How far back a reported event's time may lie: one hour, as Cloud Eye accepts. */
export const REPORT_PAST_MS = 3_600_000;
/** How far ahead: ten minutes. */
export const REPORT_FUTURE_MS = 600_000;

/** Custom events newly stored by one report, as published on the bus (`customEvents`). */
export interface CustomEventsReported {
  readonly project: string;
  readonly events: readonly CustomEventRecord[];
}

/**
 * Cloud Eye's de-duplication key: two reports are the same event when these fields all match
 * (a field not given counts as empty, as the event is served).
 */
export function dedupeKey(project: string, item: ReportItem): string {
  const d = item.detail;
  const fields = [item.time, project, item.event_source, item.event_name, 'EVENT.CUSTOM', d.event_state ?? '', d.event_level ?? '', d.event_user ?? '', d.resource_id ?? '', d.resource_name ?? ''];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/** The occurrence as the details call will serve it: Cloud Eye's key order, empty strings for what was not given. */
function occurrenceOf(item: ReportItem, eventId: string): Occurrence {
  const d = item.detail;
  const detail: OccurrenceDetail = {
    content: d.content ?? '',
    group_id: d.group_id ?? '',
    resource_id: d.resource_id ?? '',
    resource_name: d.resource_name ?? '',
    event_state: d.event_state ?? '',
    event_level: d.event_level ?? '',
    event_user: d.event_user ?? '',
    event_type: 'EVENT.CUSTOM',
    // Only what Cloud Eye documents of a dimension is kept.
    ...(d.dimensions !== undefined && { dimensions: d.dimensions.map((x) => ({ name: x.name, value: x.value })) }),
  };
  return { event_id: eventId, event_name: item.event_name, event_source: item.event_source, time: item.time, detail };
}

/** Refuses the first event whose time lies outside [now − 1 h, now + 10 min], naming it and the bounds. */
function checkTimes(body: ReportBody, nowMs: number): void {
  const earliest = nowMs - REPORT_PAST_MS;
  const latest = nowMs + REPORT_FUTURE_MS;
  body.forEach((item, i) => {
    if (item.time < earliest || item.time > latest) {
      throw new AppError('CES_BAD_BODY',
        `invalid body: '[${i}].time' got ${item.time}; accepts epoch milliseconds from ${earliest} to ${latest} (one hour ago to ten minutes ahead)`,
      );
    }
  });
}

/** What reporting needs. */
export interface ReportDeps {
  readonly catalogue: EventCatalogue;
  readonly nowMs: number;
  readonly newId: (nowMs: number) => string;
  readonly publish: (reported: CustomEventsReported) => void;
}

/**
 * `POST /V1.0/{project_id}/events`: checks every event (the schema has checked the rest), stores
 * the batch atomically, publishes what is new, and answers each event's id in order: a report
 * identical on the de-duplication key to one stored gets the first one's id and is not stored again.
 */
export async function reportEvents(deps: ReportDeps, project: string, body: ReportBody): Promise<ReportResponse> {
  checkTimes(body, deps.nowMs);
  const records = body.map((item): CustomEventRecord => {
    const eventId = deps.newId(deps.nowMs);
    return {
      eventId,
      name: item.event_name,
      source: item.event_source,
      timeMs: item.time,
      level: item.detail.event_level ?? '',
      state: item.detail.event_state ?? '',
      user: item.detail.event_user ?? '',
      dedupeKey: dedupeKey(project, item),
      body: JSON.stringify(occurrenceOf(item, eventId)),
    };
  });
  const stored = await deps.catalogue.insertCustomEvents(project, records);
  // Published after the commit, so a subscriber never sees an event storage does not hold.
  if (stored.inserted.length > 0) deps.publish({ project, events: stored.inserted });
  return body.map((item, i) => ({ event_id: stored.ids[i] ?? '', event_name: item.event_name }));
}
