import type { OccurrenceQuery } from '../storage/catalogue.js';
import type { EventCatalogue } from '../storage/store-reader.js';
import { MAX_LIMIT, type DetailsQuery } from './query-schemas.js';
import type { EventDetailsResponse, Occurrence } from './response-schemas.js';
import { resolveSystemEventName, systemEventTraits, systemOccurrence } from './system-events.js';
import { timeRange } from './time-range.js';

/** A filter value; an empty one filters nothing (Cloud Eye: an empty source means all sources). */
const given = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/**
 * `GET /V1.0/{project_id}/event/{event_name}`: the occurrences of one event name and type, newest
 * first, a page of them with `meta_data.total` counting all that match. A name no event carries
 * answers an empty list, as a name that has not occurred yet would.
 */
export async function eventDetails(
  catalogue: EventCatalogue,
  project: string,
  name: string,
  q: DetailsQuery,
  notBeforeMs: number,
): Promise<EventDetailsResponse> {
  const range = timeRange(q);
  const page = { project, offset: q.start ?? 0, limit: q.limit ?? MAX_LIMIT };
  const empty: EventDetailsResponse = { event_name: name, event_type: q.event_type, event_users: [], event_sources: [], event_info: [], meta_data: { total: 0 } };
  const filters = { source: given(q.event_source), level: given(q.event_level), state: given(q.event_state), user: given(q.event_user) };
  if (q.event_type === 'EVENT.CUSTOM') {
    const from = Math.max(range.fromMs ?? notBeforeMs, notBeforeMs);
    const found = await catalogue.queryOccurrences({
      ...page,
      ...range,
      fromMs: from,
      source: 'custom',
      name,
      ...(filters.source !== undefined && { eventSource: filters.source }),
      ...(filters.level !== undefined && { level: filters.level }),
      ...(filters.state !== undefined && { state: filters.state }),
      ...(filters.user !== undefined && { user: filters.user }),
    });
    // Stored as served: the bodies are the occurrences.
    const info = found.rows.flatMap((r) => (r.source === 'custom' ? [JSON.parse(r.body) as Occurrence] : []));
    return { ...empty, event_users: [...found.users], event_sources: [...found.sources], event_info: info, meta_data: { total: found.total } };
  }
  const system = resolveSystemEventName(name);
  if (system === undefined) return empty;
  // Every occurrence of a system event name has the same source, level, state and (no) user.
  const traits = systemEventTraits(system);
  const mismatch = (['source', 'level', 'state', 'user'] as const).some((k) => filters[k] !== undefined && filters[k] !== traits[k]);
  if (mismatch) return empty;
  const query: OccurrenceQuery = system.source === 'etl' ? { ...page, ...range, source: 'etl', kind: system.kind } : { ...page, ...range, ...system };
  const found = await catalogue.queryOccurrences(query);
  const info = found.rows.flatMap((r) => (r.source === 'custom' ? [] : [systemOccurrence(r)]));
  if (found.total === 0) return empty;
  return { ...empty, event_users: [''], event_sources: [traits.source], event_info: info, meta_data: { total: found.total } };
}
