import { Type, type Static } from '@sinclair/typebox';
import type { Clock, TimerHandle } from '../clock.js';
import { formatRfc3339Nano } from '../time.js';

/** What an update grouped from an autoscaler's scales says of them. */
export const ScaleGroupSchema = Type.Object(
  {
    scales: Type.Integer({ minimum: 1, description: "The autoscaler's replica changes grouped into this event." }),
    firstReplicas: Type.Integer({ minimum: 0, description: 'Replicas before the first of them.' }),
    lastReplicas: Type.Integer({ minimum: 0, description: 'Replicas after the last (what `totalRequests` describes).' }),
    minReplicas: Type.Integer({ minimum: 0, description: 'Fewest replicas in between.' }),
    maxReplicas: Type.Integer({ minimum: 0, description: 'Most replicas in between.' }),
    start: Type.String({ description: 'When the first scale was seen (RFC 3339, UTC, nanoseconds).' }),
    end: Type.String({ description: 'When the last was seen (the event\'s `timestamp`).' }),
  },
  {
    description:
      "Added, update only: this event stands for several replica changes an autoscaler made to the workload within AUDIT_SCALE_GROUP_INTERVAL (source `autoscaler`); `changes` and the prediction go from before the first to after the last.",
  },
);
/** An update's grouped scales. */
export type ScaleGroup = Static<typeof ScaleGroupSchema>;

/** The part of a workload grouping needs. */
export interface Scalable {
  readonly uid: string;
  readonly spec: { readonly replicas: number };
}

/** A closed group: the workload before the first scale and after the last, and the summary. */
export interface ClosedGroup<W extends Scalable> {
  readonly first: W;
  readonly last: W;
  readonly lastAtNs: bigint;
  readonly group: ScaleGroup;
}

interface OpenGroup<W extends Scalable> {
  readonly first: W;
  readonly firstAtNs: bigint;
  last: W;
  lastAtNs: bigint;
  scales: number;
  min: number;
  max: number;
  readonly timer: TimerHandle;
}

/**
 * Groups an autoscaler's scales of one workload: the first opens a group for `intervalMs` (on the
 * injected clock), later ones join it, and when the interval ends (or anything else happens to the
 * workload, or the watch relists or stops) the group closes into one update from the first
 * replica count to the last. At most one group per workload, so bounded by the workloads known.
 */
export class ScaleGroups<W extends Scalable> {
  readonly #open = new Map<string, OpenGroup<W>>();

  constructor(
    private readonly o: {
      readonly clock: Clock;
      /** 0: no grouping. */
      readonly intervalMs: number;
      readonly close: (g: ClosedGroup<W>) => void;
    },
  ) {}

  /** Groups the scale from `previous` to `w`; false when grouping is off (the caller records it alone). */
  add(previous: W, w: W): boolean {
    if (this.o.intervalMs <= 0) return false;
    const now = this.o.clock.nowNs();
    const r = w.spec.replicas;
    const open = this.#open.get(w.uid);
    if (open !== undefined) {
      open.last = w;
      open.lastAtNs = now;
      open.scales++;
      open.min = Math.min(open.min, r);
      open.max = Math.max(open.max, r);
      return true;
    }
    const p = previous.spec.replicas;
    const timer = this.o.clock.setTimeout(() => this.close(w.uid), this.o.intervalMs);
    this.#open.set(w.uid, { first: previous, firstAtNs: now, last: w, lastAtNs: now, scales: 1, min: Math.min(p, r), max: Math.max(p, r), timer });
    return true;
  }

  /** Closes the workload's group, if one is open. */
  close(uid: string): void {
    const g = this.#open.get(uid);
    if (g === undefined) return;
    this.#open.delete(uid);
    this.o.clock.clearTimeout(g.timer);
    this.o.close({
      first: g.first,
      last: g.last,
      lastAtNs: g.lastAtNs,
      group: {
        scales: g.scales,
        firstReplicas: g.first.spec.replicas,
        lastReplicas: g.last.spec.replicas,
        minReplicas: g.min,
        maxReplicas: g.max,
        start: formatRfc3339Nano(g.firstAtNs),
        end: formatRfc3339Nano(g.lastAtNs),
      },
    });
  }

  /** Closes every open group (a relist, a stop), oldest first. */
  closeAll(): void {
    for (const uid of [...this.#open.keys()]) this.close(uid);
  }
}
