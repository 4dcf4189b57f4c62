/**
 * Knobs shared by every benchmark, read once from the environment. Defaults keep a full
 * `npm run bench` under about two minutes on two cores.
 */
export interface BenchSettings {
  /** Seconds of each measured load run (`BENCH_SECONDS`, default 5). */
  readonly seconds: number;
  /** Seconds of unmeasured load before each run, for the JIT and the connections (`BENCH_WARMUP_SECONDS`, default 1). */
  readonly warmupSeconds: number;
  /** Concurrent HTTP connections of the load generator (`BENCH_CONNECTIONS`, default 10). */
  readonly connections: number;
  /** Events per in-process append run (`BENCH_EVENTS`, default 5,000,000). */
  readonly events: number;
  /** Events appended between the two memory samples (`BENCH_MEMORY_EVENTS`, default 10,000,000). */
  readonly memoryEvents: number;
}

/** Reads the settings from `env`; a bad value stops the run naming the variable and what it accepts. */
export function benchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  return {
    seconds: positive(env, 'BENCH_SECONDS', 5),
    warmupSeconds: positive(env, 'BENCH_WARMUP_SECONDS', 1),
    connections: positiveInteger(env, 'BENCH_CONNECTIONS', 10),
    events: positiveInteger(env, 'BENCH_EVENTS', 5_000_000),
    memoryEvents: positiveInteger(env, 'BENCH_MEMORY_EVENTS', 10_000_000),
  };
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw}: expected a positive number of seconds, e.g. 5 or 0.5`);
  return n;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}=${raw}: expected a positive integer, e.g. ${fallback}`);
  return n;
}
