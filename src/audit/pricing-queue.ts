/**
 * Publishes priced outputs in the order their changes were seen, while pricing runs concurrently
 * (a remote predictor may take a while per call). Outputs that need no pricing (remembered state)
 * go through the same queue, so they are published after the events before them. Bounded: past
 * `maxPending` changes waiting, `isFull` tells the caller to price with the local predictor.
 */
export class PricingQueue<T> {
  readonly #slots: { event?: T; done: boolean }[] = [];
  /** Slots still being priced: what `maxPending` bounds (ready outputs cost no pricing). */
  #pricing = 0;
  #idle: (() => void)[] = [];

  constructor(
    private readonly publish: (output: T) => void,
    private readonly onError: (err: unknown) => void,
    readonly maxPending = 10_000,
  ) {}

  /** Changes priced or being priced, not yet published. */
  get pending(): number {
    return this.#slots.length;
  }

  /** True when no more remote pricing should be queued. */
  get isFull(): boolean {
    return this.#pricing >= this.maxPending;
  }

  /** Queues an output that needs no pricing; it is published after every earlier one (at once if none waits). */
  pushReady(output: T): void {
    // Nothing waits (always, with a predictor that prices at once): published now, no slot.
    if (this.#slots.length === 0) return this.publish(output);
    this.#slots.push({ event: output, done: true });
    this.#drain();
  }

  /** Queues the output `make` gives now (priced without waiting); a throw is reported as a failed pricing and nothing is queued. */
  pushNow(make: () => T): void {
    let output: T;
    try {
      output = make();
    } catch (err) {
      this.onError(err);
      return;
    }
    this.pushReady(output);
  }

  /** Queues a change being priced; its output is published after every earlier one. */
  push(pricing: Promise<T>): void {
    const slot: { event?: T; done: boolean } = { done: false };
    this.#slots.push(slot);
    this.#pricing++;
    pricing.then(
      (event) => {
        slot.event = event;
        slot.done = true;
        this.#pricing--;
        this.#drain();
      },
      (err: unknown) => {
        this.onError(err);
        slot.done = true;
        this.#pricing--;
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
