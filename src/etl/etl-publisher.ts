import type { Clock } from '../clock.js';
import type { EtlEvent, SetWindow } from '../events/etl-event.js';
import { etlKind, type EtlCategory, type EtlStep } from '../events/etl-kinds.js';
import { formatRfc3339Seconds } from '../time.js';
import type { Window } from '../window.js';

/** A window as ETL events print it: RFC 3339 to the second, UTC. */
export function setWindow(w: Window): SetWindow {
  return { start: formatRfc3339Seconds(w.start), end: formatRfc3339Seconds(w.end) };
}

/** What one ETL step says: its category and step, the set's window, and the record count or the error where there is one. */
export interface EtlStepReport {
  readonly category: EtlCategory;
  readonly step: EtlStep;
  readonly window: Window;
  readonly size?: number;
  readonly error?: string;
  /**
   * What makes this step the same step on another replica of the same cluster, beyond kind and
   * window (a billing digest, the tick of a retry). Absent for steps that are this process's own
   * (Loaded, and everything a query does): those are never deduplicated.
   */
  readonly dedupe?: { readonly resolutionMs: number; readonly extra?: string };
}

/**
 * Turns pipeline steps into ETL events on the bus, stamped with the clock's time and the cluster.
 * Steps every replica of a cluster takes alike (Saved, Totaled, Aggregated, Reconciled, Deleted,
 * errors of one tick) carry a de-duplication key `<kind>/<resolution ms>/<window start ms>[/extra]`,
 * so a store shared by several replicas keeps each once.
 */
export class EtlPublisher {
  readonly #cluster: string;
  readonly #clock: Clock;
  readonly #publish: (e: EtlEvent) => void;

  constructor(deps: { cluster: string; clock: Clock; publish: (e: EtlEvent) => void }) {
    this.#cluster = deps.cluster;
    this.#clock = deps.clock;
    this.#publish = deps.publish;
  }

  /** Publishes one step. */
  report(r: EtlStepReport): void {
    const kind = etlKind(r.category, r.step);
    const metadata = {
      ...(r.size !== undefined && { size: r.size }),
      window: setWindow(r.window),
      ...(r.error !== undefined && { error: r.error }),
    };
    const dedupeKey =
      r.dedupe === undefined ? undefined : [kind, r.dedupe.resolutionMs, r.window.start, ...(r.dedupe.extra === undefined ? [] : [r.dedupe.extra])].join('/');
    this.#publish({ kind, metadata, time: this.#clock.nowNs(), cluster: this.#cluster, ...(dedupeKey !== undefined && { dedupeKey }) });
  }

  /** Publishes the same step for both categories (a build, a failure that concerns both sets). */
  both(r: Omit<EtlStepReport, 'category'>, sizes?: { readonly allocation: number; readonly asset: number }): void {
    this.report({ ...r, category: 'allocation', ...(sizes !== undefined && { size: sizes.allocation }) });
    this.report({ ...r, category: 'asset', ...(sizes !== undefined && { size: sizes.asset }) });
  }
}
