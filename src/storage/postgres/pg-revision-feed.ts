import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Clock, TimerHandle } from '../../clock.js';
import type { StoreRevision } from '../store.js';

/**
 * How long a revision read while listening is trusted without news: the bound on seeing a write
 * whose notification never came (a replica of an older version, which does not notify; a
 * listener connection that died without a word; a proxy that does not forward notifications).
 */
export const REVISION_MAX_AGE_MS = 1_000;
/** The first wait before listening again after the listener's connection failed; doubled per failure up to the maximum. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * The channel the writes of one schema notify on (the schema hashed: a channel name is at most 63
 * bytes, and every deployment sharing a database has a schema of its own).
 */
export function revisionChannel(schema: string): string {
  return `cost_events_revision_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

/** What the feed tells: it listens, it stopped listening (and why), a notification came. */
interface FeedEvents {
  listening: [];
  dropped: [err: Error];
  notified: [];
}

export interface RevisionFeedOptions {
  /** The database URL (the same search_path as the store's pool). */
  readonly url: string;
  readonly channel: string;
  readonly clock: Clock;
  /** Told when the listener's connection fails or cannot be made; reads meanwhile query the revision every time. */
  readonly onError?: (err: Error) => void;
}

/**
 * A store revision kept between reads, fed by LISTEN/NOTIFY: every write transaction that bumps a
 * revision notifies the schema's channel, delivered to listeners after its commit. While the
 * feed's dedicated connection listens, a read reuses the revision last read unless a notification
 * came, this process wrote (`invalidate`, called once its own commit returned: read-your-writes
 * needs no notification) or `REVISION_MAX_AGE_MS` passed. While it does not listen (at start,
 * after its connection dropped, until LISTEN succeeds again), every read queries, as without a feed.
 *
 * Concurrent reads after a change share one query, started after the change was known; a query
 * that began before a later change is returned to its caller but not kept.
 */
export class RevisionFeed extends EventEmitter<FeedEvents> {
  readonly #options: RevisionFeedOptions;
  #client: pg.Client | undefined;
  #listening = false;
  #closed = false;
  /** Moves on every change this feed learns of; a revision read in an older generation is not kept. */
  #generation = 0;
  #held: { readonly value: StoreRevision; readonly generation: number; readonly readAtMs: number } | undefined;
  #reading: { readonly generation: number; readonly value: Promise<StoreRevision> } | undefined;
  #pid: number | undefined;
  #retryMs = RETRY_MIN_MS;
  #retry: TimerHandle | undefined;

  constructor(options: RevisionFeedOptions) {
    super();
    this.#options = options;
  }

  /** Whether notifications are being received (reads are then served from the held revision). */
  get listening(): boolean {
    return this.#listening;
  }

  /** The listener's backend process id while it listens (diagnostics: pg_stat_activity). */
  get processId(): number | undefined {
    return this.#listening ? this.#pid : undefined;
  }

  /** Connects and listens; a failure is reported and retried in the background, never thrown. */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.url, keepAlive: true, connectionTimeoutMillis: 5_000 });
    this.#client = client;
    // A failure is handled once, and only while this client is the feed's.
    const fail = (err: Error) => {
      if (this.#client !== client) return;
      this.#drop(err);
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('the revision listener connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel !== this.#options.channel || this.#client !== client) return;
      this.invalidate();
      this.emit('notified');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.#options.channel)}`);
      this.#pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    } catch (err) {
      fail(err instanceof Error ? err : new Error(String(err)));
      client.end().catch(() => undefined);
      return;
    }
    if (this.#client !== client) return;
    // Whatever was committed before LISTEN took effect was not notified: read afresh.
    this.invalidate();
    this.#listening = true;
    this.#retryMs = RETRY_MIN_MS;
    this.emit('listening');
  }

  /** Forgets the held revision: a write of this process committed (or may have). */
  invalidate(): void {
    this.#generation++;
    this.#held = undefined;
  }

  /** The revision: the held one while it can be trusted, else `read()`'s (shared by concurrent callers of one generation). */
  revision(read: () => Promise<StoreRevision>): Promise<StoreRevision> {
    const now = this.#options.clock.nowMs();
    if (!this.#listening) return read();
    const held = this.#held;
    if (held !== undefined && held.generation === this.#generation && now - held.readAtMs < REVISION_MAX_AGE_MS) return Promise.resolve(held.value);
    const reading = this.#reading;
    if (reading !== undefined && reading.generation === this.#generation) return reading.value;
    const generation = this.#generation;
    const value = read().then((v) => {
      if (generation === this.#generation && this.#listening) this.#held = { value: v, generation, readAtMs: now };
      return v;
    });
    const entry = { generation, value };
    this.#reading = entry;
    const done = () => {
      if (this.#reading === entry) this.#reading = undefined;
    };
    value.then(done, done);
    return value;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    if (this.#retry !== undefined) this.#options.clock.clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #drop(err: Error): void {
    this.#listening = false;
    this.invalidate();
    this.#client = undefined;
    if (this.#closed) return;
    this.#options.onError?.(err);
    this.emit('dropped', err);
    const wait = this.#retryMs;
    this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
    this.#retry = this.#options.clock.setTimeout(() => {
      this.#retry = undefined;
      void this.start();
    }, wait);
  }
}
