import { readRfc3339 } from './time.js';
/** A half-open time range [start, end) in epoch milliseconds (UTC). */
export interface Window {
  readonly start: number;
  readonly end: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** An hour in ms. */
export const HOUR_MS = HOUR;
/** A day in ms (UTC days have no leap seconds in epoch time). */
export const DAY_MS = DAY;
const WEEK = 7 * DAY;
/** The farthest a JavaScript Date reaches either side of the epoch. */
const MAX_DATE_MS = 8.64e15;

const UNIT_MS = new Map([
  ['s', SECOND],
  ['m', MINUTE],
  ['h', HOUR],
  ['d', DAY],
  ['w', WEEK],
]);

// Two texts of what a window accepts, both already in clients' hands (400 bodies, the OpenAPI
// document's `x-accepts`): the Kubecost routes say it as Kubecost's documentation does, the Predict
// API and WindowError's own message list every form parseWindow takes. Both live here, beside the parser.

/** What a `window` parameter of a Kubecost route accepts, as its 400s and `x-accepts` say it. */
export const WINDOW_ACCEPTS =
  'today, yesterday, week, month, lastweek, lastmonth, a duration (30m, 12h, 7d, 2w), "<duration> offset <duration>", ' +
  'a pair of unix seconds (1586822400,1586908800) or of RFC 3339 times (2020-04-01T00:00:00Z,2020-04-03T00:00:00Z)';

/** Every window form parseWindow accepts, in words, for messages that say what is accepted. */
export const WINDOW_ACCEPTED =
  'today, yesterday, week, month, lastweek, lastmonth; a duration such as 30m, 24h, 7d or 1w ' +
  '(units m, h, d, w in lower case); "<duration> offset <duration>" such as "7d offset 48h"; ' +
  'unix seconds "start,end" (separator , | or -); ' +
  'RFC 3339 times "2024-05-01T00:00:00Z,2024-05-02T00:00:00Z"';

/** Thrown for a window string that does not parse; `message` says what was wrong and lists the accepted forms. */
export class WindowError extends Error {
  override readonly name = 'WindowError';
  readonly input: string;
  /** True for a pair whose start is after its end: the form is right, the order is not. */
  readonly reversed: boolean;

  constructor(input: string, reason: string, reversed = false) {
    // The input is echoed quoted and cut short: it comes straight from a client.
    super(`invalid window ${JSON.stringify(input.slice(0, 100))}: ${reason}; accepted: ${WINDOW_ACCEPTED}`);
    this.input = input;
    this.reversed = reversed;
  }
}

/** Parses every Kubecost/OpenCost window form relative to `nowMs` (UTC). */
export function parseWindow(input: string, nowMs: number): Window {
  if (!isDateMs(nowMs)) throw new RangeError(`nowMs is not a valid epoch millisecond: ${nowMs}`);
  const w = keywordWindow(input, nowMs) ?? durationWindow(input, nowMs) ?? pairWindow(input);
  if (w === undefined) throw new WindowError(input, whyUnrecognised(input));
  // Arithmetic on huge counts yields unsafe integers or Infinity; one check here covers every form.
  if (!isDateMs(w.start) || !isDateMs(w.end)) {
    throw new WindowError(input, 'a time is outside the range of a date (about ±275,000 years from 1970)');
  }
  if (w.start > w.end) throw new WindowError(input, 'start is after end', true);
  return w;
}

/** Milliseconds of a duration like `10s`, `5m`, `1h`, `7d`, `2w` (units s|m|h|d|w) or undefined when it does not parse. Used by settings too (ETL_RESOLUTION). */
export function parseDurationMs(input: string): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(input);
  if (m === null) return undefined;
  const ms = Number(m[1]) * (UNIT_MS.get(m[2] ?? '') ?? NaN);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A duration in the largest unit that divides it, as a user writes it: `1h`, `90m`, `1d`, `10s`. */
export function formatDurationMs(ms: number): string {
  for (const [unit, size] of [['d', DAY], ['h', HOUR], ['m', MINUTE]] as const) if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  return ms % SECOND === 0 ? `${ms / SECOND}s` : `${ms}ms`;
}

/** True when `ms` (epoch) lies in [start, end). */
export function windowContains(w: Window, ms: number): boolean {
  return w.start <= ms && ms < w.end;
}

function isDateMs(ms: number): boolean {
  return Number.isSafeInteger(ms) && Math.abs(ms) <= MAX_DATE_MS;
}

/** The largest multiple of `step` at or before `ms`: the start of the `step`-wide window (aligned to the epoch, UTC) holding `ms`. */
export function alignDown(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}

/** The smallest multiple of `step` at or after `ms`. */
export function alignUp(ms: number, step: number): number {
  return Math.ceil(ms / step) * step;
}

/** Midnight UTC of the first day of the month holding `ms`. */
function monthStart(ms: number): number {
  const midnight = alignDown(ms, DAY);
  return midnight - (new Date(midnight).getUTCDate() - 1) * DAY;
}

function keywordWindow(input: string, now: number): Window | undefined {
  const midnight = alignDown(now, DAY);
  const weekday = new Date(now).getUTCDay(); // Sunday = 0: weeks start on Sunday, as in OpenCost
  switch (input) {
    case 'today':
      return { start: midnight, end: midnight + DAY };
    case 'yesterday':
      return { start: midnight - DAY, end: midnight };
    case 'week':
      return { start: midnight - weekday * DAY, end: now };
    case 'lastweek': {
      const start = midnight - (weekday + 7) * DAY;
      return { start, end: start + WEEK };
    }
    case 'month':
      return { start: monthStart(now), end: now };
    case 'lastmonth': {
      const end = monthStart(now);
      return { start: monthStart(end - DAY), end };
    }
    default:
      return undefined;
  }
}

function durationWindow(input: string, now: number): Window | undefined {
  const plain = /^(\d+)([mhdw])$/.exec(input);
  if (plain !== null) {
    const [, count = '', unit = ''] = plain;
    // The end is pushed up to the next boundary so the window holds `now` and whole ETL sets;
    // weeks round to days, so `1w` is `7d` and not Sunday-aligned.
    const step = unit === 'm' ? MINUTE : unit === 'h' ? HOUR : DAY;
    const end = alignDown(now, step) + step;
    return { start: end - length(count, unit), end };
  }
  const offset = /^(\d+)([mhdw]) offset (\d+)([mhdw])$/.exec(input);
  if (offset !== null) {
    const [, count = '', unit = '', offCount = '', offUnit = ''] = offset;
    // No rounding here, as in OpenCost; unlike OpenCost, a `w` offset is 7 days, not 168.
    const end = now - length(offCount, offUnit);
    return { start: end - length(count, unit), end };
  }
  return undefined;
}

function length(count: string, unit: string): number {
  return Number(count) * (UNIT_MS.get(unit) ?? NaN);
}

function pairWindow(input: string): Window | undefined {
  const unix = /^(\d+)[,|-](\d+)$/.exec(input);
  if (unix !== null) return { start: Number(unix[1]) * SECOND, end: Number(unix[2]) * SECOND };
  const parts = input.split(',');
  if (parts.length !== 2) return undefined;
  const [a = '', b = ''] = parts;
  const start = rfc3339Ms(a, input);
  const end = rfc3339Ms(b, input);
  return start === undefined || end === undefined ? undefined : { start, end };
}

/** Epoch ms of one RFC 3339 time; undefined when the shape is wrong, WindowError when the shape is right but the date does not exist. */
function rfc3339Ms(text: string, input: string): number | undefined {
  const r = readRfc3339(text);
  if ('ms' in r) return r.ms;
  // A window must not silently move (2023-02-29 rolled over to March 1).
  if (r.error === 'calendar') throw new WindowError(input, `${text} is not a real calendar date and time`);
  return undefined;
}

function whyUnrecognised(input: string): string {
  if (input === '') return 'the window is empty';
  if (/^\d+[A-Za-z]+( offset \d+[A-Za-z]+)?$/.test(input)) {
    return 'a duration unit must be m, h, d or w in lower case (seconds are not accepted)';
  }
  return 'not a recognised window';
}

/** A duration as Kubecost prints a resolution: the largest of d, h, m, s that divides it (86,400,000 → 1d, 3,600,000 → 1h, 600,000 → 10m). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', DAY], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0 && ms > 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
