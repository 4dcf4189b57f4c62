import type { EtlEvent } from '../events/etl-event.js';
import { categoryOf, type EtlCategory } from '../events/etl-kinds.js';

/** Unfiltered pages kept (one per cluster selection asked for), least recently used dropped first. */
const MAX_PAGES = 4;
/** Appends remembered; a page older than that is made again from the rings. */
const MAX_JOURNAL = 256;

/** One list of a page: the events oldest first (by time, then cluster name, then arrival) and their JSON. */
interface PageList {
  readonly events: EtlEvent[];
  readonly json: string[];
}

interface Page {
  version: number;
  readonly lists: Record<EtlCategory, PageList>;
}

/** One append to the store's rings: the event, and the one its ring evicted, if any. */
interface Append {
  readonly version: number;
  readonly event: EtlEvent;
  readonly evicted: EtlEvent | undefined;
}

/**
 * The memory store's unfiltered ETL pages (`queryEtl` without kinds or window: what the log
 * route asks under churn), kept between changes and brought up to date from a short journal of
 * appends instead of copying, merging and looking up every event again per change: an append
 * whose event sorts last is pushed, an eviction removes its event (the oldest of its cluster's
 * ring, so near the front). Anything else (an event older than the page's newest, or a page
 * older than the journal) makes the page again with `rebuild`. The answers are the same lists
 * the full merge gives (`byTime`: stable, clusters in name order). Memory: at most
 * {@link MAX_PAGES} pages of references to events and strings the rings and the store's JSON
 * cache hold anyway, and {@link MAX_JOURNAL} appends.
 */
export class MemoryEtlPages {
  readonly #pages = new Map<string, Page>();
  readonly #journal: Append[] = [];

  /** `json`: an event's JSON (the store's, made once per event). */
  constructor(readonly json: (event: EtlEvent) => string) {}

  /** Records an append that made the store's ETL version `version`. */
  appended(version: number, event: EtlEvent, evicted: EtlEvent | undefined): void {
    this.#journal.push({ version, event, evicted });
    if (this.#journal.length > MAX_JOURNAL) this.#journal.splice(0, this.#journal.length - MAX_JOURNAL);
  }

  /**
   * The JSON lists of the unfiltered page of `clusters` (undefined: all) at `version`: copies,
   * so a caller keeps them as they are whatever the store does next.
   */
  page(
    clusters: ReadonlySet<string> | undefined,
    version: number,
    rebuild: () => { allocation: readonly EtlEvent[]; asset: readonly EtlEvent[] },
  ): { allocation: string[]; asset: string[] } {
    const key = clusters === undefined ? '*' : [...clusters].sort().join('\u0000');
    let page = this.#pages.get(key);
    if (page !== undefined) {
      this.#pages.delete(key);
      if (!this.#catchUp(page, clusters, version)) page = undefined;
    }
    if (page === undefined) {
      const made = rebuild();
      page = {
        version,
        lists: {
          allocation: { events: made.allocation.slice(), json: made.allocation.map(this.json) },
          asset: { events: made.asset.slice(), json: made.asset.map(this.json) },
        },
      };
    }
    // Most recently used goes last.
    this.#pages.set(key, page);
    for (const k of this.#pages.keys()) {
      if (this.#pages.size <= MAX_PAGES) break;
      this.#pages.delete(k);
    }
    return { allocation: page.lists.allocation.json.slice(), asset: page.lists.asset.json.slice() };
  }

  /** Applies the journal's appends after the page's version; false when the page must be made again. */
  #catchUp(page: Page, clusters: ReadonlySet<string> | undefined, version: number): boolean {
    if (page.version === version) return true;
    const j = this.#journal;
    const first = j[0];
    if (first === undefined || first.version > page.version + 1 || page.version > version) return false;
    const last = j[j.length - 1];
    if (last === undefined || last.version < version) return false;
    for (let i = page.version + 1 - first.version; i < j.length; i++) {
      const a = j[i] as Append;
      if (a.version > version) break;
      page.version = a.version;
      if (clusters !== undefined && !clusters.has(a.event.cluster)) continue;
      if (a.evicted !== undefined && !remove(page.lists[categoryOf(a.evicted.kind)], a.evicted)) return false;
      if (!appendLast(page.lists[categoryOf(a.event.kind)], a.event, this.json)) return false;
    }
    return page.version === version;
  }
}

/** Removes `event` from `list`; false when it is not there. */
function remove(list: PageList, event: EtlEvent): boolean {
  const i = list.events.indexOf(event);
  if (i < 0) return false;
  if (i === 0) {
    list.events.shift();
    list.json.shift();
  } else {
    list.events.splice(i, 1);
    list.json.splice(i, 1);
  }
  return true;
}

/** Appends `event` when the merge puts it last (later time, or the same time from a cluster not before the last's); false otherwise. */
function appendLast(list: PageList, event: EtlEvent, json: (event: EtlEvent) => string): boolean {
  const last = list.events[list.events.length - 1];
  if (last !== undefined && (event.time < last.time || (event.time === last.time && event.cluster < last.cluster))) return false;
  list.events.push(event);
  list.json.push(json(event));
  return true;
}
