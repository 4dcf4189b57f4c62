import type { Counter, LabelValues } from 'prom-client';

/**
 * Increments of one counter kept as plain numbers, keyed by a string the caller builds, and moved
 * into the counter when it is collected (a scrape). prom-client's `inc` sorts and hashes the label
 * names and checks each label on every call; a hot path (one call per audit change) pays a Map
 * lookup here instead, and the counter pays the rest once per series per scrape.
 */
export class PendingCounts<L extends string> {
  readonly #counter: Counter<L>;
  readonly #pending = new Map<string, { readonly labels: LabelValues<L>; value: number }>();

  constructor(counter: Counter<L>) {
    this.#counter = counter;
  }

  /** Adds `n` to the series `key` names; `labels` makes its labels the first time the key is seen since the last scrape. */
  add(key: string, labels: (key: string) => LabelValues<L>, n = 1): void {
    const p = this.#pending.get(key);
    if (p === undefined) this.#pending.set(key, { labels: labels(key), value: n });
    else p.value += n;
  }

  /** Moves what was added into the counter; the counter's `collect` calls it. */
  flush(): void {
    for (const p of this.#pending.values()) this.#counter.inc(p.labels, p.value);
    this.#pending.clear();
  }
}
