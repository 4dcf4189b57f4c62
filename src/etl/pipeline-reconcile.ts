import type { Window } from '../window.js';
import type { BillingLoad } from './billing-export.js';
import type { EtlPublisher } from './etl-publisher.js';
import { reconcileSets } from './reconcile.js';
import type { SetPair, SetRepository } from './set-repository.js';

type LoadedBilling = Extract<BillingLoad, { ok: true }>;

/** A tier of stored sets: their resolution, and the earliest end still within retention. */
export interface SetTier {
  readonly resolutionMs: number;
  readonly from: number;
}

/**
 * The pipeline's reconciliation with the billing export: of each set as it is built, and of the
 * stored sets the export comes to cover later (billing lags a day or two). Each window is tried
 * once per export digest, so an export that matches nothing reports one `…ReconcileError` per
 * window, not one per run.
 */
export class Reconciliation {
  readonly #cluster: string;
  readonly #repository: SetRepository;
  readonly #publisher: EtlPublisher;
  readonly #batch: number;
  /** `resolution/start` → the digest last tried on that window; entries past retention are dropped. */
  readonly #tried = new Map<string, string>();

  constructor(deps: { cluster: string; repository: SetRepository; publisher: EtlPublisher; batch: number }) {
    this.#cluster = deps.cluster;
    this.#repository = deps.repository;
    this.#publisher = deps.publisher;
    this.#batch = deps.batch;
  }

  /**
   * Reconciles a set just built. A billing export that cannot be read is reported once per run
   * (`reportLoadError` is true for the run's first window); the sets are then saved as computed.
   */
  onBuild(pair: SetPair, resolutionMs: number, billing: BillingLoad, now: number, reportLoadError: boolean): SetPair {
    const window = pair.allocations.window;
    if (!billing.ok) {
      if (reportLoadError) this.#publisher.both({ step: 'ReconcileError', window, error: billing.error, dedupe: { resolutionMs, extra: String(now) } });
      return pair;
    }
    return this.#apply(pair, resolutionMs, billing, now) ?? pair;
  }

  /** Reconciles up to the batch size of stored sets the export covers and no run has tried with it; returns how many were replaced. */
  async runStored(billing: LoadedBilling, now: number, tiers: readonly SetTier[]): Promise<number> {
    let budget = this.#batch;
    let replaced = 0;
    for (const tier of tiers) {
      this.#forgetBefore(tier);
      const infos = await this.#repository.list({
        clusters: new Set([this.#cluster]),
        category: 'asset',
        resolutionMs: tier.resolutionMs,
        start: Math.ceil(tier.from / tier.resolutionMs) * tier.resolutionMs,
        end: billing.index.coverageEnd,
      });
      for (const info of infos) {
        if (info.reconciled === billing.digest || this.#tried.get(key(tier.resolutionMs, info.start)) === billing.digest) continue;
        if (budget-- <= 0) return replaced;
        const pair = await this.#repository.loadPair({ cluster: this.#cluster, resolutionMs: tier.resolutionMs, start: info.start });
        if (pair === undefined) continue;
        const next = this.#apply(pair, tier.resolutionMs, billing, now);
        if (next === undefined) continue;
        await this.#repository.save(next, tier.resolutionMs);
        const window = { start: info.start, end: info.end };
        this.#publisher.both({ step: 'Saved', window, dedupe: { resolutionMs: tier.resolutionMs, extra: billing.digest.slice(0, 16) } }, sizes(next));
        replaced++;
      }
    }
    return replaced;
  }

  /** The reconciled pair, or undefined when nothing changed (pending, unchanged, or an error, which is published). */
  #apply(pair: SetPair, resolutionMs: number, billing: LoadedBilling, now: number): SetPair | undefined {
    const window: Window = pair.allocations.window;
    const result = reconcileSets(pair.allocations, pair.assets, { digest: billing.digest, index: billing.index }, now);
    if (result.status === 'pending' || result.status === 'unchanged') return undefined;
    this.#tried.set(key(resolutionMs, window.start), billing.digest);
    const dedupe = { resolutionMs, extra: billing.digest.slice(0, 16) };
    if (result.status === 'error') {
      this.#publisher.both({ step: 'ReconcileError', window, error: result.error, dedupe });
      return undefined;
    }
    this.#publisher.both({ step: 'Reconciled', window, dedupe });
    return { allocations: result.allocations, assets: result.assets };
  }

  #forgetBefore(tier: SetTier): void {
    for (const k of this.#tried.keys()) {
      const [res, start] = k.split('/').map(Number);
      if (res === tier.resolutionMs && (start ?? 0) + tier.resolutionMs <= tier.from) this.#tried.delete(k);
    }
  }
}

function key(resolutionMs: number, start: number): string {
  return `${resolutionMs}/${start}`;
}

function sizes(pair: SetPair): { allocation: number; asset: number } {
  return { allocation: pair.allocations.allocations.length, asset: pair.assets.assets.length };
}
