/**
 * What decoded sets share across decodes: each distinct string, label set and allocation
 * properties content once, as one object, in every set decoded while it is held. Accumulation
 * (the daily roll-up reads a day of sets decoded one by one) narrows each record's properties to
 * those all its sets share; with the properties of a record the same object in every set, that is
 * one comparison of references instead of eight strings and a label set compared by content.
 *
 * The shared objects are frozen: a set's label sets and properties are never written (records are
 * values: add-records.ts copies before it narrows). Bounded: when a table holds more than
 * MAX_ENTRIES, or the strings more than MAX_CHARS characters, everything is dropped before the next
 * decode starts (decodes already made keep their objects; sets decoded after that share new ones).
 */
import type { AllocationProperties } from './sets.js';

/** Entries per table (strings, label sets, properties) before the tables are dropped. */
const MAX_ENTRIES = 1 << 18;
/** Characters of interned strings and keys before the tables are dropped. */
const MAX_CHARS = 32 * 1024 * 1024;

/** A content key of small non-negative ints: two UTF-16 units per int (ids stay below 2³²). */
function labelKey(ids: ArrayLike<number>): string {
  let key = '';
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j] ?? 0;
    key += String.fromCharCode(id & 0xffff, id >>> 16);
  }
  return key;
}

export class SetInterner {
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #strings = new Map<string, number>();
  #stringById: string[] = [];
  #labels = new Map<string, number>();
  #labelById: Readonly<Record<string, string>>[] = [];
  #properties = new TupleTable<InternedProperties>(PROPERTY_IDS);
  #chars = 0;

  constructor(limits: { maxEntries?: number; maxChars?: number } = {}) {
    this.#maxEntries = limits.maxEntries ?? MAX_ENTRIES;
    this.#maxChars = limits.maxChars ?? MAX_CHARS;
  }

  /** Called before each decode: drops every table when one is over its bound. */
  begin(): void {
    const max = this.#maxEntries;
    if (this.#chars <= this.#maxChars && this.#strings.size <= max && this.#labels.size <= max && this.#properties.size <= max) return;
    this.#strings = new Map();
    this.#stringById = [];
    this.#labels = new Map();
    this.#labelById = [];
    this.#properties = new TupleTable<InternedProperties>(PROPERTY_IDS);
    this.#chars = 0;
  }

  /** The id of `s` (1 and up; 0 is left for "absent"). */
  stringId(s: string): number {
    let id = this.#strings.get(s);
    if (id === undefined) {
      this.#stringById.push(s);
      id = this.#stringById.length;
      this.#strings.set(s, id);
      this.#chars += s.length;
    }
    return id;
  }

  /** The string of an id from stringId: the first of its content interned, shared. */
  string(id: number): string {
    return this.#stringById[id - 1] ?? '';
  }

  /** The id (1 and up) of the label set `ids` (a key's id, then its value's, per label), made by `make` the first time. */
  labelId(ids: readonly number[], make: () => Record<string, string>): number {
    const key = labelKey(ids);
    let id = this.#labels.get(key);
    if (id === undefined) {
      this.#labelById.push(Object.freeze(make()));
      id = this.#labelById.length;
      this.#labels.set(key, id);
      this.#chars += key.length;
    }
    return id;
  }

  labels(id: number): Readonly<Record<string, string>> | undefined {
    return this.#labelById[id - 1];
  }

  /**
   * The allocation properties of content `ids` (PROPERTY_IDS ids: its 8 strings' from stringId,
   * 0 for absent, then its label set's from labelId or 0), made by `make` the first time, with the
   * name `derive` gives them (one string for every record of that content, its hash computed once).
   */
  allocationProperties(ids: Int32Array, make: () => AllocationProperties, derive: (p: AllocationProperties) => string | undefined): InternedProperties {
    return this.#properties.getOrAdd(ids, () => {
      const properties = Object.freeze(make());
      return { properties, derivedName: derive(properties) };
    });
  }
}

/** Interned allocation properties and the name an allocation gets from them (undefined for none). */
export interface InternedProperties {
  readonly properties: AllocationProperties;
  readonly derivedName: string | undefined;
}

/** Ids of an allocation's properties: 8 strings and a label set. */
export const PROPERTY_IDS = 9;

/**
 * A map from tuples of `width` ints to values: open addressing over one Int32Array of keys (no key
 * string per lookup: a string key per record cost a quarter of a decode).
 */
class TupleTable<T> {
  readonly #width: number;
  #keys: Int32Array;
  #values: (T | undefined)[];
  #mask: number;
  size = 0;

  constructor(width: number, capacity = 1024) {
    this.#width = width;
    this.#keys = new Int32Array(capacity * width);
    this.#values = new Array<T | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
  }

  getOrAdd(ids: Int32Array, make: () => T): T {
    const w = this.#width;
    let slot = hashIds(ids, 0, w) & this.#mask;
    for (;;) {
      const v = this.#values[slot];
      if (v === undefined) break;
      if (this.#sameKey(slot, ids, 0)) return v;
      slot = (slot + 1) & this.#mask;
    }
    const made = make();
    this.#keys.set(ids.subarray(0, w), slot * w);
    this.#values[slot] = made;
    if (++this.size * 2 > this.#values.length) this.#grow();
    return made;
  }

  #sameKey(slot: number, ids: Int32Array, at: number): boolean {
    const w = this.#width;
    const keys = this.#keys;
    const o = slot * w;
    for (let j = 0; j < w; j++) if (keys[o + j] !== ids[at + j]) return false;
    return true;
  }

  #grow(): void {
    const w = this.#width;
    const oldKeys = this.#keys;
    const oldValues = this.#values;
    const capacity = oldValues.length * 2;
    this.#keys = new Int32Array(capacity * w);
    this.#values = new Array<T | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
    for (let s = 0; s < oldValues.length; s++) {
      const v = oldValues[s];
      if (v === undefined) continue;
      let slot = hashIds(oldKeys, s * w, w) & this.#mask;
      while (this.#values[slot] !== undefined) slot = (slot + 1) & this.#mask;
      this.#keys.set(oldKeys.subarray(s * w, s * w + w), slot * w);
      this.#values[slot] = v;
    }
  }
}

function hashIds(ids: Int32Array, at: number, width: number): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < width; j++) {
    h = Math.imul(h ^ (ids[at + j] ?? 0), 0x9e3779b1);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** The interner every decode of this process shares. */
export const setInterner = new SetInterner();
