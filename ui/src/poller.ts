import { apiUrl, errorOf } from './api.js';

/** How often a view asks again: soon after a change, less and less often while nothing changes. */
export interface PollTiming {
  readonly minMs: number;
  readonly maxMs: number;
}

export const DEFAULT_POLL: PollTiming = { minMs: 5_000, maxMs: 30_000 };

/** What a poll reports: new data (only when it changed), or the error of the last attempt. */
export interface PollListener<T> {
  data(value: T): void;
  error(err: Error): void;
}

/**
 * Polls one URL with a conditional request: the ETag of the last answer goes back as
 * If-None-Match, and a 304 (or, from a server without ETags, the same bytes) is "nothing new", so
 * nothing is parsed or rendered. The interval doubles while nothing changes (up to maxMs) and
 * resets when something does; a hidden tab does not poll. `okStatuses` carry data, not an error.
 */
export class Poller<T> {
  private etag: string | undefined;
  private lastText: string | undefined;
  private delay: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private controller: AbortController | undefined;
  private stopped = false;
  private readonly onVisible = (): void => {
    if (document.visibilityState === 'visible' && this.timer === undefined && this.controller === undefined) void this.tick();
  };

  constructor(
    private readonly path: string,
    private readonly listener: PollListener<T>,
    private readonly timing: PollTiming = DEFAULT_POLL,
    private readonly okStatuses: readonly number[] = [],
  ) {
    this.delay = timing.minMs;
  }

  start(): void {
    document.addEventListener('visibilitychange', this.onVisible);
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    document.removeEventListener('visibilitychange', this.onVisible);
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    const controller = new AbortController();
    this.controller = controller;
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (this.etag !== undefined) headers['if-none-match'] = this.etag;
      const res = await fetch(apiUrl(this.path), { headers, cache: 'no-store', signal: controller.signal });
      if (res.status === 304) {
        this.slower();
      } else if (res.ok || this.okStatuses.includes(res.status)) {
        this.etag = res.headers.get('etag') ?? undefined;
        const text = await res.text();
        if (text === this.lastText) {
          this.slower();
        } else {
          this.lastText = text;
          this.delay = this.timing.minMs;
          this.listener.data(JSON.parse(text) as T);
        }
      } else {
        this.listener.error(await errorOf(res));
        this.slower();
      }
    } catch (err) {
      if (!this.running()) return;
      this.listener.error(err instanceof Error ? err : new Error(String(err)));
      this.slower();
    } finally {
      this.controller = undefined;
    }
    if (!this.running() || document.visibilityState === 'hidden') return;
    this.timer = setTimeout(() => void this.tick(), this.delay);
  }

  /** False once stopped; a method, as `stopped` changes while a request is awaited. */
  private running(): boolean {
    return !this.stopped;
  }

  private slower(): void {
    this.delay = Math.min(this.timing.maxMs, this.delay * 2);
  }
}
