/** Nanoseconds in one millisecond, as a bigint. */
export const NS_PER_MS = 1_000_000n;

/** Epoch milliseconds to epoch nanoseconds. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * NS_PER_MS;
}

/** Epoch nanoseconds to epoch milliseconds (truncated). */
export function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

/**
 * RFC 3339 in UTC with exactly nine fractional digits, as Go's RFC3339Nano prints a
 * nanosecond time when no digit is zero-trimmed: `2022-06-03T17:07:54.092619416Z`.
 * Fixed width, so the strings sort in time order.
 */
export function formatRfc3339Nano(ns: bigint): string {
  let ms = ns / NS_PER_MS;
  let subMs = ns % NS_PER_MS;
  if (subMs < 0n) {
    subMs += NS_PER_MS;
    ms -= 1n;
  }
  const iso = new Date(Number(ms)).toISOString(); // 2022-06-03T17:07:54.092Z
  return `${iso.slice(0, 23)}${subMs.toString().padStart(6, '0')}Z`;
}

/** RFC 3339 in UTC to whole seconds, as Kubecost prints set windows: `2022-06-03T10:00:00Z`. */
export function formatRfc3339Seconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
