import { setTimeout as sleep } from 'node:timers/promises';
import type { MemorySample } from './memory.js';

/**
 * Extra Node flags for the audit's server process (audit.bench.ts) and for the audit path's
 * (audit-path.bench.ts), to look inside it: e.g. BENCH_AUDIT_SERVER_FLAGS='--cpu-prof
 * --cpu-prof-dir=/tmp/prof' (a profile per run, for Chrome DevTools) or '--trace-gc'.
 */
export const AUDIT_SERVER_FLAGS = (process.env['BENCH_AUDIT_SERVER_FLAGS'] ?? '').split(/\s+/).filter((f) => f !== '');

// What crosses the IPC channel between audit.bench.ts and its two children (the real server,
// audit-server.child.ts, and the bare client that is its baseline, audit-bare.child.ts): one
// pair of types for both sides, and the events each child emits on the way.

/** What a child is told: where the fake API server is and what to expect from it. */
export interface AuditRunInput {
  readonly kubeconfigPath: string;
  /** `http://127.0.0.1:<port>` of the fake (the bare client reads it without client-node). */
  readonly serverUrl: string;
  /** The collection listed and watched: `/apis/apps/v1/deployments`. */
  readonly path: string;
  /** Items per list page, the watch loop's default. */
  readonly pageSize: number;
  /** Deployments in the fake when the child starts: what the list must deliver. */
  readonly objects: number;
  /** Changes the parent streams after `synced` (creates then deletes); one lone change follows them. */
  readonly changes: number;
  /** `AUDIT_RESOURCE_TYPES` of the server; unset, its default. */
  readonly resourceTypes?: string;
  /** The bare client keeps every object it lists and watches, by uid, as client-go's informer store does (audit-bare.child.ts). */
  readonly keep?: boolean;
}

/** What a child measured. Times of the streamed changes are taken by the parent, from the events. */
export interface AuditRunOutput {
  /** From the start (startServer, or the first page request) until synced. */
  readonly syncMs: number;
  /** Objects the list delivered (the audit: workloads known after the sync). */
  readonly listed: number;
  /** Read at the moment of sync, no forced GC: what the process holds then. */
  readonly rssAtSyncMB: number;
  readonly heapUsedAtSyncMB: number;
  /** Settled (after GC) before starting, and after the sync: the difference is what the sync keeps. */
  readonly before: MemorySample;
  readonly afterSync: MemorySample;
  /** Highest RSS seen, sampled every few ms from start to end (sync and stream). */
  readonly peakRssMB: number;
  /** CPU time of the process (user + system, all threads) from the start until synced. */
  readonly syncCpuMs: number;
  /** CPU time from `synced` until the burst's last change is priced (or parsed): the burst's cost, idle waits excluded. */
  readonly burstCpuMs: number;
  /** The same for the second burst, from the lone change's `queryable` until its last change is priced (or parsed). */
  readonly againCpuMs: number;
  /** Of `burstCpuMs` and `againCpuMs`, the threads other than the main one (lib/thread-cpu.ts); undefined without /proc. */
  readonly burstOthersCpuMs: number | undefined;
  readonly againOthersCpuMs: number | undefined;
  /** Changes received by the end (priced and published, for the server): the burst, the lone one and the second burst. */
  readonly streamed: number;
}

/**
 * The child's events, in order: `synced` (the parent starts streaming); then three times, for the
 * burst, for one lone change the parent sends once the burst is queryable, and for the same burst
 * again, sent once the lone change is queryable: `priced` (every change so far is published, so
 * stored; for the bare client, received and parsed) and `queryable` (the last one is what
 * GET /model/audit/events answers newest; for the bare client, the same moment).
 */
export type AuditRunEvent = 'synced' | 'priced' | 'queryable';

/** Polls `predicate` every `everyMs` (a timer, not a busy loop: the process measured shares the machine). */
export async function until(predicate: () => boolean, what: string, capMs = 120_000, everyMs = 1): Promise<void> {
  const deadline = performance.now() + capMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${capMs} ms`);
    await sleep(everyMs);
  }
}

/** `promise`, or a rejection naming `what` once `capMs` have passed (a child must not hang the run). */
export async function withDeadline<T>(promise: Promise<T>, capMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${capMs} ms`)), capMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
