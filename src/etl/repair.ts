import type { Clock } from '../clock.js';
import type { PriceSheet } from '../cost/price-sheet.js';
import { AppError, badParameter, errorMessage } from '../errors.js';
import type { EtlCategory } from '../events/etl-kinds.js';
import type { RepairStore } from '../storage/repair-store.js';
import { alignDown, alignUp, DAY_MS, formatDuration, type Window } from '../window.js';
import { buildSets } from './build-sets.js';
import { rollUpDay } from './daily-rollup.js';
import type { EtlPublisher } from './etl-publisher.js';
import { PipelineStoppedError, type EtlSource, type PipelineLogger } from './pipeline.js';
import { parseRepairRecord, type NotRebuilt, type RepairRecord } from './repair-record.js';
import type { SetPair, SetRepository } from './set-repository.js';

/** The part of the pipeline a repair needs: its turn on the pipeline's chain, and when it started. */
export interface RepairPipeline {
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  state(): { readonly startTime?: number };
}

/** The cluster cache as a repair reads it: the pipeline's source, and how far back it still holds ended objects. */
export interface RepairSource extends EtlSource {
  horizonMs(): number;
}

export interface RepairDeps {
  readonly cluster: string;
  readonly clock: Clock;
  /** `ETL_RESOLUTION`, ms. */
  readonly resolutionMs: number;
  /** `ETL_HOURLY_RETENTION`, ms: the longest window a repair takes, and how far back sets are kept. */
  readonly hourlyRetentionMs: number;
  /** The pipeline's settle time: a window is closed for a repair once the pipeline would build it. */
  readonly settleMs: number;
  readonly pipeline: RepairPipeline;
  readonly source: RepairSource;
  readonly sheet: PriceSheet;
  readonly repository: SetRepository;
  readonly publisher: EtlPublisher;
  readonly store: RepairStore;
  readonly log: PipelineLogger;
}

const CATEGORY_NAME: Record<EtlCategory, string> = { allocation: 'Allocation', asset: 'Asset' };

/**
 * Repairs of this cluster's ETL (Kubecost's `/model/etl/{allocation,asset}/repair`): the windows of
 * a range rebuilt from the cluster cache, one at a time on the pipeline's chain (so the schedule
 * keeps its turn between them), saved over what was held, then the days they fall in rolled up
 * again; every step published as the pipeline publishes its own. One repair at a time. What it
 * cannot rebuild (past retention, or older than what the cache still holds) is named in its record,
 * never skipped silently. The record is stored at each step, so a restart finds a repair it
 * interrupted and says so instead of resuming it.
 */
export class EtlRepairs {
  readonly #d: RepairDeps;
  #current: RepairRecord | undefined;
  #running: Promise<void> = Promise.resolve();
  #count = 0;

  constructor(deps: RepairDeps) {
    this.#d = deps;
  }

  /** Reads the last repair; one still marked running was interrupted by a stop: it is marked so, not resumed. */
  async init(): Promise<void> {
    const body = (await this.#d.store.loadRepairs(new Set([this.#d.cluster]))).get(this.#d.cluster);
    const last = body === undefined ? undefined : parseRepairRecord(body);
    if (last?.state === 'running') {
      this.#current = { ...last, state: 'interrupted', endedAt: this.#d.clock.nowMs() };
      this.#d.log.warn({ repair: last.id, category: last.category, rebuilt: last.rebuilt, windows: last.windows }, 'an ETL repair was interrupted by a restart; it is not resumed');
      await this.#persist();
    } else {
      this.#current = last;
    }
  }

  /** The running repair, or the last one. */
  current(): RepairRecord | undefined {
    return this.#current;
  }

  /** Resolves when the running repair (if any) has ended. */
  idle(): Promise<void> {
    return this.#running;
  }

  /**
   * Starts repairing `category` over `window` and answers at once with its record (state running).
   * Throws a 409 while a repair runs, a 400 when the window is longer than the retention or holds no
   * closed window, a 503 when the cluster cache has not listed the cluster yet.
   */
  async start(category: EtlCategory, window: Window, asked = `${iso(window.start)},${iso(window.end)}`): Promise<RepairRecord> {
    const running = this.#current?.state === 'running' ? this.#current : undefined;
    if (running !== undefined) {
      throw new AppError('REPAIR_RUNNING', `a repair is running: ${describeRepair(running)}; one repair at a time per cluster, try again when it has ended`);
    }
    const ready = this.#d.source.readiness();
    if (!ready.ready) throw new AppError('CLUSTER_UNAVAILABLE', `the cluster cache is not synced (${ready.detail ?? ready.state}); nothing can be rebuilt yet`);
    const record = this.#plan(category, window, asked);
    this.#current = record;
    await this.#persist();
    this.#d.log.info({ repair: record.id, category, start: iso(record.start), end: iso(record.end), windows: record.windows }, 'ETL repair started');
    this.#running = this.#run(record.from, record.end);
    return record;
  }

  /** What a repair of `window` rebuilds and what not; `asked` is the window as the client wrote it, for a 400. */
  #plan(category: EtlCategory, window: Window, asked: string): RepairRecord {
    const { resolutionMs: res, hourlyRetentionMs, clock } = this.#d;
    const now = clock.nowMs();
    const start = alignDown(window.start, res);
    const lastClosed = alignDown(now - this.#d.settleMs, res);
    const end = Math.min(alignUp(window.end, res), lastClosed);
    if (alignUp(window.end, res) - start > hourlyRetentionMs) {
      throw badParameter('window', asked, `a window of at most ${formatDuration(hourlyRetentionMs)} (ETL_HOURLY_RETENTION): older sets are not kept`);
    }
    if (end <= start) throw badParameter('window', asked, `a window holding at least one closed ${formatDuration(res)} window (ETL_RESOLUTION) before ${iso(lastClosed)}`);
    const notRebuilt: NotRebuilt[] = [];
    // The first window whose end is inside retention, as the pipeline keeps them.
    const keepFrom = alignDown(now - hourlyRetentionMs - res, res) + res;
    let from = start;
    if (from < keepFrom) {
      notRebuilt.push({ start: from, end: Math.min(keepFrom, end), reason: `past retention: sets ending more than ${formatDuration(hourlyRetentionMs)} ago are not kept (ETL_HOURLY_RETENTION)` });
      from = Math.min(keepFrom, end);
    }
    const horizon = this.#d.source.horizonMs();
    const known = Math.min(alignUp(horizon, res), end);
    if (from < known) {
      notRebuilt.push({
        start: from,
        end: known,
        reason: `older than what the cluster cache still knows: objects that ended before ${iso(horizon)} were let go (ETL_REPAIR_HORIZON)`,
      });
      from = known;
    }
    const notes: string[] = [];
    const pipelineStart = this.#d.pipeline.state().startTime;
    if (pipelineStart !== undefined && from < pipelineStart && from < end) {
      notes.push(`windows before ${iso(pipelineStart)}, when this server started, are rebuilt from what it knows: objects that ended before then count as idle of their nodes`);
    }
    this.#count++;
    return {
      id: `${category}-${formatDuration(res)}-${now}-${this.#count}`,
      cluster: this.#d.cluster,
      category,
      start,
      end,
      from,
      state: 'running',
      windows: (end - from) / res,
      rebuilt: 0,
      days: res === DAY_MS ? 0 : closedDays(from, end, res, lastClosed).length,
      rolledUp: 0,
      startedAt: now,
      notRebuilt,
      notes,
    };
  }

  async #run(from: number, end: number): Promise<void> {
    const res = this.#d.resolutionMs;
    try {
      for (let start = from; start < end; start += res) {
        await this.#d.pipeline.exclusive(() => this.#rebuild({ start, end: start + res }));
        this.#update({ rebuilt: (this.#current?.rebuilt ?? 0) + 1 });
        await this.#persist();
      }
      if (res !== DAY_MS) {
        const lastClosed = alignDown(this.#d.clock.nowMs() - this.#d.settleMs, res);
        for (const day of closedDays(from, end, res, lastClosed)) {
          await this.#d.pipeline.exclusive(() => this.#rollUp({ start: day, end: day + DAY_MS }));
          this.#update({ rolledUp: (this.#current?.rolledUp ?? 0) + 1 });
          await this.#persist();
        }
      }
      this.#update({ state: 'done', endedAt: this.#d.clock.nowMs() });
      this.#d.log.info({ repair: this.#current?.id, rebuilt: this.#current?.rebuilt, rolledUp: this.#current?.rolledUp }, 'ETL repair done');
    } catch (err) {
      const stopped = err instanceof PipelineStoppedError;
      const error = errorMessage(err);
      this.#update({ state: stopped ? 'interrupted' : 'failed', endedAt: this.#d.clock.nowMs(), ...(!stopped && { error }) });
      this.#d.log.warn({ repair: this.#current?.id, err: error }, stopped ? 'ETL repair interrupted by shutdown; it is not resumed' : 'ETL repair failed');
    }
    await this.#persist();
  }

  /** One window: built from the cache, the category's set saved over what was held, Saved and Totaled published. */
  async #rebuild(window: Window): Promise<void> {
    const current = this.#d.source.currency();
    if (!current.ready) throw new Error(`the cluster cache is not current (${current.detail ?? current.state}) at ${iso(window.start)}`);
    const category = this.#category();
    const pair = buildSets(this.#d.source.snapshot(window), window, this.#d.sheet);
    await this.#d.repository.saveOne(category, pair, this.#d.resolutionMs);
    this.#publishSaved(category, pair, window, this.#d.resolutionMs);
  }

  /** One day rolled up again from its windows; the category's daily set saved; Aggregated, Saved and Totaled published. */
  async #rollUp(day: Window): Promise<void> {
    const category = this.#category();
    const pair = await rollUpDay(this.#d.repository, this.#d.cluster, day, this.#d.resolutionMs);
    if (pair === undefined) return;
    await this.#d.repository.saveOne(category, pair, DAY_MS);
    this.#d.publisher.report({ category, step: 'Aggregated', window: day, size: sizeOf(category, pair), dedupe: this.#dedupe(DAY_MS) });
    this.#publishSaved(category, pair, day, DAY_MS);
  }

  #publishSaved(category: EtlCategory, pair: SetPair, window: Window, res: number): void {
    this.#d.publisher.report({ category, step: 'Saved', window, size: sizeOf(category, pair), dedupe: this.#dedupe(res) });
    this.#d.publisher.report({ category, step: 'Totaled', window, dedupe: this.#dedupe(res) });
  }

  /** The repair's own steps are not the schedule's: a store shared by replicas keeps them beside the original ones. */
  #dedupe(resolutionMs: number): { resolutionMs: number; extra: string } {
    return { resolutionMs, extra: `repair/${this.#current?.id ?? ''}` };
  }

  #category(): EtlCategory {
    if (this.#current === undefined) throw new Error('no repair');
    return this.#current.category;
  }

  #update(change: Partial<RepairRecord>): void {
    if (this.#current !== undefined) this.#current = { ...this.#current, ...change };
  }

  /** Stores the record; a failure is logged (the repair itself goes on: its sets are what matters). */
  async #persist(): Promise<void> {
    const record = this.#current;
    if (record === undefined) return;
    try {
      await this.#d.store.saveRepair(this.#d.cluster, JSON.stringify(record));
    } catch (err) {
      this.#d.log.warn({ repair: record.id, err: errorMessage(err) }, 'could not store the state of the ETL repair');
    }
  }
}

/** Kubecost's answer to a repair request: `Repairing Allocation ETL`, `Repairing Asset ETL`. */
export function repairingText(category: EtlCategory): string {
  return `Repairing ${CATEGORY_NAME[category]} ETL`;
}

/** A repair in a sentence: what, which range, how far. */
export function describeRepair(r: RepairRecord): string {
  return `${r.id} (${r.category} ${iso(r.start)} to ${iso(r.end)}, ${r.rebuilt} of ${r.windows} windows rebuilt, started ${iso(r.startedAt)})`;
}

/** The days (start ms) the windows [from, end) fall in that have closed by `lastClosed`: a day still open is rolled up by the pipeline when it closes. */
function closedDays(from: number, end: number, res: number, lastClosed: number): number[] {
  const days = new Set<number>();
  for (let t = from; t < end; t += res) days.add(alignDown(t, DAY_MS));
  return [...days].filter((day) => day + DAY_MS <= lastClosed);
}

function sizeOf(category: EtlCategory, pair: SetPair): number {
  return category === 'allocation' ? pair.allocations.allocations.length : pair.assets.assets.length;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

