import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../../../src/clock.js';
import type { ResourceView } from './events-views.js';
import type { FakeResource } from './resources.js';
import { apiVersionOf, resourceKey } from './resources.js';
import type { FakeStore } from './store.js';
import type { IncludeObject } from './table.js';
import { TABLE_CONTENT_TYPE, tableOf } from './table.js';
import type { FakeLogEntry, FakeObject } from './types.js';
import { statusBody } from './types.js';
import { withTypeMeta } from './wire.js';

/** What one watch request asked for, already parsed and validated. */
export interface WatchParams {
  resource: FakeResource;
  namespace: string | undefined;
  /** undefined or '0': start with a synthetic ADDED per object; otherwise replay after it. */
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  timeoutSeconds: number | undefined;
  matches: (o: FakeObject) => boolean;
  /** Set when the client asked for server-side printing: each event then carries a one-row Table. */
  table: { include: IncludeObject } | undefined;
  /** Set when `resource` shows another resource's stored objects (core v1 Events): what to watch and how to show it. */
  view?: ResourceView;
}

/**
 * One open watch response: newline-delimited JSON events on a chunked 200, written as the store
 * commits and flushed when a synchronous burst ends (the apiserver flushes when its channel
 * drains). Ends cleanly on `timeoutSeconds`, abruptly on drop().
 */
export class WatchStream {
  readonly #res: ServerResponse;
  readonly #p: WatchParams;
  readonly #clock: Clock;
  readonly #lines: WeakMap<FakeLogEntry, string>;
  #unsubscribe: (() => void) | undefined;
  #timer: TimerHandle | undefined;
  readonly #bookmarkEveryMs: number | undefined;
  #bookmarkTimer: TimerHandle | undefined;
  #corked = false;
  #closed = false;
  /** Event lines written but not yet handed to the kernel, and who waits for them to be. */
  #unflushed = 0;
  #flushWaiters: (() => void)[] = [];
  /** Set when this stream was opened while watches hang: it will never write an event (nor, before-headers, even a status line). */
  readonly hung: 'after-headers' | 'before-headers' | undefined;

  constructor(
    res: ServerResponse,
    p: WatchParams,
    deps: { clock: Clock; lines: WeakMap<FakeLogEntry, string>; hung: 'after-headers' | 'before-headers' | undefined; onClose: () => void; bookmarkEveryMs?: number },
  ) {
    this.#res = res;
    this.#p = p;
    this.#clock = deps.clock;
    this.#bookmarkEveryMs = deps.bookmarkEveryMs;
    this.#lines = deps.lines;
    this.hung = deps.hung;
    res.on('close', () => {
      this.#closed = true;
      this.#wakeFlushWaiters();
      this.#unsubscribe?.();
      if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
      if (this.#bookmarkTimer !== undefined) this.#clock.clearTimeout(this.#bookmarkTimer);
      deps.onClose();
    });
  }

  /** The resource this stream watches. */
  get resource(): FakeResource {
    return this.#p.resource;
  }

  /** Resolves once every event line written so far has been handed to the socket's kernel buffer (or the stream closed). */
  flushed(): Promise<void> {
    if (this.#unflushed === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  /** Sends headers, then history (or the synthetic initial state), then live events. */
  open(store: FakeStore): void {
    if (this.hung === 'before-headers') return;
    const contentType = this.#p.table === undefined ? 'application/json' : TABLE_CONTENT_TYPE;
    this.#res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache, private' });
    this.#res.flushHeaders();
    if (this.hung !== undefined) return;
    const stored = this.#p.view?.stored ?? this.#p.resource;
    const key = resourceKey(stored);
    const rv = this.#p.resourceVersion;
    if (rv === undefined || rv === '' || rv === '0') {
      for (const o of store.list(stored, this.#p.namespace)) {
        if (this.#p.matches(o)) this.#write(this.#render('ADDED', o));
      }
    } else {
      for (const e of store.entriesAfter(Number(rv))) if (e.resourceKey === key) this.#send(e);
    }
    this.#unsubscribe = store.subscribe((e) => {
      if (e.resourceKey === key) this.#send(e);
    });
    if (this.#p.timeoutSeconds !== undefined && this.#p.timeoutSeconds > 0) {
      this.#timer = this.#clock.setTimeout(() => this.end(), this.#p.timeoutSeconds * 1000);
    }
    const every = this.#bookmarkEveryMs;
    if (every !== undefined && this.#p.allowBookmarks) {
      const tick = (): void => {
        this.bookmark(store.currentRv);
        this.#bookmarkTimer = this.#clock.setTimeout(tick, every);
      };
      this.#bookmarkTimer = this.#clock.setTimeout(tick, every);
    }
  }

  /** Sends the in-stream `ERROR 410 Expired` current servers send for a too-old rv, then ends. */
  expire(requested: string, floor: number): void {
    this.#res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    const status = statusBody(410, 'Expired', `too old resource version: ${requested} (${floor})`);
    this.#write(JSON.stringify({ type: 'ERROR', object: status }));
    this.end();
  }

  /** Sends a BOOKMARK at `rv` if the client allowed bookmarks; returns whether it did. */
  bookmark(rv: number): boolean {
    if (!this.#p.allowBookmarks || this.hung !== undefined || this.#closed) return false;
    const object = { kind: this.#p.resource.kind, apiVersion: apiVersionOf(this.#p.resource), metadata: { resourceVersion: String(rv) } };
    this.#write(JSON.stringify({ type: 'BOOKMARK', object }));
    return true;
  }

  /** Writes an arbitrary event line, as a misbehaving or older server might (e.g. MODIFIED without a new rv). */
  inject(type: string, object: unknown): void {
    if (!this.#closed) this.#write(JSON.stringify({ type, object }));
  }

  /** Ends the stream cleanly: the terminating chunk, as on a server timeout. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#res.end();
  }

  /** Kills the connection without a terminating chunk: the client sees a premature close. */
  drop(): void {
    this.#closed = true;
    this.#res.socket?.destroy();
    this.#res.destroy();
  }

  #send(e: FakeLogEntry): void {
    if (!this.#p.matches(e.object)) return;
    if (this.#p.namespace !== undefined && e.object.metadata.namespace !== this.#p.namespace) return;
    if (this.#p.table !== undefined || this.#p.view !== undefined) return this.#write(this.#render(e.type, e.object));
    // Every plain watcher of a resource sends the same bytes for an entry: serialise it once.
    let line = this.#lines.get(e);
    if (line === undefined) {
      line = this.#render(e.type, e.object);
      this.#lines.set(e, line);
    }
    this.#write(line);
  }

  #render(type: string, stored: FakeObject): string {
    const o = this.#p.view === undefined ? stored : this.#p.view.render(stored);
    const object =
      this.#p.table === undefined ? withTypeMeta(this.#p.resource, o) : tableOf(this.#p.resource, [o], this.#clock.nowMs(), this.#p.table.include);
    return JSON.stringify({ type, object });
  }

  #write(line: string): void {
    if (this.#closed) return;
    if (!this.#corked) {
      this.#corked = true;
      this.#res.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#res.uncork();
      });
    }
    this.#unflushed++;
    this.#res.write(line + '\n', this.#onFlushed);
  }

  readonly #onFlushed = (): void => {
    this.#unflushed--;
    if (this.#unflushed === 0) this.#wakeFlushWaiters();
  };

  #wakeFlushWaiters(): void {
    const waiting = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const resolve of waiting) resolve();
  }
}
