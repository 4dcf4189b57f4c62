import { alignDown, alignUp, DAY_MS, HOUR_MS } from '../window.js';
import type { TimeRange } from './catalogue.js';

/**
 * How the SQL backends count custom events fast: `custom_event_counts` holds, per project and
 * name, the total (width 0), a count per day and a count per hour. A count over [from, to) reads
 * the days wholly inside, the hours inside but outside those days, and row by row only what lies
 * in the partial hours at either end: a few dozen rows per name, however many events.
 */

/** Width of the count level that holds a name's total. */
export const TOTAL = 0;

/** The open ends of a range: the extreme dates. */
export const MAX_DATE_MS = 8_640_000_000_000_000;

/** A half-open range [start, end); empty when start >= end. */
export type Span = readonly [start: number, end: number];

/** What to add up for one name: its total, or day and hour buckets and rows in the spans given. */
export interface CountPlan {
  /** The whole range, for the latest occurrence. */
  readonly from: number;
  readonly to: number;
  /** 1 to read the total row (an open range), else 0. */
  readonly total: 0 | 1;
  readonly days: Span;
  readonly hours: readonly [Span, Span];
  readonly rows: readonly [Span, Span];
}

/** The plan for counting a name's events in `r`. */
export function countPlan(r: TimeRange): CountPlan {
  const from = r.fromMs ?? -MAX_DATE_MS;
  const to = r.toMs ?? MAX_DATE_MS;
  const none: Span = [to, to];
  if (r.fromMs === undefined && r.toMs === undefined) return { from, to, total: 1, days: none, hours: [none, none], rows: [none, none] };
  const h0 = alignUp(from, HOUR_MS);
  const h1 = alignDown(to, HOUR_MS);
  if (h0 >= h1) return { from, to, total: 0, days: none, hours: [none, none], rows: [[from, to], none] };
  const d0 = alignUp(from, DAY_MS);
  const d1 = alignDown(to, DAY_MS);
  if (d0 >= d1) return { from, to, total: 0, days: none, hours: [[h0, h1], none], rows: [[from, h0], [h1, to]] };
  return { from, to, total: 0, days: [d0, d1], hours: [[h0, d0], [d1, h1]], rows: [[from, h0], [h1, to]] };
}

/** One count row to add to (or take from). */
export interface CountKey {
  readonly name: string;
  readonly width: number;
  readonly bucket: number;
  n: number;
}

/** The count rows `rows` touch, summed: each event counts in its name's total, its day and its hour. */
export function countKeys(rows: readonly { readonly name: string; readonly timeMs: number }[]): CountKey[] {
  const byKey = new Map<string, CountKey>();
  for (const r of rows) {
    for (const [width, bucket] of [
      [TOTAL, 0],
      [DAY_MS, alignDown(r.timeMs, DAY_MS)],
      [HOUR_MS, alignDown(r.timeMs, HOUR_MS)],
    ] as const) {
      const key = `${r.name}\u0000${width}\u0000${bucket}`;
      const c = byKey.get(key);
      if (c === undefined) byKey.set(key, { name: r.name, width, bucket, n: 1 });
      else c.n++;
    }
  }
  // One order for every writer, so two transactions never wait on each other's rows crosswise.
  return [...byKey.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.width - b.width || a.bucket - b.bucket));
}

/**
 * The SQL of a count per name of the project, with named parameters: `@project`, `@name` (NULL:
 * every name), `@total`, `@d0` `@d1`, `@h0` `@h1` `@h2` `@h3`, `@r0` `@r1` `@r2` `@r3`, `@from` `@to`.
 * Each part is a scalar subquery of its own, so each is one index range. Rows: name, n, latest id.
 */
export const COUNT_PER_NAME_SQL = `
  SELECT c.name AS name,
    c.n * @total
    + (SELECT coalesce(sum(b.n), 0) FROM custom_event_counts b WHERE b.project = @project AND b.name = c.name AND b.width = ${DAY_MS} AND b.bucket_ms >= @d0 AND b.bucket_ms < @d1)
    + (SELECT coalesce(sum(b.n), 0) FROM custom_event_counts b WHERE b.project = @project AND b.name = c.name AND b.width = ${HOUR_MS} AND b.bucket_ms >= @h0 AND b.bucket_ms < @h1)
    + (SELECT coalesce(sum(b.n), 0) FROM custom_event_counts b WHERE b.project = @project AND b.name = c.name AND b.width = ${HOUR_MS} AND b.bucket_ms >= @h2 AND b.bucket_ms < @h3)
    + (SELECT count(*) FROM custom_events e WHERE e.project = @project AND e.name = c.name AND e.time_ms >= @r0 AND e.time_ms < @r1)
    + (SELECT count(*) FROM custom_events e WHERE e.project = @project AND e.name = c.name AND e.time_ms >= @r2 AND e.time_ms < @r3) AS n,
    (SELECT e.id FROM custom_events e WHERE e.project = @project AND e.name = c.name AND e.time_ms >= @from AND e.time_ms < @to
      ORDER BY e.time_ms DESC, e.id DESC LIMIT 1) AS latest_id
  FROM custom_event_counts c
  WHERE c.project = @project AND c.width = ${TOTAL} AND c.bucket_ms = 0 AND (@name IS NULL OR c.name = @name)`;

/** The named parameters of {@link COUNT_PER_NAME_SQL} for a plan. */
export function countParams(project: string, name: string | undefined, p: CountPlan): Record<string, string | number | null> {
  return {
    project,
    name: name ?? null,
    total: p.total,
    d0: p.days[0],
    d1: p.days[1],
    h0: p.hours[0][0],
    h1: p.hours[0][1],
    h2: p.hours[1][0],
    h3: p.hours[1][1],
    r0: p.rows[0][0],
    r1: p.rows[0][1],
    r2: p.rows[1][0],
    r3: p.rows[1][1],
    from: p.from,
    to: p.to,
  };
}
