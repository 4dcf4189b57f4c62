import type { EtlEvent } from '../events/etl-event.js';
import { parseRfc3339Ms } from '../time.js';
import type { EtlCondition } from './message.js';
import type { EtlTrigger } from './notify-config.js';

/** A change of an ETL condition worth telling: it started, or it cleared. */
export interface ConditionChange {
  readonly trigger: EtlTrigger;
  readonly condition: EtlCondition;
  /** Unique per occurrence of the condition, the same on every replica that sees it alike. */
  readonly key: string;
}

const categoryOf = (kind: string) => (kind.startsWith('Allocation') ? 'allocation' : 'asset');

/**
 * The ETL conditions of one cluster, from its events: an error kind fires once and stays quiet
 * until its category saves (ComputeError) or reconciles (ReconcileError) again, then says
 * "resolved" once; no window saved for `stalledAfter` × the resolution is `stalled` until one is;
 * a saved window that starts after the end of the previous one tells of the windows missing
 * between them. Held per process: a restart forgets what fired, so a condition still true fires again.
 */
export class EtlConditions {
  readonly #active = new Map<string, { sinceMs: number }>();
  #lastSavedMs: number;
  readonly #lastEnd = new Map<string, number>();

  constructor(
    private readonly resolutionMs: number,
    startedMs: number,
  ) {
    this.#lastSavedMs = startedMs;
  }

  /** What `event` starts or clears. */
  observe(event: EtlEvent, nowMs: number): ConditionChange[] {
    const out: ConditionChange[] = [];
    const kind = event.kind as string;
    const category = categoryOf(kind);
    const window = event.metadata.window;
    const windowText = window !== undefined ? `${window.start}–${window.end}` : 'no window';
    for (const trigger of ['ComputeError', 'ReconcileError'] as const) {
      if (kind.endsWith(trigger)) {
        const id = `${trigger}/${category}`;
        if (!this.#active.has(id)) {
          this.#active.set(id, { sinceMs: nowMs });
          out.push({
            trigger,
            key: `${id}/firing/${window?.start ?? nowMs}`,
            condition: { condition: trigger, state: 'firing', category, detail: `${kind} (${windowText}): ${event.metadata.error ?? 'no reason given'}`, event: eventJson(event) },
          });
        }
      }
    }
    const clears = kind.endsWith('Saved') ? 'ComputeError' : kind.endsWith('Reconciled') ? 'ReconcileError' : undefined;
    if (clears !== undefined) out.push(...this.#resolve(`${clears}/${category}`, clears, category, `${kind} (${windowText})`));
    if (kind.endsWith('Saved') && window !== undefined) {
      const start = parseRfc3339Ms(window.start);
      const end = parseRfc3339Ms(window.end);
      if (start !== undefined && end !== undefined && end - start === this.resolutionMs) {
        this.#lastSavedMs = Math.max(this.#lastSavedMs, nowMs);
        out.push(...this.#resolve('stalled', 'stalled', undefined, `${kind} (${windowText})`));
        const prev = this.#lastEnd.get(category);
        if (prev !== undefined && start > prev) {
          const missing = Math.round((start - prev) / this.resolutionMs);
          out.push({
            trigger: 'missingWindows',
            key: `missingWindows/${category}/${prev}/${start}`,
            condition: { condition: 'missingWindows', state: 'firing', category, detail: `${missing} ${category} window(s) from ${new Date(prev).toISOString()} to ${window.start} were not built` },
          });
        }
        if (prev === undefined || end > prev) this.#lastEnd.set(category, end);
      }
    }
    return out;
  }

  /** Whether the ETL stalled by `nowMs`: no window saved for `stalledAfter` resolutions. */
  checkStalled(nowMs: number, stalledAfter: number): ConditionChange[] {
    if (this.#active.has('stalled') || nowMs - this.#lastSavedMs < stalledAfter * this.resolutionMs) return [];
    this.#active.set('stalled', { sinceMs: nowMs });
    const since = new Date(this.#lastSavedMs).toISOString();
    return [
      {
        trigger: 'stalled',
        key: `stalled/firing/${this.#lastSavedMs}`,
        condition: { condition: 'stalled', state: 'firing', detail: `no ETL window built since ${since} (${stalledAfter} × ETL_RESOLUTION)` },
      },
    ];
  }

  #resolve(id: string, trigger: EtlTrigger, category: string | undefined, by: string): ConditionChange[] {
    const active = this.#active.get(id);
    if (active === undefined) return [];
    this.#active.delete(id);
    return [
      {
        trigger,
        key: `${id}/resolved/${active.sinceMs}`,
        condition: { condition: trigger, state: 'resolved', ...(category !== undefined && { category }), detail: `resolved by ${by}` },
      },
    ];
  }
}

function eventJson(e: EtlEvent): unknown {
  return { kind: e.kind, metadata: e.metadata };
}
