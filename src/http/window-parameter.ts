import { badParameter } from '../errors.js';
import { parseWindow, WindowError, type Window } from '../window.js';

/** What a `window` parameter accepts, as the Kubecost routes' 400s say it. */
export const WINDOW_ACCEPTS =
  'today, yesterday, week, month, lastweek, lastmonth, a duration (30m, 12h, 7d, 2w), "<duration> offset <duration>", ' +
  'a pair of unix seconds (1586822400,1586908800) or of RFC 3339 times (2020-04-01T00:00:00Z,2020-04-03T00:00:00Z)';

/** What a reversed pair is told: its form is right, so the list of forms would not help. */
const REVERSED = 'a start no later than its end (this pair is reversed: give the earlier time first)';

/**
 * Reads a window parameter of any route. One that does not parse is a 400 naming `name` and the
 * forms it accepts; a reversed pair is a 400 saying just that.
 */
export function windowParameter(name: string, raw: string, nowMs: number, accepts = WINDOW_ACCEPTS): Window {
  try {
    return parseWindow(raw, nowMs);
  } catch (err) {
    if (!(err instanceof WindowError)) throw err;
    throw badParameter(name, raw, err.reversed ? REVERSED : accepts);
  }
}
