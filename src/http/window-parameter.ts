import { asClientError, badParameter } from '../errors.js';
import { parseWindow, WINDOW_ACCEPTS, WindowError, type Window } from '../window.js';

/** What a reversed pair is told: its form is right, so the list of forms would not help. */
const REVERSED = 'a start no later than its end (this pair is reversed: give the earlier time first)';

/**
 * Reads a window parameter of any route. One that does not parse is a 400 naming `name` and the
 * forms it accepts; a reversed pair is a 400 saying just that.
 */
export function windowParameter(name: string, raw: string, nowMs: number, accepts = WINDOW_ACCEPTS): Window {
  return asClientError(() => parseWindow(raw, nowMs), WindowError, (err) => badParameter(name, raw, err.reversed ? REVERSED : accepts));
}
