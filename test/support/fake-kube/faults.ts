/** Which requests a queued failure applies to: `continue` means list pages after the first. */
export type FaultTarget = 'list' | 'continue' | 'watch' | 'any';

/** How the fake says a watch's resourceVersion is too old. */
export type ExpiredMode = 'in-stream' | 'http';

/**
 * The fault knobs that change how requests are answered (as opposed to those that act on
 * open connections, which live on the server). Plain state, read by the handlers.
 */
export class FakeFaults {
  readonly #queue: { target: FaultTarget; status: number; resource: string | undefined }[] = [];
  /** New watch streams go silent: after their headers (no events, bookmarks or end), or even before them. */
  hangWatches: 'off' | 'after-headers' | 'before-headers' = 'off';
  /** In-stream ERROR 410 (what current servers do) or a plain HTTP 410 with a Status body. */
  expiredMode: ExpiredMode = 'in-stream';

  /** Answers the next `count` matching requests (of one resource's plural, when given) with `status` (500, 410, 429, …) and a Status body. */
  failNext(count: number, status: number, target: FaultTarget, resource?: string): void {
    for (let i = 0; i < count; i++) this.#queue.push({ target, status, resource });
  }

  /** The status to fail this request of `resource` with, consuming the queued fault, or undefined. */
  take(kind: 'list' | 'continue' | 'watch', resource: string | undefined): number | undefined {
    const i = this.#queue.findIndex(
      (f) => (f.resource === undefined || f.resource === resource) && (f.target === kind || (f.target === 'list' && kind === 'continue') || f.target === 'any'),
    );
    if (i < 0) return undefined;
    return this.#queue.splice(i, 1)[0]!.status;
  }

  /** Drops every queued failure. */
  clear(): void {
    this.#queue.length = 0;
  }

  /** Failures still queued. */
  get pending(): number {
    return this.#queue.length;
  }
}
