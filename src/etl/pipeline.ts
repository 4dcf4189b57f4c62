import type { Clock, TimerHandle } from '../clock.js';
import type { PriceSheet } from '../cost/price-sheet.js';
import type { KubeLogger } from '../kube/watch-types.js';
import type { ComponentStatus } from '../readiness.js';
import { alignDown, DAY_MS, type Window } from '../window.js';
import type { BillingLoad } from './billing-export.js';
import { buildSets } from './build-sets.js';
import type { ClusterSnapshot } from './cluster-state.js';
import { rollUpDay } from './daily-rollup.js';
import type { EtlPublisher } from './etl-publisher.js';
import { Reconciliation } from './pipeline-reconcile.js';
import { UnreadableSetError, type SetPair, type SetRepository } from './set-repository.js';
import { totalAllocations, totalAssets } from './totals.js';
import type { SetTotals } from './sets.js';
import { errorMessage } from '../errors.js';

/** Where the pipeline reads the cluster: the cluster cache. */
export interface EtlSource {
  /** Ready once every informer has listed; not ready explains what it waits for. */
  readiness(): ComponentStatus;
  /** Ready while no informer is failing or relisting: the records are as current as the cluster. */
  currency(): ComponentStatus;
  snapshot(window: Window): ClusterSnapshot;
  /** Ended objects that can no longer fall in a window still to be built may be dropped. */
  forgetEndedBefore(ms: number): void;
}

/** The billing export, read at each run (only when changed). */
export interface BillingSource {
  load(): BillingLoad;
}

/** The slice of a pino logger the pipeline uses: the one its cluster cache uses. */
export type PipelineLogger = KubeLogger;

export interface PipelineDeps {
  readonly cluster: string;
  readonly clock: Clock;
  /** `ETL_RESOLUTION`, ms; divides a day. */
  readonly resolutionMs: number;
  /** `ETL_HOURLY_RETENTION`, ms: how long sets of `resolutionMs` are kept. */
  readonly hourlyRetentionMs: number;
  /** `ETL_DAILY_RETENTION`, ms: how long daily roll-ups are kept. */
  readonly dailyRetentionMs: number;
  readonly source: EtlSource;
  readonly sheet: PriceSheet;
  readonly repository: SetRepository;
  readonly publisher: EtlPublisher;
  /** `BILLING_EXPORT`; absent: no reconciliation. */
  readonly billing?: BillingSource;
  readonly log: PipelineLogger;
  /** How long after a window closes it is built, so watch events of its last moments have arrived; default 10 s. */
  readonly settleMs?: number;
  /** Stored sets reconciled per run at most (each is read, reconciled and written back); default 48. */
  readonly reconcileBatch?: number;
  /** How long a due window waits for a cache that is not current (a watch failing, a relist) before its build fails; default 10 min. */
  readonly currencyGraceMs?: number;
  /** How often a waiting window checks the cache again; default 30 s. */
  readonly recheckMs?: number;
  /** `ETL_REPAIR_HORIZON`, ms: ended objects are kept this long after their window is built, so a repair can rebuild it; default 0. */
  readonly repairHorizonMs?: number;
}

/** How a run ended: every due window built, one failed (ComputeError), or waiting for the cluster cache to be current. */
export type RunOutcome = 'success' | 'error' | 'waiting';

/** One run of the pipeline: when it started and ended (epoch ms), how it ended and how many windows it built. */
export interface PipelineRun {
  readonly start: number;
  readonly end: number;
  readonly outcome: RunOutcome;
  readonly built: number;
}

/** What the pipeline last did, for the bug report and metrics. */
export interface PipelineState {
  /** The start (epoch ms) of the next window to build. */
  readonly nextWindowStart: number;
  /** Epoch ms of the last window built and saved. */
  readonly lastBuiltEnd?: number;
  readonly lastError?: string;
  /** Totals of the last set saved, per category. */
  readonly lastTotals: { readonly allocation?: SetTotals; readonly asset?: SetTotals };
  /** Epoch ms the pipeline started; absent before start. */
  readonly startTime?: number;
  /** The first window this process meant to build when nothing was stored: where its stores are expected to begin. */
  readonly firstWindowStart?: number;
  /** The last run that ended. */
  readonly lastRun?: PipelineRun;
  /** Epoch ms of the next run scheduled. */
  readonly nextRunAt?: number;
  /** The last error of any run, kept after later runs succeed, and when it happened (epoch ms). */
  readonly lastFailure?: { readonly error: string; readonly at: number };
}

/**
 * The ETL pipeline of one cluster. At start it loads the sets already stored within retention
 * (`…Loaded`, `…Totaled`); then, each time a window of `ETL_RESOLUTION` closes, it builds the
 * window's AllocationSet and AssetSet from the cluster cache, reconciles them with the billing
 * export when one is configured, saves them (`…Saved`, `…Totaled`), rolls the day up when a UTC
 * day closes (`…Aggregated`, `…Saved`, `…Totaled`), reconciles stored sets the export has come to
 * cover, and deletes sets past retention (`…Deleted`). A build that cannot complete publishes
 * `…ComputeError` and is retried at the next run; nothing it meets stops the process.
 *
 * All work runs one step at a time on one promise chain, so runs never overlap.
 */
export class EtlPipeline {
  readonly #d: PipelineDeps;
  readonly #settleMs: number;
  readonly #currencyGraceMs: number;
  readonly #recheckMs: number;
  /** The run stopped at a window waiting for the cache to be current: check again soon. */
  #waiting = false;
  readonly #reconciliation: Reconciliation | undefined;
  #nextStart = 0;
  #lastBuiltEnd: number | undefined;
  #lastError: string | undefined;
  #lastFailure: { error: string; at: number } | undefined;
  #startTime: number | undefined;
  #firstWindowStart: number | undefined;
  #lastRun: PipelineRun | undefined;
  #nextRunAt: number | undefined;
  /** Set when a build of the current run fails. */
  #runFailed = false;
  #builtInRun = 0;
  readonly #lastTotals: { allocation?: SetTotals; asset?: SetTotals } = {};
  /** Days (start ms) whose roll-up is due but not yet saved. */
  readonly #pendingDays = new Set<number>();
  #chain: Promise<void> = Promise.resolve();
  #timer: TimerHandle | undefined;
  #stopped = false;
  #started = false;

  constructor(deps: PipelineDeps) {
    this.#d = deps;
    this.#settleMs = deps.settleMs ?? 10_000;
    this.#currencyGraceMs = deps.currencyGraceMs ?? 600_000;
    this.#recheckMs = deps.recheckMs ?? 30_000;
    this.#reconciliation =
      deps.billing === undefined
        ? undefined
        : new Reconciliation({ cluster: deps.cluster, repository: deps.repository, publisher: deps.publisher, batch: deps.reconcileBatch ?? 48 });
  }

  /** Loads what is stored, then builds each window as it closes. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#startTime = this.#d.clock.nowMs();
    this.#nextStart = alignDown(this.#startTime, this.#d.resolutionMs);
    this.#firstWindowStart = this.#nextStart;
    this.#enqueue(() => this.#loadStored());
    this.#enqueue(() => this.#run());
  }

  /** Cancels the next run and waits for the one in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#d.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#chain;
  }

  /**
   * Runs `work` on the pipeline's chain, between runs, so it never overlaps a build or a roll-up
   * (a repair rebuilds one window at a time this way, and the schedule keeps its turn). Rejects
   * with {@link PipelineStoppedError} when the pipeline stopped before its turn.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#stopped) {
        reject(new PipelineStoppedError());
        return;
      }
      this.#chain = this.#chain.then(async () => {
        if (this.#stopped) return reject(new PipelineStoppedError());
        try {
          resolve(await work());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
  }

  /** Resolves once the work queued so far is done (tests). */
  idle(): Promise<void> {
    return this.#chain;
  }

  state(): PipelineState {
    return {
      nextWindowStart: this.#nextStart,
      ...(this.#lastBuiltEnd !== undefined && { lastBuiltEnd: this.#lastBuiltEnd }),
      ...(this.#lastError !== undefined && { lastError: this.#lastError }),
      lastTotals: { ...this.#lastTotals },
      ...(this.#startTime !== undefined && { startTime: this.#startTime }),
      ...(this.#firstWindowStart !== undefined && { firstWindowStart: this.#firstWindowStart }),
      ...(this.#lastRun !== undefined && { lastRun: this.#lastRun }),
      ...(this.#nextRunAt !== undefined && { nextRunAt: this.#nextRunAt }),
      ...(this.#lastFailure !== undefined && { lastFailure: this.#lastFailure }),
    };
  }

  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#stopped) return;
      try {
        await step();
      } catch (err) {
        // Every step reports its own failures; this is the net under a bug, so the chain lives on.
        this.#d.log.error({ err: errorMessage(err) }, 'ETL step failed unexpectedly');
      }
    });
  }

  /**
   * The next run: when the next window to build is due (its end plus the settle time), or, when it
   * is already due (its build failed), at the next window's end, which is the retry. Scheduling from
   * the window rather than from now keeps a timer that fires a little early from costing a window.
   */
  #schedule(): void {
    if (this.#stopped) return;
    const now = this.#d.clock.nowMs();
    const res = this.#d.resolutionMs;
    const due = this.#nextStart + res + this.#settleMs;
    let at = due > now ? due : alignDown(now - this.#settleMs, res) + res + this.#settleMs;
    if (this.#waiting) at = Math.min(at, now + this.#recheckMs);
    this.#nextRunAt = at;
    this.#timer = this.#d.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#nextRunAt = undefined;
      this.#enqueue(() => this.#run());
    }, at - now);
  }

  /** Start-up: every stored set within retention is read back, so a restart continues where the last run stopped. */
  async #loadStored(): Promise<void> {
    const { cluster, resolutionMs, hourlyRetentionMs, dailyRetentionMs, clock } = this.#d;
    const now = clock.nowMs();
    const tiers = resolutionMs === DAY_MS ? [{ res: DAY_MS, keep: dailyRetentionMs }] : [{ res: resolutionMs, keep: hourlyRetentionMs }, { res: DAY_MS, keep: dailyRetentionMs }];
    let latestEnd: number | undefined;
    for (const { res, keep } of tiers) {
      let infos;
      try {
        infos = await this.#d.repository.list({ clusters: new Set([cluster]), category: 'allocation', resolutionMs: res, start: alignDown(now - keep, res) });
      } catch (err) {
        this.#d.log.error({ err: errorMessage(err) }, 'cannot list the stored ETL sets; windows are built from now on');
        return;
      }
      for (const info of infos) {
        const window = { start: info.start, end: info.end };
        const pair = await this.#loadPair(window, res);
        if (pair === undefined) continue;
        this.#published('Loaded', pair, window, res);
        if (res === resolutionMs) latestEnd = Math.max(latestEnd ?? 0, info.end);
      }
    }
    if (latestEnd !== undefined) {
      this.#lastBuiltEnd = latestEnd;
      if (latestEnd < this.#nextStart) {
        // A restart across a window's end (a rolling update at 12:00) must not lose the window.
        this.#d.log.warn(
          { from: new Date(latestEnd).toISOString(), to: new Date(this.#nextStart).toISOString() },
          'building the windows since the last stored set, when no server of this cluster ran: objects that ended before this start are no longer known, so their cost shows as idle of their nodes',
        );
      }
      // Continue right after the last stored set (windows past retention are skipped by the run).
      this.#nextStart = latestEnd;
      // A day that closed while no server ran, or whose roll-up failed, is rolled up now.
      const lastDay = alignDown(this.#nextStart, DAY_MS);
      for (let day = alignDown(now - hourlyRetentionMs, DAY_MS); day < lastDay; day += DAY_MS) {
        if (resolutionMs !== DAY_MS && !(await this.#hasDaily(day))) this.#pendingDays.add(day);
      }
    }
  }

  async #loadPair(window: Window, res: number): Promise<SetPair | undefined> {
    try {
      return await this.#d.repository.loadPair({ cluster: this.#d.cluster, resolutionMs: res, start: window.start });
    } catch (err) {
      const error = err instanceof UnreadableSetError ? err.message : `storage read failed: ${errorMessage(err)}`;
      this.#d.publisher.both({ step: 'ComputeError', window, error });
      this.#d.log.warn({ window, err: error }, 'a stored set could not be loaded');
      return undefined;
    }
  }

  async #hasDaily(day: number): Promise<boolean> {
    const infos = await this.#d.repository.list({ clusters: new Set([this.#d.cluster]), category: 'allocation', resolutionMs: DAY_MS, start: day, end: day + DAY_MS });
    return infos.length > 0;
  }

  /** One run: build every closed window not yet built, roll up closed days, reconcile, delete past retention; then schedule the next. */
  async #run(): Promise<void> {
    this.#waiting = false;
    this.#runFailed = false;
    this.#builtInRun = 0;
    const runStart = this.#d.clock.nowMs();
    try {
      const now = runStart;
      const billing = this.#d.billing?.load();
      await this.#buildDue(now, billing);
      await this.#rollUpDue();
      if (billing?.ok === true && this.#reconciliation !== undefined) await this.#reconciliation.runStored(billing, now, this.#tiers(now));
      await this.#deleteExpired(now);
    } finally {
      this.#lastRun = { start: runStart, end: this.#d.clock.nowMs(), outcome: this.#runOutcome(), built: this.#builtInRun };
      this.#schedule();
    }
  }

  #tiers(now: number): { resolutionMs: number; from: number }[] {
    const { resolutionMs: res, hourlyRetentionMs, dailyRetentionMs } = this.#d;
    const daily = { resolutionMs: DAY_MS, from: now - dailyRetentionMs };
    return res === DAY_MS ? [daily] : [{ resolutionMs: res, from: now - hourlyRetentionMs }, daily];
  }

  async #buildDue(now: number, billing: BillingLoad | undefined): Promise<void> {
    const res = this.#d.resolutionMs;
    // The first window whose end is still inside retention (an older one would be deleted as soon as it was saved).
    const keepFrom = alignDown(now - (res === DAY_MS ? this.#d.dailyRetentionMs : this.#d.hourlyRetentionMs) - res, res) + res;
    if (this.#nextStart < keepFrom) {
      this.#d.log.warn({ from: new Date(this.#nextStart).toISOString(), to: new Date(keepFrom).toISOString() }, 'windows that could not be built are past retention; skipping them');
      this.#nextStart = keepFrom;
    }
    let billingReported = false;
    while (!this.#stopped && this.#nextStart + res <= now - this.#settleMs) {
      const window = { start: this.#nextStart, end: this.#nextStart + res };
      const reconcile = billing === undefined ? undefined : { billing, reportLoadError: !billingReported };
      if (!(await this.#buildWindow(window, now, reconcile))) return;
      billingReported = true;
      this.#nextStart = window.end;
      if (window.end % DAY_MS === 0 && res !== DAY_MS) this.#pendingDays.add(window.end - DAY_MS);
    }
  }

  /** Builds, reconciles and saves one window; false (after publishing why) when it could not. */
  async #buildWindow(window: Window, now: number, reconcile: { billing: BillingLoad; reportLoadError: boolean } | undefined): Promise<boolean> {
    const res = this.#d.resolutionMs;
    const ready = this.#d.source.readiness();
    if (!ready.ready) return this.#computeError(window, now, `the cluster cache is not synced (${ready.detail ?? ready.state})`);
    const current = this.#d.source.currency();
    if (!current.ready) {
      // A watch failing or relisting may be missing changes a moment later brings: wait a while, then fail.
      if (now < window.end + this.#settleMs + this.#currencyGraceMs) {
        this.#waiting = true;
        this.#d.log.info({ window: isoWindow(window), cache: current.detail }, 'ETL build waits for the cluster cache to be current');
        return false;
      }
      return this.#computeError(window, now, `the cluster cache is not current (${current.detail ?? current.state})`);
    }
    let pair: SetPair;
    try {
      pair = buildSets(this.#d.source.snapshot(window), window, this.#d.sheet);
    } catch (err) {
      return this.#computeError(window, now, `building the sets failed: ${errorMessage(err)}`);
    }
    if (reconcile !== undefined && this.#reconciliation !== undefined) pair = this.#reconciliation.onBuild(pair, res, reconcile.billing, now, reconcile.reportLoadError);
    try {
      await this.#d.repository.save(pair, res);
    } catch (err) {
      return this.#computeError(window, now, `storage write failed: ${errorMessage(err)}`);
    }
    this.#published('Saved', pair, window, res);
    this.#lastBuiltEnd = window.end;
    this.#builtInRun++;
    this.#lastError = undefined;
    this.#d.source.forgetEndedBefore(window.end - (this.#d.repairHorizonMs ?? 0));
    return true;
  }

  #computeError(window: Window, now: number, error: string): false {
    this.#noteError(error);
    this.#d.publisher.both({ step: 'ComputeError', window, error, dedupe: { resolutionMs: this.#d.resolutionMs, extra: String(now) } });
    this.#d.log.warn({ window: isoWindow(window), err: error }, 'ETL build failed; retried at the next run');
    return false;
  }

  /** How the current run went so far (its builds and roll-ups set the flags). */
  #runOutcome(): RunOutcome {
    return this.#runFailed ? 'error' : this.#waiting ? 'waiting' : 'success';
  }

  #noteError(error: string): void {
    this.#lastError = error;
    this.#lastFailure = { error, at: this.#d.clock.nowMs() };
    this.#runFailed = true;
  }

  /** Saved or Loaded, then Totaled, for both sets of a window. */
  #published(step: 'Saved' | 'Loaded', pair: SetPair, window: Window, res: number): void {
    const dedupe = step === 'Saved' ? { resolutionMs: res } : undefined;
    const sizes = { allocation: pair.allocations.allocations.length, asset: pair.assets.assets.length };
    this.#d.publisher.both({ step, window, ...(dedupe && { dedupe }) }, sizes);
    const allocation = totalAllocations(pair.allocations);
    const asset = totalAssets(pair.assets);
    // The last totals are of a window of the resolution (not of a day's roll-up), so the gauge of them stays comparable.
    if (res === this.#d.resolutionMs && window.end >= (this.#lastTotals.asset?.window.end ?? 0)) Object.assign(this.#lastTotals, { allocation, asset });
    this.#d.publisher.both({ step: 'Totaled', window, ...(dedupe && { dedupe }) });
  }

  async #rollUpDue(): Promise<void> {
    for (const day of [...this.#pendingDays].sort((a, b) => a - b)) {
      if (this.#stopped) return;
      const window = { start: day, end: day + DAY_MS };
      let pair: SetPair | undefined;
      try {
        pair = await rollUpDay(this.#d.repository, this.#d.cluster, window, this.#d.resolutionMs);
        if (pair !== undefined) await this.#d.repository.save(pair, DAY_MS);
      } catch (err) {
        const error = `daily roll-up failed: ${errorMessage(err)}`;
        this.#noteError(error);
        this.#d.publisher.both({ step: 'ComputeError', window, error, dedupe: { resolutionMs: DAY_MS, extra: String(this.#d.clock.nowMs()) } });
        this.#d.log.warn({ day: new Date(day).toISOString(), err: error }, 'daily roll-up failed; retried at the next run');
        return;
      }
      this.#pendingDays.delete(day);
      if (pair === undefined) continue;
      this.#d.publisher.both({ step: 'Aggregated', window, dedupe: { resolutionMs: DAY_MS } }, {
        allocation: pair.allocations.allocations.length,
        asset: pair.assets.assets.length,
      });
      this.#published('Saved', pair, window, DAY_MS);
    }
  }

  async #deleteExpired(now: number): Promise<void> {
    for (const { resolutionMs, from } of this.#tiers(now)) {
      for (const category of ['allocation', 'asset'] as const) {
        try {
          for (const info of await this.#d.repository.deleteEndingBy(this.#d.cluster, category, resolutionMs, from)) {
            this.#d.publisher.report({ category, step: 'Deleted', window: { start: info.start, end: info.end }, size: info.size, dedupe: { resolutionMs } });
          }
        } catch (err) {
          this.#d.log.warn({ err: errorMessage(err), category, resolutionMs }, 'deleting sets past retention failed; retried at the next run');
        }
      }
    }
  }
}

/** The pipeline stopped before the work handed to {@link EtlPipeline.exclusive} had its turn. */
export class PipelineStoppedError extends Error {
  override readonly name = 'PipelineStoppedError';
  constructor() {
    super('the ETL pipeline stopped');
  }
}

function isoWindow(w: Window): { start: string; end: string } {
  return { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() };
}

