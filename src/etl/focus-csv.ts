/**
 * Reading a FinOps FOCUS (v1.0/1.1) cost and usage export in CSV: the extraction of the columns
 * reconciliation needs from the records of the CSV parser (csv.ts), and the bounded, streaming
 * read of the file that also digests it. Nothing here keeps the file's text: each row is handed on
 * as it is parsed.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { parseRfc3339Ms } from '../time.js';
import { CsvParser, CsvSyntaxError } from './csv.js';
import { errorMessage } from '../errors.js';

/** Files larger than this are refused unless the caller says otherwise. */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;

/** What is wrong with a billing export: names the file, the line where known (1-based, the header is line 1), and what is accepted. */
export class BillingExportError extends Error {
  override readonly name = 'BillingExportError';
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, reason: string) {
    super(`billing export ${file}${line === undefined ? '' : `, line ${line}`}: ${reason}`);
    this.file = file;
    this.line = line;
  }
}

/** The columns a FOCUS export must have for reconciliation; names are case-sensitive, as FOCUS column IDs are. */
export const FOCUS_REQUIRED_COLUMNS = ['ResourceId', 'ChargePeriodStart', 'ChargePeriodEnd', 'BilledCost'] as const;

/** The FOCUS date/time forms accepted, in words. */
export const FOCUS_TIME_ACCEPTED =
  'ISO 8601 in UTC, YYYY-MM-DDTHH:mm:ss with optional fractional seconds and Z or +00:00 (or no suffix, read as UTC), such as 2024-05-03T00:00:00Z';
/** The FOCUS numeric forms accepted, in words. */
export const FOCUS_NUMBER_ACCEPTED = 'a decimal number such as 12, -0.5, 1.234 or 35.2E-7 (no currency symbol, thousands separator or leading +)';

const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Epoch ms of a FOCUS date/time (UTC), or undefined when it is not one (fractions past the millisecond are truncated). */
export function parseFocusTime(s: string): number | undefined {
  // FOCUS times are UTC: an offset other than +00:00 is refused, and no zone at all means UTC.
  const zoned = /(?:Z|\+00:00)$/.test(s) ? s : /[+-]\d\d:\d\d$/.test(s) ? undefined : `${s}Z`;
  return zoned === undefined ? undefined : parseRfc3339Ms(zoned);
}

/** A FOCUS decimal, or undefined when it is not one. Accepts a lower-case `e` and a signed exponent beside the spec's forms, which generated exports use. */
export function parseFocusDecimal(s: string): number | undefined {
  if (!DECIMAL.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** One row of a FOCUS export, as far as reconciliation reads it. */
export interface FocusRow {
  /** Empty when the row concerns no resource (ResourceId allows nulls). */
  readonly resourceId: string;
  /** ChargePeriodStart, inclusive, epoch ms. */
  readonly start: number;
  /** ChargePeriodEnd, exclusive, epoch ms; always after start. */
  readonly end: number;
  readonly billedCost: number;
  /** ChargeCategory (`Usage`, `Purchase`, `Tax`, `Credit`, `Adjustment`); absent when the export has no such column. */
  readonly chargeCategory?: string;
  /** BillingCurrency (ISO 4217), absent when the export has no such column. */
  readonly currency?: string;
  /** Where the row starts in the file (1-based, the header is line 1). */
  readonly line: number;
}

type Columns = Record<(typeof FOCUS_REQUIRED_COLUMNS)[number], number> & { chargeCategory: number; currency: number; count: number };

/**
 * The FOCUS rows of a CSV fed in chunks: the first record is the header (columns found by their
 * FOCUS IDs, other columns ignored), every later one becomes a FocusRow. Anything malformed is a
 * BillingExportError naming the file and the line.
 */
export class FocusReader {
  readonly #file: string;
  readonly #onRow: (row: FocusRow) => void;
  readonly #csv: CsvParser;
  #columns: Columns | undefined;

  constructor(file: string, onRow: (row: FocusRow) => void) {
    this.#file = file;
    this.#onRow = onRow;
    this.#csv = new CsvParser((fields, line) => {
      if (this.#columns === undefined) this.#columns = this.#header(fields);
      else this.#row(this.#columns, fields, line);
    });
  }

  write(text: string): void {
    this.#guard(() => this.#csv.write(text));
  }

  end(): void {
    this.#guard(() => this.#csv.end());
    if (this.#columns === undefined) {
      throw new BillingExportError(this.#file, undefined, `the file is empty; expected a FOCUS CSV whose header has ${FOCUS_REQUIRED_COLUMNS.join(', ')}`);
    }
  }

  #guard(f: () => void): void {
    try {
      f();
    } catch (err) {
      if (err instanceof CsvSyntaxError) throw new BillingExportError(this.#file, err.line, err.reason);
      throw err;
    }
  }

  #header(fields: string[]): Columns {
    const at = (name: string): number => {
      const i = fields.indexOf(name);
      if (i !== -1 && fields.indexOf(name, i + 1) !== -1) throw new BillingExportError(this.#file, 1, `the column ${name} appears more than once in the header`);
      return i;
    };
    const missing = FOCUS_REQUIRED_COLUMNS.filter((name) => at(name) === -1);
    if (missing.length > 0) {
      const nearly = missing.flatMap((name) => fields.filter((f) => f.trim().toLowerCase() === name.toLowerCase()).map((f) => `${JSON.stringify(f)} for ${name}`));
      const hint = nearly.length > 0 ? ` (found ${nearly.join(', ')}: FOCUS column names are case-sensitive)` : '';
      throw new BillingExportError(
        this.#file,
        1,
        `the header lacks ${missing.join(', ')}${hint}; a FOCUS export needs the columns ${FOCUS_REQUIRED_COLUMNS.join(', ')} (ChargeCategory and BillingCurrency are read when present, other columns are ignored)`,
      );
    }
    return {
      ResourceId: at('ResourceId'),
      ChargePeriodStart: at('ChargePeriodStart'),
      ChargePeriodEnd: at('ChargePeriodEnd'),
      BilledCost: at('BilledCost'),
      chargeCategory: at('ChargeCategory'),
      currency: at('BillingCurrency'),
      count: fields.length,
    };
  }

  #row(c: Columns, fields: string[], line: number): void {
    if (fields.length !== c.count) {
      throw new BillingExportError(this.#file, line, `the row has ${fields.length} fields where the header has ${c.count}; every row needs one field per column (quote fields that hold commas)`);
    }
    const field = (i: number): string => fields[i] ?? '';
    const start = this.#time(field(c.ChargePeriodStart), 'ChargePeriodStart', line);
    const end = this.#time(field(c.ChargePeriodEnd), 'ChargePeriodEnd', line);
    if (end <= start) {
      throw new BillingExportError(this.#file, line, `ChargePeriodEnd ${field(c.ChargePeriodEnd)} is not after ChargePeriodStart ${field(c.ChargePeriodStart)}; a charge period is [start, end) with end after start`);
    }
    const raw = field(c.BilledCost);
    const billedCost = parseFocusDecimal(raw);
    if (billedCost === undefined) {
      throw new BillingExportError(this.#file, line, `BilledCost ${JSON.stringify(raw.slice(0, 40))} is not a number; accepted: ${FOCUS_NUMBER_ACCEPTED}`);
    }
    this.#onRow({
      resourceId: field(c.ResourceId).trim(),
      start,
      end,
      billedCost,
      ...(c.chargeCategory === -1 ? {} : { chargeCategory: field(c.chargeCategory).trim() }),
      ...(c.currency === -1 ? {} : { currency: field(c.currency).trim() }),
      line,
    });
  }

  #time(raw: string, column: string, line: number): number {
    const t = parseFocusTime(raw.trim());
    if (t === undefined) throw new BillingExportError(this.#file, line, `${column} ${JSON.stringify(raw.slice(0, 40))} is not a FOCUS date/time; accepted: ${FOCUS_TIME_ACCEPTED}`);
    return t;
  }
}

/** Hands on every row of a FOCUS CSV text (`file` names it in errors). */
export function parseFocus(text: string, file: string, onRow: (row: FocusRow) => void): void {
  const r = new FocusReader(file, onRow);
  r.write(text);
  r.end();
}

/** What a read of the file saw: the digest of its bytes and its version, from the descriptor read. */
export interface FocusFileRead {
  /** `sha256:` and the hex SHA-256 of the bytes read. */
  readonly digest: string;
  readonly bytes: number;
  /** Inode, size and mtime (ns) of the file read, as BillingExport compares them. */
  readonly version: string;
}

/** Inode, size and mtime in ns: what tells one version of the file from another without reading it. */
export function fileVersion(st: { ino: bigint; size: bigint; mtimeNs: bigint }): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}`;
}

const CHUNK_BYTES = 1 << 20;

/**
 * Reads a FOCUS CSV file in 1 MiB chunks, digesting and parsing as it goes (never holding the
 * text), and hands on each row. Throws a BillingExportError for a file that is missing,
 * unreadable, not a regular file, larger than `maxBytes` (checked before reading and again while
 * reading, in case it grows) or malformed.
 */
export function readFocusFile(path: string, onRow: (row: FocusRow) => void, maxBytes = DEFAULT_MAX_BYTES): FocusFileRead {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new BillingExportError(path, undefined, ioReason(err));
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) throw new BillingExportError(path, undefined, 'not a regular file; BILLING_EXPORT names a FOCUS CSV file');
    const tooLarge = (size: string): BillingExportError =>
      new BillingExportError(path, undefined, `the file is ${size} bytes, over the limit of ${mebibytes(maxBytes)}; export a shorter period or raise the limit`);
    if (st.size > BigInt(maxBytes)) throw tooLarge(String(st.size));
    const hash = createHash('sha256');
    const decoder = new StringDecoder('utf8');
    const reader = new FocusReader(path, onRow);
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let total = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw new BillingExportError(path, undefined, ioReason(err));
      }
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge(`at least ${total}`);
      const bytes = buf.subarray(0, n);
      hash.update(bytes);
      reader.write(decoder.write(bytes));
    }
    reader.write(decoder.end());
    reader.end();
    return { digest: `sha256:${hash.digest('hex')}`, bytes: total, version: fileVersion(st) };
  } finally {
    closeSync(fd);
  }
}

/** `512 MiB` for whole mebibytes, else `N bytes`. */
function mebibytes(n: number): string {
  return n >= 1048576 && n % 1048576 === 0 ? `${n / 1048576} MiB` : `${n} bytes`;
}

function ioReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file (BILLING_EXPORT names a FOCUS CSV file; it may appear later)';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied: the file cannot be read by this process';
  if (code === 'EISDIR') return 'a directory, not a file; BILLING_EXPORT names a FOCUS CSV file';
  return `cannot be read: ${errorMessage(err)}`;
}
