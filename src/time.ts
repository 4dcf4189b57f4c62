/** Nanoseconds in one millisecond, as a bigint. */
export const NS_PER_MS = 1_000_000n;

/** Epoch milliseconds to epoch nanoseconds. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * NS_PER_MS;
}

/** The earliest and latest epoch nanoseconds storage holds: a signed 64-bit integer, years 1677 to 2262. */
export const MIN_STORED_NS = -(2n ** 63n);
export const MAX_STORED_NS = 2n ** 63n - 1n;

/**
 * A query's time bound (epoch ms) in epoch nanoseconds, clamped to what storage holds. A client may
 * ask for a range ending in 5138 (`window=0,99999999999`, Cloud Eye's `to=9999999999999`); no
 * stored time is past 2262, so the clamped bound selects the same events, and the databases are
 * never handed a number wider than their 64-bit column (a RangeError, hence a 500, before).
 */
export function boundNs(ms: number): bigint {
  const ns = msToNs(ms);
  return ns < MIN_STORED_NS ? MIN_STORED_NS : ns > MAX_STORED_NS ? MAX_STORED_NS : ns;
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
  const { ms, subMs } = splitMs(ns);
  return rfc3339Nano(msPrefix(ms), subMs);
}

/**
 * {@link formatRfc3339Nano} keeping the last millisecond's text, for a caller that stamps many
 * times within one (the audit's change detector in a burst): the date is printed once per ms.
 */
export function rfc3339NanoFormatter(): (ns: bigint) => string {
  let lastMs = Number.NaN;
  let prefix = '';
  return (ns) => {
    const { ms, subMs } = splitMs(ns);
    if (ms !== lastMs) {
      lastMs = ms;
      prefix = msPrefix(ms);
    }
    return rfc3339Nano(prefix, subMs);
  };
}

/** The epoch ms of `ns` (floored) and the ns past it. */
function splitMs(ns: bigint): { ms: number; subMs: number } {
  let ms = ns / NS_PER_MS;
  let subMs = ns % NS_PER_MS;
  if (subMs < 0n) {
    subMs += NS_PER_MS;
    ms -= 1n;
  }
  return { ms: Number(ms), subMs: Number(subMs) };
}

/** `2022-06-03T17:07:54.092`: the time to the millisecond. */
const msPrefix = (ms: number): string => new Date(ms).toISOString().slice(0, 23);

const rfc3339Nano = (prefix: string, subMs: number): string => `${prefix}${String(subMs).padStart(6, '0')}Z`;

/** RFC 3339 in UTC to whole seconds, as Kubecost prints set windows: `2022-06-03T10:00:00Z`. */
export function formatRfc3339Seconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))$/;

/** An RFC 3339 time read: its epoch ms, or why it is not one (the wrong shape, or a date and time that do not exist). */
export type Rfc3339Read = { readonly ms: number } | { readonly error: 'shape' | 'calendar' };

/**
 * Reads an RFC 3339 time (`2024-05-03T08:01:04Z`, with an optional fraction and offset) strictly:
 * a day or time that does not exist (`02-30`, `24:00`, a leap second) is refused rather than rolled
 * over as `Date.parse` and `Date.UTC` roll it. Digits finer than a millisecond are truncated; years
 * 0–99 stay what they are.
 */
export function readRfc3339(text: string): Rfc3339Read {
  const m = RFC3339.exec(text);
  if (m === null) return { error: 'shape' };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [offH, offM] = [Number(m[10] ?? 0), Number(m[11] ?? 0)];
  const valid = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59 && offH <= 23 && offM <= 59;
  if (!valid) return { error: 'calendar' };
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are instead of mapping them to 19xx.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number((m[7] ?? '').slice(0, 3).padEnd(3, '0')));
  const offsetMs = (offH * 60 + offM) * 60_000;
  return { ms: date.getTime() - (m[9] === '-' ? -offsetMs : offsetMs) };
}

/** Epoch ms of an RFC 3339 time (see {@link readRfc3339}), or undefined when `value` is not one. */
export function parseRfc3339Ms(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const r = readRfc3339(value);
  return 'ms' in r ? r.ms : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
