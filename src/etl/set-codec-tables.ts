/**
 * The string table and label sets of an encoded set (the frame is set-codec.ts): strings and
 * label sets interned while encoding, looked up and checked against their tables while decoding.
 */
import type { Window } from '../window.js';
import type { ReconcileStamp } from './sets.js';
import { SetCodecError, type Header, type Unpacked } from './set-codec.js';
import { define } from './own-property.js';
import { setInterner } from './set-codec-interning.js';

/** Interns strings and label sets while encoding. */
export class Tables {
  readonly strings: string[] = [];
  readonly labels: number[][] = [];
  readonly #stringIndex = new Map<string, number>();
  readonly #labelsByObject = new Map<Record<string, string>, number>();
  readonly #labelsByContent = new Map<string, number>();

  str(s: string | undefined): number {
    if (s === undefined) return -1;
    let i = this.#stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.#stringIndex.set(s, i);
    }
    return i;
  }

  labelSet(labels: Record<string, string> | undefined): number {
    if (labels === undefined) return -1;
    let i = this.#labelsByObject.get(labels);
    if (i !== undefined) return i;
    const flat: number[] = [];
    for (const k of Object.keys(labels)) flat.push(this.str(k), this.str(labels[k]));
    const content = flat.join(',');
    i = this.#labelsByContent.get(content);
    if (i === undefined) {
      i = this.labels.length;
      this.labels.push(flat);
      this.#labelsByContent.set(content, i);
    }
    this.#labelsByObject.set(labels, i);
    return i;
  }

  header(set: { cluster: string; window: Window; reconciled?: ReconcileStamp }, names: (string | null)[]): Header {
    return {
      cluster: set.cluster,
      window: [set.window.start, set.window.end],
      reconciled: set.reconciled === undefined ? null : [set.reconciled.source, set.reconciled.at],
      n: names.length,
      strings: this.strings,
      labels: this.labels,
      names,
    };
  }
}

/** Writes string-table indexes into int columns, remembering each column's last value (sorted records repeat them in runs). */
export class PropertyColumns {
  readonly #last: (string | undefined)[] = [];
  readonly #lastIndex: number[] = [];

  constructor(
    private readonly tables: Tables,
    private readonly ints: Int32Array,
    private readonly n: number,
  ) {}

  put(col: number, i: number, value: string | undefined): void {
    let index = this.#lastIndex[col];
    if (index === undefined || this.#last[col] !== value) {
      index = this.tables.str(value);
      this.#last[col] = value;
      this.#lastIndex[col] = index;
    }
    this.ints[col * this.n + i] = index;
  }
}

/**
 * Reads a decoded payload's records: strings and label sets looked up and checked against their
 * tables. Its strings and label sets are the interner's (set-codec-interning.ts): the same objects
 * in every set decoded while the interner holds them.
 */
export class Reader {
  readonly n: number;
  readonly floats: Float64Array;
  readonly #ints: Int32Array;
  readonly #strings: readonly string[];
  /** The interner's id of each string of the table. */
  readonly #stringIds: Int32Array;
  readonly #names: readonly (string | null)[];
  readonly #labels: Readonly<Record<string, string>>[];
  /** The interner's id of each label set of the table. */
  readonly #labelIds: Int32Array;

  constructor(u: Unpacked) {
    setInterner.begin();
    this.n = u.header.n;
    this.floats = u.floats;
    this.#ints = u.ints;
    const table = u.header.strings;
    this.#stringIds = new Int32Array(table.length);
    const strings = new Array<string>(table.length);
    for (let k = 0; k < table.length; k++) {
      const id = setInterner.stringId(table[k] ?? '');
      this.#stringIds[k] = id;
      strings[k] = setInterner.string(id);
    }
    this.#strings = strings;
    this.#names = u.header.names;
    const sets = u.header.labels;
    this.#labelIds = new Int32Array(sets.length);
    this.#labels = new Array<Readonly<Record<string, string>>>(sets.length);
    for (let k = 0; k < sets.length; k++) {
      const flat = sets[k] ?? [];
      const ids = flat.map((j) => this.#stringIds[j] ?? 0);
      const id = setInterner.labelId(ids, () => {
        const out: Record<string, string> = {};
        for (let j = 0; j < flat.length; j += 2) define(out, strings[flat[j] ?? 0] ?? '', strings[flat[j + 1] ?? 0] ?? '');
        return out;
      });
      this.#labelIds[k] = id;
      this.#labels[k] = setInterner.labels(id) ?? {};
    }
  }

  /**
   * The interner's ids of record `i`'s columns `cols` (string indexes; 0 for absent) and its label
   * set column `labelCol` into `ids`: equal for records with equal properties, in any set decoded
   * while the interner holds them. Checks each index against its table.
   */
  contentIds(cols: number, labelCol: number, i: number, ids: Int32Array): Int32Array {
    for (let c = 0; c < cols; c++) {
      const k = this.int(c, i);
      ids[c] = k === -1 ? 0 : this.#stringIds[k] ?? this.#outside('string index', k, i);
    }
    const k = this.int(labelCol, i);
    ids[cols] = k === -1 ? 0 : this.#labelIds[k] ?? this.#outside('label set', k, i);
    return ids;
  }

  #outside(what: string, k: number, i: number): never {
    throw new SetCodecError(`record ${i}: ${what} ${k} is outside the table`);
  }

  int(col: number, i: number): number {
    return this.#ints[col * this.n + i] ?? -1;
  }

  float(col: number, i: number): number {
    return this.floats[col * this.n + i] ?? Number.NaN;
  }

  str(col: number, i: number): string | undefined {
    const k = this.int(col, i);
    if (k === -1) return undefined;
    const s = this.#strings[k];
    if (s === undefined) throw new SetCodecError(`record ${i}: string index ${k} is outside the table`);
    return s;
  }

  required(col: number, i: number, what: string): string {
    const s = this.str(col, i);
    if (s === undefined) throw new SetCodecError(`record ${i}: ${what} is missing`);
    return s;
  }

  labels(col: number, i: number): Record<string, string> | undefined {
    const k = this.int(col, i);
    if (k === -1) return undefined;
    const l = this.#labels[k];
    if (l === undefined) throw new SetCodecError(`record ${i}: label set ${k} is outside the table`);
    return l;
  }

  name(i: number, derived: string | undefined): string {
    const name = this.#names[i] ?? derived;
    if (name === undefined) throw new SetCodecError(`record ${i}: no name and none derivable from its properties`);
    return name;
  }
}

