/**
 * Per-route rate caps: at most `count` deliveries per fixed window of `perMs` (windows aligned to
 * the epoch). Held per process, so with several replicas each replica's share counts apart.
 */
export class RateCaps {
  readonly #windows = new Map<string, { start: number; used: number }>();

  /** Takes one delivery of `route` at `nowMs`: undefined when allowed, else when the next window opens. */
  take(route: string, cap: { readonly count: number; readonly perMs: number }, nowMs: number): number | undefined {
    const start = Math.floor(nowMs / cap.perMs) * cap.perMs;
    let w = this.#windows.get(route);
    if (w === undefined || w.start !== start) {
      w = { start, used: 0 };
      this.#windows.set(route, w);
    }
    if (w.used >= cap.count) return start + cap.perMs;
    w.used++;
    return undefined;
  }
}
