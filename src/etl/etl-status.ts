import type { Clock } from '../clock.js';
import type { EtlCategory } from '../events/etl-kinds.js';
import type { ComponentStatus } from '../readiness.js';
import type { RepairStore } from '../storage/repair-store.js';
import type { SetQuery, StoredSetInfo } from '../storage/store.js';
import { formatRfc3339Seconds } from '../time.js';
import { alignDown, DAY_MS, formatDuration } from '../window.js';
import type { DataStatus, EtlStatus, RepairJson, StoreStatus } from './etl-status-schemas.js';
import type { PipelineState } from './pipeline.js';
import { parseRepairRecord, type RepairRecord } from './repair-record.js';

/** Most missing ranges listed per store. */
export const MAX_MISSING_RANGES = 50;

/** This server's own ETL, when it has a cluster: what the status reads of it. */
export interface LocalEtl {
  readonly pipeline: { state(): PipelineState };
  readonly cache: { readiness(): ComponentStatus; currency(): ComponentStatus; horizonMs(): number };
  readonly repairs: { current(): RepairRecord | undefined };
}

export interface EtlStatusDeps {
  /** This server's CLUSTER_ID. */
  readonly cluster: string;
  readonly clock: Clock;
  readonly resolutionMs: number;
  readonly hourlyRetentionMs: number;
  readonly dailyRetentionMs: number;
  /** The pipeline's settle time: a window counts as due once the pipeline would build it. */
  readonly settleMs: number;
  /** The stored sets (a 503 while storage is down). */
  readonly sets: { listSets(q: SetQuery): Promise<StoredSetInfo[]> };
  /** The last repair of each cluster. */
  readonly repairs: RepairStore;
  /** This server's pipeline, cache and repairs; undefined without a cluster (the status then reads only what is stored). */
  readonly local: () => LocalEtl | undefined;
}

/** A store of one category: its resolution and how long it keeps sets. */
interface Tier {
  readonly res: number;
  readonly keep: number;
}

/**
 * GET /model/etl/status: what is stored against what should be, per category and resolution, for
 * the selected clusters of a (maybe shared) store, with this server's pipeline, cluster cache and
 * repairs, and one `healthy` verdict with its reason. Everything is read when asked: the stored
 * sets' descriptions (never their payloads), the pipeline's and the cache's state.
 */
export class EtlStatusReader {
  readonly #d: EtlStatusDeps;

  constructor(deps: EtlStatusDeps) {
    this.#d = deps;
  }

  /** The status of `clusters` (undefined: every cluster with stored sets, and this server's). */
  async status(clusters?: ReadonlySet<string>): Promise<EtlStatus> {
    const { cluster: own, clock } = this.#d;
    const local = this.#d.local();
    const now = clock.nowMs();
    const tiers = this.#tiers();
    const listed = new Map<string, StoredSetInfo[]>();
    const seen = new Set<string>(clusters ?? (local === undefined ? [] : [own]));
    for (const category of ['allocation', 'asset'] as const) {
      for (const { res, keep } of tiers) {
        const infos = await this.#d.sets.listSets({ category, resolutionMs: res, start: keepFrom(now, keep, res), ...(clusters !== undefined && { clusters }) });
        listed.set(`${category}/${res}`, infos);
        if (clusters === undefined) for (const i of infos) seen.add(i.cluster);
      }
    }
    const selected = [...seen].sort();
    const ownSelected = local !== undefined && seen.has(own);
    const pipeline = ownSelected ? local.pipeline.state() : undefined;
    const store = (category: EtlCategory, tier: Tier): StoreStatus => this.#store(listed.get(`${category}/${tier.res}`) ?? [], selected, tier, now, pipeline);
    const byRes = (category: EtlCategory) => Object.fromEntries(tiers.map((t) => [formatDuration(t.res), store(category, t)]));
    const allocation = byRes('allocation');
    const assets = byRes('asset');
    const repairs = await this.#repairs(selected, ownSelected ? local : undefined);
    const status: EtlStatus = {
      healthy: true,
      cluster: local === undefined ? null : own,
      clusters: selected,
      allocation,
      assets,
      pipeline: pipeline === undefined || pipeline.startTime === undefined ? null : pipelineJson(pipeline, pipeline.startTime),
      clusterCache: ownSelected ? cacheJson(local.cache) : null,
      repairRunning: Object.values(repairs).some((r) => r.state === 'running'),
      repairs,
    };
    const reason = unhealthy(status);
    return reason === undefined ? status : { ...status, healthy: false, reason };
  }

  #tiers(): Tier[] {
    const { resolutionMs: res, hourlyRetentionMs, dailyRetentionMs } = this.#d;
    const daily = { res: DAY_MS, keep: dailyRetentionMs };
    return res === DAY_MS ? [daily] : [{ res, keep: hourlyRetentionMs }, daily];
  }

  /** One store over the selected clusters: coverage, expected and present windows, missing ranges, data status. */
  #store(infos: readonly StoredSetInfo[], clusters: readonly string[], { res, keep }: Tier, now: number, pipeline: PipelineState | undefined): StoreStatus {
    const lastClosed = alignDown(now - this.#d.settleMs, res);
    const retentionFrom = keepFrom(now, keep, res);
    const data: DataStatus = { success: 0, empty: 0, error: 0, warning: 0 };
    const missing: StoreStatus['missing'] = [];
    let expected = 0;
    let present = 0;
    let missingWindows = 0;
    let truncated = false;
    for (const c of clusters) {
      const mine = infos.filter((i) => i.cluster === c);
      for (const i of mine) data[i.size > 0 ? 'success' : 'empty']++;
      const own = pipeline !== undefined && c === this.#d.cluster;
      const firstBuilt = own && pipeline.firstWindowStart !== undefined ? alignDown(pipeline.firstWindowStart, res) : undefined;
      const origin = Math.min(mine[0]?.start ?? Infinity, firstBuilt ?? Infinity);
      if (origin === Infinity) continue;
      const from = Math.max(origin, retentionFrom);
      if (lastClosed <= from) continue;
      expected += (lastClosed - from) / res;
      // The windows of this store the pipeline failed on: from the next one it has to build, while its last run failed.
      const failedFrom = own && res === this.#d.resolutionMs && pipeline.lastRun?.outcome === 'error' ? pipeline.nextWindowStart : Infinity;
      const gap = (start: number, end: number): void => {
        if (end <= start) return;
        const failedStart = Math.max(start, failedFrom);
        const parts: [number, number, 'error' | 'warning'][] = [
          [start, Math.min(end, failedStart), 'warning'],
          [failedStart, end, 'error'],
        ];
        for (const [s, e, st] of parts) {
          if (e <= s) continue;
          const windows = (e - s) / res;
          missingWindows += windows;
          data[st] += windows;
          if (missing.length < MAX_MISSING_RANGES) missing.push({ cluster: c, start: formatRfc3339Seconds(s), end: formatRfc3339Seconds(e), windows, status: st });
          else truncated = true;
        }
      };
      let cursor = from;
      for (const i of mine) {
        if (i.start < from || i.start >= lastClosed) continue;
        present++;
        gap(cursor, i.start);
        cursor = i.end;
      }
      gap(cursor, lastClosed);
    }
    missing.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.cluster < b.cluster ? -1 : 1));
    const first = infos[0];
    const last = infos.reduce<StoredSetInfo | undefined>((m, i) => (m === undefined || i.end > m.end ? i : m), undefined);
    return {
      resolution: formatDuration(res),
      refreshRate: formatDuration(res),
      coverage: first === undefined || last === undefined ? null : { start: formatRfc3339Seconds(first.start), end: formatRfc3339Seconds(last.end) },
      startTime: pipeline?.startTime === undefined ? null : formatRfc3339Seconds(pipeline.startTime),
      lastRun: pipeline?.lastRun === undefined ? null : formatRfc3339Seconds(pipeline.lastRun.end),
      nextRun: pipeline?.nextRunAt === undefined ? null : formatRfc3339Seconds(pipeline.nextRunAt),
      progress: expected === 0 ? 1 : present / expected,
      expectedWindows: expected,
      presentWindows: present,
      missingWindows,
      missing,
      missingTruncated: truncated,
      dataStatus: data,
    };
  }

  async #repairs(clusters: readonly string[], local: LocalEtl | undefined): Promise<Record<string, RepairJson>> {
    const ownSelected = local !== undefined;
    const out: Record<string, RepairJson> = {};
    const others = new Set(clusters.filter((c) => !(ownSelected && c === this.#d.cluster)));
    const stored = others.size === 0 ? new Map<string, string>() : await this.#d.repairs.loadRepairs(others);
    for (const c of clusters) {
      const record = ownSelected && c === this.#d.cluster ? local.repairs.current() : parseBody(stored.get(c));
      if (record !== undefined) out[c] = repairJson(record);
    }
    return out;
  }
}

/** A repair record as the routes print it. */
export function repairJson(r: RepairRecord): RepairJson {
  const total = r.windows + r.days;
  return {
    id: r.id,
    cluster: r.cluster,
    category: r.category,
    window: { start: formatRfc3339Seconds(r.start), end: formatRfc3339Seconds(r.end) },
    state: r.state,
    progress: total === 0 ? 1 : (r.rebuilt + r.rolledUp) / total,
    windows: r.windows,
    rebuilt: r.rebuilt,
    days: r.days,
    rolledUp: r.rolledUp,
    startTime: formatRfc3339Seconds(r.startedAt),
    endTime: r.endedAt === undefined ? null : formatRfc3339Seconds(r.endedAt),
    ...(r.error !== undefined && { error: r.error }),
    notRebuilt: r.notRebuilt.map((n) => ({ start: formatRfc3339Seconds(n.start), end: formatRfc3339Seconds(n.end), reason: n.reason })),
    notes: [...r.notes],
  };
}

/** The first window whose end is inside retention, as the pipeline keeps them. */
function keepFrom(now: number, keep: number, res: number): number {
  return alignDown(now - keep - res, res) + res;
}

function parseBody(body: string | undefined): RepairRecord | undefined {
  return body === undefined ? undefined : parseRepairRecord(body);
}

function pipelineJson(p: PipelineState, startTime: number): NonNullable<EtlStatus['pipeline']> {
  const run = p.lastRun;
  return {
    startTime: formatRfc3339Seconds(startTime),
    lastRun:
      run === undefined
        ? null
        : { startTime: formatRfc3339Seconds(run.start), endTime: formatRfc3339Seconds(run.end), durationMs: run.end - run.start, outcome: run.outcome, windowsBuilt: run.built },
    nextRun: p.nextRunAt === undefined ? null : formatRfc3339Seconds(p.nextRunAt),
    lastError: p.lastFailure === undefined ? null : { message: p.lastFailure.error, time: formatRfc3339Seconds(p.lastFailure.at) },
  };
}

function cacheJson(cache: LocalEtl['cache']): NonNullable<EtlStatus['clusterCache']> {
  const ready = cache.readiness();
  const current = cache.currency();
  const detail = !ready.ready ? ready.detail : !current.ready ? current.detail : undefined;
  const horizon = cache.horizonMs();
  return { ready: ready.ready, current: current.ready, ...(detail !== undefined && { detail }), horizon: horizon === 0 ? null : formatRfc3339Seconds(horizon) };
}

/** Why the ETL is not healthy, in one line; undefined when it is. */
function unhealthy(s: EtlStatus): string | undefined {
  const cache = s.clusterCache;
  if (cache !== null && !cache.ready) return `the cluster cache is not synced${cache.detail === undefined ? '' : ` (${cache.detail})`}`;
  if (cache !== null && !cache.current) return `the cluster cache is not current${cache.detail === undefined ? '' : ` (${cache.detail})`}`;
  const run = s.pipeline?.lastRun;
  if (run?.outcome === 'error') return `the last ETL run failed: ${s.pipeline?.lastError?.message ?? 'unknown error'}`;
  for (const [category, stores] of [['allocation', s.allocation], ['asset', s.assets]] as const) {
    for (const [res, store] of Object.entries(stores)) {
      const first = store.missing[0];
      if (store.missingWindows > 0 && first !== undefined) {
        return `${store.missingWindows} ${category} ${res} window${store.missingWindows === 1 ? '' : 's'} missing, the first ${first.start} to ${first.end} of ${first.cluster}`;
      }
    }
  }
  return undefined;
}
