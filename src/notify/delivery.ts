import type { NotifyMessage } from './message.js';

/** What one attempt sends: one message, or a group of messages delivered as one. */
export interface Delivery {
  /** The Idempotency-Key and CloudEvents `id`: the event's id, or for a group one derived from its rows. */
  readonly id: string;
  readonly route: string;
  readonly sink: string;
  readonly messages: readonly NotifyMessage[];
}

/** How an attempt ended. `retry`: a network error, a timeout, 5xx or 429; otherwise the receiver refused for good. */
export type Outcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly retry: boolean; readonly error: string; readonly retryAfterMs?: number };

/** Where deliveries go: one per sink of the file. */
export interface Sink {
  deliver(d: Delivery): Promise<Outcome>;
  /** Lets go of connections. */
  close(): void;
}
