import type { AuditEvent } from './audit-event.js';

/**
 * Publishes priced events in the order their changes were seen, while pricing runs concurrently
 * (a remote predictor may take a while per call). Bounded: past `maxPending` changes waiting,
 * `isFull` tells the caller to price with the local predictor instead of queueing more.
 */
export class PricingQueue {
  readonly #slots: { event?: AuditEvent; done: boolean }[] = [];
  #idle: (() => void)[] = [];

  constructor(
    private readonly publish: (event: AuditEvent) => void,
    private readonly onError: (err: unknown) => void,
    readonly maxPending = 10_000,
  ) {}

  /** Changes priced or being priced, not yet published. */
  get pending(): number {
    return this.#slots.length;
  }

  /** True when no more remote pricing should be queued. */
  get isFull(): boolean {
    return this.#slots.length >= this.maxPending;
  }

  /** Queues a change being priced; its event is published after every earlier one. */
  push(pricing: Promise<AuditEvent>): void {
    const slot: { event?: AuditEvent; done: boolean } = { done: false };
    this.#slots.push(slot);
    pricing.then(
      (event) => {
        slot.event = event;
        slot.done = true;
        this.#drain();
      },
      (err: unknown) => {
        this.onError(err);
        slot.done = true;
        this.#drain();
      },
    );
  }

  /** Resolves once every queued change is published (for shutdown and tests). */
  idle(): Promise<void> {
    if (this.#slots.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #drain(): void {
    while (this.#slots[0]?.done === true) {
      const slot = this.#slots.shift();
      if (slot?.event !== undefined) this.publish(slot.event);
    }
    if (this.#slots.length === 0) {
      const waiting = this.#idle;
      this.#idle = [];
      for (const resolve of waiting) resolve();
    }
  }
}
