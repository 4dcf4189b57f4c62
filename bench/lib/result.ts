/** How a figure's value is printed. */
export type Unit = 'req/s' | 'ms' | 'µs' | 'bytes' | 'events/s' | 'changes/s' | 'calls/s' | 'MB' | '%' | 'requests' | 'watches';

/** A goal on a figure: on its ratio to the baseline, or on its value. Printed as met or not met, never asserted. */
export interface Goal {
  readonly on: 'ratio' | 'value';
  readonly op: '>=' | '<=';
  readonly limit: number;
}

/** One row of the report: a measured figure, optionally against a baseline measured in the same run. */
export interface Result {
  readonly figure: string;
  readonly value: number;
  readonly unit: Unit;
  /** The same figure measured on the baseline (bare server, plain array, …) in the same run. */
  readonly baseline?: number;
  readonly goal?: Goal;
  /** Context printed under the table (what the baseline is, a caveat, a sanity check). */
  readonly note?: string;
}

/** A benchmark module: `bench/<name>.bench.ts` default-exports one. */
export interface Benchmark {
  /** The name given on the command line (`npm run bench -- <name>`); the file is `<name>.bench.ts`. */
  readonly name: string;
  /** Run only when named (`npm run bench -- soak`), not by `npm run bench` alone: it takes tens of minutes. */
  readonly onlyWhenNamed?: boolean;
  run(): Promise<Result[]>;
}

/** The figure's ratio to its baseline, or undefined without a (non-zero) baseline. */
export function ratioOf(r: Result): number | undefined {
  return r.baseline === undefined || r.baseline === 0 ? undefined : r.value / r.baseline;
}

/** `met`, `not met`, or undefined when the figure has no goal. */
export function verdictOf(r: Result): 'met' | 'not met' | undefined {
  if (r.goal === undefined) return undefined;
  const subject = r.goal.on === 'ratio' ? ratioOf(r) : r.value;
  if (subject === undefined) return 'not met';
  return (r.goal.op === '>=' ? subject >= r.goal.limit : subject <= r.goal.limit) ? 'met' : 'not met';
}
