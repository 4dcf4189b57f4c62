/**
 * The `p`-th percentile (0–100) of `values` by the nearest-rank method, the definition load
 * generators use: the smallest value with at least p % of the samples at or below it.
 * Sorts `values` in place.
 */
export function percentile(values: Float64Array | number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * values.length));
  return values[rank - 1]!;
}

/** The median of a few repeated measurements, which ignores one outlier run either way. */
export function median(values: readonly number[]): number {
  return percentile([...values], 50);
}
