/** Records clipped to a window: the part of their running time inside it. */
import type { Window } from '../window.js';

/** Overlap of [start, end ?? ∞) with the window: the clipped start, or NaN when the overlap is empty. */
export function clippedStart(w: Window, start: number, end: number | undefined): number {
  const s = start > w.start ? start : w.start;
  const e = end === undefined || end > w.end ? w.end : end;
  return e > s ? s : Number.NaN;
}

/** The end of [start, end ?? ∞) clipped to the window (meaningful where clippedStart is not NaN). */
export function clippedEnd(w: Window, end: number | undefined): number {
  return end === undefined || end > w.end ? w.end : end;
}
