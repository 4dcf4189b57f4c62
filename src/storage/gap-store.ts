import { GAP_MERGE_TOLERANCE_MS, mergeGaps } from '../audit/gap-merge.js';
import { AUDIT_RESOURCE_TYPES } from '../audit/resource-types.js';
import type { AuditGap } from '../audit/watch-gap.js';

/** Most recent gaps kept and served per cluster (by end): a gap is a rare, short record, so this is days of a flapping API server. */
export const AUDIT_GAP_CAPACITY = 1000;

/** Which gaps to list. */
export interface AuditGapQuery {
  /** Undefined: every cluster in the store. */
  readonly clusters?: ReadonlySet<string>;
  /** Epoch ms; a gap is listed when it overlaps [start, end). Absent: every gap held. */
  readonly window?: { readonly start: number; readonly end: number };
  /** At most this many, newest first. */
  readonly count?: number;
}

/**
 * Gaps in the audit's view (audit/watch-gap.ts): written through `Store.write` as `gap` records (so
 * a gap follows the inferred events its list found), listed here. Memory, SQLite and PostgreSQL
 * (`audit_gaps`, schema version 8) implement it; test/storage/gap-store-contract.test.ts holds
 * them to the same answers.
 */
export interface AuditGapStore {
  /** Per selected cluster the most recent {@link AUDIT_GAP_CAPACITY} gaps, then the window; newest end first (ties: cluster, then id, descending), as JSON. */
  queryGaps(q: AuditGapQuery): Promise<readonly string[]>;
}

/**
 * `store`'s gaps as `/model/audit/gaps` and the bug report serve them: the gaps of one outage
 * (several kinds ending together) merged into one (audit/gap-merge.ts), which counts as one for
 * `count`. With a count, the store is read in pages (count × the audited kinds, doubling) until the
 * first `count` merged gaps are whole, that is until a page reaches a gap ending more than the
 * tolerance before the last of them; never past what the store holds ({@link AUDIT_GAP_CAPACITY}
 * per cluster).
 */
export function mergingGaps(store: AuditGapStore): AuditGapStore {
  return {
    async queryGaps(q) {
      const count = q.count;
      if (count === undefined) return mergeGaps(await store.queryGaps(q)).map((g) => g.json);
      for (let limit = count * AUDIT_RESOURCE_TYPES.length; ; limit *= 2) {
        const rows = await store.queryGaps({ ...q, count: limit });
        const groups = mergeGaps(rows);
        const last = rows.at(-1);
        if (rows.length < limit || last === undefined) return groups.slice(0, count).map((g) => g.json);
        const lastEndMs = Date.parse((JSON.parse(last) as AuditGap).end);
        const whole = groups.filter((g) => g.newestEndMs - GAP_MERGE_TOLERANCE_MS > lastEndMs);
        if (whole.length >= count) return whole.slice(0, count).map((g) => g.json);
      }
    },
  };
}

/** A store that holds no gap. */
export const NO_GAPS: AuditGapStore = { queryGaps: async () => [] };

/** A gap as a row of the SQL backends: its JSON as served and the columns the query uses. */
export function gapRow(g: AuditGap): { cluster: string; id: string; startMs: number; endMs: number; body: string } {
  return { cluster: g.cluster, id: g.id, startMs: Date.parse(g.start), endMs: Date.parse(g.end), body: JSON.stringify(g) };
}

/** The memory backend's gaps: per cluster a bounded list, oldest end first. */
export class MemoryGaps implements AuditGapStore {
  readonly #byCluster = new Map<string, ReturnType<typeof gapRow>[]>();

  add(g: AuditGap): void {
    const row = gapRow(g);
    let rows = this.#byCluster.get(row.cluster);
    if (rows === undefined) {
      rows = [];
      this.#byCluster.set(row.cluster, rows);
    }
    if (rows.some((r) => r.id === row.id)) return;
    rows.push(row);
    rows.sort(newestLast);
    if (rows.length > AUDIT_GAP_CAPACITY) rows.splice(0, rows.length - AUDIT_GAP_CAPACITY);
  }

  async queryGaps(q: AuditGapQuery): Promise<readonly string[]> {
    const picked = [];
    for (const [cluster, rows] of this.#byCluster) {
      if (q.clusters !== undefined && !q.clusters.has(cluster)) continue;
      for (const r of rows) if (q.window === undefined || (r.endMs >= q.window.start && r.startMs < q.window.end)) picked.push(r);
    }
    picked.sort((a, b) => newestLast(b, a));
    return picked.slice(0, q.count ?? picked.length).map((r) => r.body);
  }
}

/** The SQL backends' order, ascending: end, then cluster, then id. */
function newestLast(a: ReturnType<typeof gapRow>, b: ReturnType<typeof gapRow>): number {
  return a.endMs - b.endMs || (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
