import type { EventSummary, EventSummaryQuery } from '../storage/catalogue.js';
import type { EventCatalogue } from '../storage/store-reader.js';
import { nsToMs } from '../time.js';
import type { SummaryQuery } from './query-schemas.js';
import { MAX_LIMIT } from './query-schemas.js';
import type { EventSummaryResponse, EventSummaryRow } from './response-schemas.js';
import { changeEventName, ETL_SOURCE, K8S_SOURCE, resolveSystemEventName } from './system-events.js';
import type { StampedCache } from './stamped-cache.js';
import { timeRange } from './time-range.js';

/** Newest latest occurrence first; ties by name, then type, so pages never shuffle. */
function byLatest(a: EventSummaryRow, b: EventSummaryRow): number {
  if (a.latest_occur_time !== b.latest_occur_time) return b.latest_occur_time - a.latest_occur_time;
  if (a.event_name !== b.event_name) return a.event_name < b.event_name ? -1 : 1;
  return a.event_type < b.event_type ? -1 : a.event_type > b.event_type ? 1 : 0;
}

/** Where summaries are kept between store changes. */
export type SummaryCache = StampedCache<EventSummary>;

/** Bytes a summary holds, estimated: a row's object and numbers, and its strings at two bytes a character. */
export function summaryBytes(s: EventSummary): number {
  let bytes = 64 * (s.etl.length + s.audit.length);
  for (const r of s.custom) bytes += 80 + 2 * (r.name.length + r.latestSource.length);
  return bytes;
}

/**
 * `GET /V1.0/{project_id}/events`: one row per event name and type, with how often it occurred in
 * `from`..`to` (every stored event without them) and its latest occurrence; `meta_data.total` is
 * the number of rows before paging. Custom events older than `notBeforeMs` (their retention) are
 * left out. Both parts, ETL and audit events and custom events, are reused while the store's
 * revision of that part (and `notBeforeMs`) is unchanged, so a dashboard polling costs one revision read.
 */
export async function summarizeEvents(
  catalogue: EventCatalogue,
  cache: SummaryCache,
  project: string,
  q: SummaryQuery,
  notBeforeMs: number,
): Promise<EventSummaryResponse> {
  const range = timeRange(q);
  const system = q.event_type !== 'EVENT.CUSTOM';
  const named = q.event_name === undefined ? undefined : resolveSystemEventName(q.event_name);
  const systemQuery: EventSummaryQuery = {
    project,
    ...range,
    ...(system && (q.event_name === undefined || named?.source === 'etl') && { etl: named?.source === 'etl' ? { kind: named.kind } : {} }),
    ...(system &&
      (q.event_name === undefined || named?.source === 'audit') && { audit: named?.source === 'audit' ? { eventType: named.eventType, resourceType: named.resourceType } : {} }),
  };
  const customQuery: EventSummaryQuery = { project, ...range, custom: { ...(q.event_name !== undefined && { name: q.event_name }), notBeforeMs } };
  const none: EventSummary = { etl: [], audit: [], custom: [] };
  // Read before the data, so a kept answer is never older than its stamp.
  const revision = await catalogue.revision();
  const [systemPart, customPart] = await Promise.all([
    systemQuery.etl === undefined && systemQuery.audit === undefined
      ? none
      : cache.get(`system ${JSON.stringify(systemQuery)}`, `${revision.etl}/${revision.audit}`, () => catalogue.summarizeEvents(systemQuery)),
    q.event_type === 'EVENT.SYS' ? none : cache.get(`custom ${JSON.stringify(customQuery)}`, revision.custom, () => catalogue.summarizeEvents(customQuery)),
  ]);
  const summary: EventSummary = { etl: systemPart.etl, audit: systemPart.audit, custom: customPart.custom };
  const rows: EventSummaryRow[] = [
    ...summary.etl.map((r) => ({ event_name: r.kind, event_type: 'EVENT.SYS' as const, event_count: r.count, latest_occur_time: nsToMs(r.latestNs), latest_event_source: ETL_SOURCE })),
    ...summary.audit.map((r) => ({
      event_name: changeEventName(r.eventType, r.resourceType),
      event_type: 'EVENT.SYS' as const,
      event_count: r.count,
      latest_occur_time: r.latestMs,
      latest_event_source: K8S_SOURCE,
    })),
    ...summary.custom.map((r) => ({ event_name: r.name, event_type: 'EVENT.CUSTOM' as const, event_count: r.count, latest_occur_time: r.latestMs, latest_event_source: r.latestSource })),
  ].sort(byLatest);
  const start = q.start ?? 0;
  return { events: rows.slice(start, start + (q.limit ?? MAX_LIMIT)), meta_data: { total: rows.length } };
}
