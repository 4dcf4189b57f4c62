import { runChild } from './child.js';
import type { BenchSettings } from './settings.js';
import { percentile } from './stats.js';

// Why the load generator is a child process: on two cores, autocannon in the server's own
// process would share its event loop, so every response the generator parses is time the
// server cannot serve; both targets would run at about half speed and their ratio would be
// squeezed towards 1. autocannon's `workers` option moves the generator to worker threads, but
// then the generator's CPU cannot be told apart from the server's (process.cpuUsage is per
// process) and per-response latencies are only available as whole-millisecond histograms.
// One child process with one autocannon gives one core to the server and one to the
// generator, and lets each side report how busy it was. When the generator is the busier side
// (large bodies make it so), req/s says more about the generator than the server; the server's
// CPU time per request still compares the two servers, so it is reported beside.

/** What the load generator's process is told to do. */
export interface LoadInput {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Requests per second over all connections (autocannon's `overallRate`); absent: as fast as the connections go. */
  readonly ratePerSecond?: number;
}

/** What the load generator measured in one run. */
export interface LoadOutput {
  readonly requests: number;
  /** Length of the run as autocannon counts it. */
  readonly seconds: number;
  /** Every response's latency, in arrival order. */
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly non2xx: number;
  /** Answers 304 Not Modified (counted in non2xx too). */
  readonly notModified: number;
  /** CPU time of the generator's process over the run. */
  readonly cpuMs: number;
  readonly wallMs: number;
}

/** One run: the generator's figures and the CPU time this (the server's) process spent meanwhile. */
export interface LoadRun extends LoadOutput {
  /** CPU of this process, server and its thread pool, over the generator's measured run. */
  readonly serverCpuMs: number;
}

/** Figures of one or more runs against the same target, pooled. */
export interface LoadSummary {
  readonly requests: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server process CPU per answered request, in microseconds: what an answer costs the server, whoever the bottleneck is. */
  readonly serverCpuUsPerRequest: number;
  /** Busy share of one core, server process and generator process. */
  readonly serverCpuShare: number;
  readonly generatorCpuShare: number;
}

/** A URL to load and the request headers to send. */
export interface LoadTarget {
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** The answers are conditional: 304 Not Modified is what is measured, not a failure. */
  readonly notModified?: boolean;
  /**
   * A fixed request rate. Below what either side can answer, the generator is never the
   * bottleneck, so the server's CPU per request compares the servers alone; req/s then says nothing.
   */
  readonly ratePerSecond?: number;
}

const WORKER = new URL('./load-worker.ts', import.meta.url);

/**
 * Loads `target` for `seconds` (after the unmeasured warm-up) with the configured connections.
 * A run with errors or non-2xx answers measured something else, so it throws.
 */
export async function measureLoad(target: LoadTarget, seconds: number, settings: BenchSettings): Promise<LoadRun> {
  let cpu: NodeJS.CpuUsage | undefined;
  let serverCpuMs = Number.NaN;
  const input: LoadInput = {
    url: target.url,
    headers: target.headers ?? {},
    connections: settings.connections,
    seconds,
    warmupSeconds: settings.warmupSeconds,
    ...(target.ratePerSecond !== undefined && { ratePerSecond: target.ratePerSecond }),
  };
  const out = (await runChild(WORKER, input, {
    onEvent: (event) => {
      if (event === 'measuring') cpu = process.cpuUsage();
      else if (event === 'done' && cpu !== undefined) {
        const used = process.cpuUsage(cpu);
        serverCpuMs = (used.user + used.system) / 1000;
      }
    },
  })) as LoadOutput;
  const failed = out.non2xx - (target.notModified === true ? out.notModified : 0);
  if (out.errors > 0 || failed > 0 || out.requests === 0 || (target.notModified === true && out.notModified === 0)) {
    throw new Error(`load on ${target.url} failed: ${out.requests} answers, ${out.errors} errors, ${out.non2xx} non-2xx (${out.notModified} 304)`);
  }
  return { ...out, serverCpuMs };
}

/** Pools runs against one target: throughput over their summed length, percentiles over all their latencies. */
export function summarise(runs: readonly LoadRun[]): LoadSummary {
  const sum = (f: (r: LoadRun) => number): number => runs.reduce((s, r) => s + f(r), 0);
  const requests = sum((r) => r.requests);
  const wallMs = sum((r) => r.wallMs);
  const latencies = Float64Array.from(runs.flatMap((r) => r.latenciesMs));
  return {
    requests,
    reqPerSec: requests / sum((r) => r.seconds),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    serverCpuUsPerRequest: (sum((r) => r.serverCpuMs) * 1000) / requests,
    serverCpuShare: sum((r) => r.serverCpuMs) / wallMs,
    generatorCpuShare: sum((r) => r.cpuMs) / wallMs,
  };
}

/**
 * Measures `subject` against `baseline` in the order baseline, subject, subject, baseline, each
 * run half of `BENCH_SECONDS`: a drift of the machine during the comparison (another process
 * waking up, the CPU clocking down) weighs on both sides alike instead of on whichever ran second.
 * `rounds` repeats that order (default 1): where single runs swing between modes on both sides
 * (the ETL log under churn, bench/README.md), more of them pooled make the ratio steadier.
 */
export async function compareLoad(
  subject: LoadTarget,
  baseline: LoadTarget,
  settings: BenchSettings,
  onRun: (which: 'subject' | 'baseline') => void = () => undefined,
  rounds = 1,
): Promise<{ subject: LoadSummary; baseline: LoadSummary }> {
  const half = settings.seconds / 2;
  const runs = { subject: [] as LoadRun[], baseline: [] as LoadRun[] };
  for (let round = 0; round < rounds; round++) {
    for (const which of ['baseline', 'subject', 'subject', 'baseline'] as const) {
      onRun(which);
      runs[which].push(await measureLoad(which === 'subject' ? subject : baseline, half, settings));
    }
  }
  return { subject: summarise(runs.subject), baseline: summarise(runs.baseline) };
}
