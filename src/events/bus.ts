/** Called when a subscriber throws, so one bad subscriber cannot stop the others or the publisher. */
export type SubscriberErrorHandler = (topic: string, err: unknown) => void;

/** An unsubscribe function returned by {@link EventBus.subscribe}. */
export type Unsubscribe = () => void;

/**
 * The one in-process bus every producer publishes on and every store subscribes to.
 * `Topics` maps a topic name to its payload type, so publish and subscribe are typed.
 * Delivery is synchronous and in subscription order.
 */
export class EventBus<Topics extends object> {
  readonly #handlers = new Map<keyof Topics, ((payload: never) => void)[]>();
  readonly #onError: SubscriberErrorHandler;

  constructor(onError: SubscriberErrorHandler) {
    this.#onError = onError;
  }

  /** Delivers `payload` to every subscriber of `topic`. */
  publish<K extends keyof Topics>(topic: K, payload: Topics[K]): void {
    const list = this.#handlers.get(topic) as ((p: Topics[K]) => void)[] | undefined;
    if (list === undefined) return;
    for (const handler of list) {
      try {
        handler(payload);
      } catch (err) {
        this.#onError(String(topic), err);
      }
    }
  }

  /** Calls `handler` for every later payload on `topic`. */
  subscribe<K extends keyof Topics>(topic: K, handler: (payload: Topics[K]) => void): Unsubscribe {
    const list = this.#handlers.get(topic) ?? [];
    // Copy on write: a handler that unsubscribes during delivery does not disturb the loop.
    const erased = handler as (payload: never) => void;
    this.#handlers.set(topic, [...list, erased]);
    return () => {
      const current = this.#handlers.get(topic) ?? [];
      this.#handlers.set(
        topic,
        current.filter((h) => h !== erased),
      );
    };
  }
}
