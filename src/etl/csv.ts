/**
 * RFC 4180 CSV, read from text that arrives in chunks: each record is handed on as it is
 * completed, so nothing holds more than the record being read. Knows nothing of what the
 * columns mean (focus-csv.ts reads FOCUS exports on top of it).
 */

/** A CSV syntax fault at a physical line (1-based). */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  readonly line: number;
  /** What was wrong, without the line. */
  readonly reason: string;

  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.line = line;
    this.reason = reason;
  }
}

/** Receives each record with the physical line it starts on. */
export type CsvRecordHandler = (fields: string[], line: number) => void;

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;
const BOM = 0xfeff;

const enum State {
  /** At the start of a field. */
  FieldStart,
  /** Inside an unquoted field. */
  Unquoted,
  /** Inside a quoted field. */
  Quoted,
  /** A quote inside a quoted field: the closing quote, or the first of a doubled one. */
  QuotedQuote,
  /** After a field's closing quote: only a delimiter or a line end may follow. */
  Closed,
  /** After a CR that ended a record: an LF here belongs to it. */
  AfterCr,
}

/**
 * RFC 4180 CSV, fed in chunks of any size (a chunk may end anywhere, even inside a CRLF or a
 * quoted field): fields separated by commas, records by CRLF, LF or a lone CR; a field in double
 * quotes may hold commas, line breaks and doubled quotes (`""`). A UTF-8 byte order mark at the
 * start is dropped. Blank lines are skipped. A quote inside an unquoted field, text after a
 * closing quote, and a quoted field still open at the end are CsvSyntaxErrors naming the line.
 * Linear in the input; holds only the record being read.
 */
export class CsvParser {
  readonly #onRecord: CsvRecordHandler;
  #state = State.FieldStart;
  #fields: string[] = [];
  #field = '';
  #quotedField = false;
  /** The physical line being read (1-based). */
  #line = 1;
  #recordLine = 1;
  #quoteLine = 1;
  #atFileStart = true;

  constructor(onRecord: CsvRecordHandler) {
    this.#onRecord = onRecord;
  }

  /** Parses the next chunk; records completed in it are handed on before this returns. */
  write(chunk: string): void {
    const n = chunk.length;
    let i = 0;
    if (this.#atFileStart && n > 0) {
      this.#atFileStart = false;
      if (chunk.charCodeAt(0) === BOM) i = 1;
    }
    while (i < n) {
      switch (this.#state) {
        case State.Quoted: {
          let j = i;
          for (let c = chunk.charCodeAt(j); c !== QUOTE; c = chunk.charCodeAt(j)) {
            if (c === LF) this.#line++;
            if (++j === n) break;
          }
          this.#field += chunk.slice(i, j);
          if (j === n) return;
          this.#state = State.QuotedQuote;
          i = j + 1;
          break;
        }
        case State.QuotedQuote:
          if (chunk.charCodeAt(i) === QUOTE) {
            this.#field += '"';
            this.#state = State.Quoted;
            i++;
          } else {
            this.#state = State.Closed;
          }
          break;
        case State.AfterCr:
          this.#state = State.FieldStart;
          if (chunk.charCodeAt(i) === LF) i++;
          break;
        case State.Unquoted: {
          let j = i;
          let c = chunk.charCodeAt(j);
          while (c !== COMMA && c !== LF && c !== CR && c !== QUOTE) {
            if (++j === n) break;
            c = chunk.charCodeAt(j);
          }
          this.#field += chunk.slice(i, j);
          if (j === n) return;
          if (c === QUOTE) throw new CsvSyntaxError(this.#line, 'a double quote inside an unquoted field; a field holding quotes must be quoted whole, with each quote doubled ("a ""b"" c")');
          i = this.#delimiter(c, j);
          break;
        }
        case State.FieldStart:
        case State.Closed: {
          const c = chunk.charCodeAt(i);
          if (c === COMMA || c === LF || c === CR) {
            i = this.#delimiter(c, i);
          } else if (this.#state === State.Closed) {
            throw new CsvSyntaxError(this.#line, `${JSON.stringify(chunk[i])} after the closing quote of a field; a quoted field ends at a comma or a line end`);
          } else if (c === QUOTE) {
            this.#quotedField = true;
            this.#quoteLine = this.#line;
            this.#state = State.Quoted;
            i++;
          } else {
            this.#state = State.Unquoted;
          }
          break;
        }
      }
    }
  }

  /** Ends the input: hands on a last record without a line end; throws for a quoted field left open. */
  end(): void {
    if (this.#state === State.Quoted) {
      throw new CsvSyntaxError(this.#quoteLine, 'a quoted field is never closed (unterminated quote); close it with a double quote, and double quotes inside it');
    }
    if (this.#state !== State.AfterCr && (this.#fields.length > 0 || this.#field !== '' || this.#quotedField)) this.#endRecord();
    this.#state = State.FieldStart;
  }

  /** Ends the field at index i (a comma, CR or LF) and returns where to continue. */
  #delimiter(c: number, i: number): number {
    if (c === COMMA) {
      this.#fields.push(this.#field);
      this.#field = '';
      this.#quotedField = false;
      this.#state = State.FieldStart;
      return i + 1;
    }
    this.#endRecord();
    this.#line++;
    this.#recordLine = this.#line;
    this.#state = c === CR ? State.AfterCr : State.FieldStart;
    return i + 1;
  }

  #endRecord(): void {
    const blank = this.#fields.length === 0 && this.#field === '' && !this.#quotedField;
    this.#fields.push(this.#field);
    const fields = this.#fields;
    this.#fields = [];
    this.#field = '';
    this.#quotedField = false;
    if (!blank) this.#onRecord(fields, this.#recordLine);
  }
}

/** Parses a whole CSV text into records (for small texts and tests; files go through CsvParser). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  const p = new CsvParser((fields) => records.push(fields));
  p.write(text);
  p.end();
  return records;
}
