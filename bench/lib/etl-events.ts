import type { Clock } from '../../src/clock.js';
import type { EtlEvent, EtlMetadata } from '../../src/events/etl-event.js';
import { etlKind, ETL_CATEGORIES, type EtlKind } from '../../src/events/etl-kinds.js';

/** Hourly windows in the pool; four steps each, so a 1000-event ring holds 250 windows. */
const WINDOWS = 512;
const FIRST_WINDOW_MS = Date.parse('2024-05-01T00:00:00Z');
const HOUR_MS = 3_600_000;

const rfc3339 = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/**
 * The ETL pipeline's steps for one hourly set, as it will publish them: Saved, Loaded and
 * Aggregated with the set's size, Totaled without, each with the set's window.
 */
function stepsOf(category: (typeof ETL_CATEGORIES)[number], hour: number): { kind: EtlKind; metadata: EtlMetadata }[] {
  const start = FIRST_WINDOW_MS + hour * HOUR_MS;
  const window = { start: rfc3339(start), end: rfc3339(start + HOUR_MS) };
  // Sizes vary like real sets do (hundreds to a few thousand records), deterministically.
  const size = 300 + ((hour * 7919 + (category === 'asset' ? 4099 : 0)) % 2700);
  return [
    { kind: etlKind(category, 'Saved'), metadata: { size, window } },
    { kind: etlKind(category, 'Loaded'), metadata: { size, window } },
    { kind: etlKind(category, 'Aggregated'), metadata: { size: Math.ceil(size / 7), window } },
    { kind: etlKind(category, 'Totaled'), metadata: { window } },
  ];
}

/**
 * Realistic ETL events for both categories, stamped with `clock` when taken, as the pipeline
 * stamps them. The kinds and metadata come from a pre-built pool so a hot loop measures the
 * stamping and the publishing, not the making of window strings.
 */
export class EtlEventSource {
  readonly #pool: { kind: EtlKind; metadata: EtlMetadata }[] = [];
  readonly #clock: Clock;
  #next = 0;

  constructor(clock: Clock, readonly cluster = 'cluster-one') {
    this.#clock = clock;
    for (let hour = 0; hour < WINDOWS; hour++) {
      for (const category of ETL_CATEGORIES) this.#pool.push(...stepsOf(category, hour));
    }
  }

  /** The next event, stamped now. */
  next(): EtlEvent {
    const { kind, metadata } = this.#pool[this.#next]!;
    this.#next = this.#next + 1 === this.#pool.length ? 0 : this.#next + 1;
    return { kind, metadata, time: this.#clock.nowNs(), cluster: this.cluster };
  }
}
