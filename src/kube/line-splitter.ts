/** The newline byte: never part of a multi-byte UTF-8 sequence, so splitting bytes on it never cuts a character. */
const LF = 0x0a;

/**
 * Splits a byte stream into UTF-8 lines (`\n`, with a `\r` before it dropped; empty lines are
 * skipped), for a watch's newline-delimited JSON. Each chunk is decoded once, from its first byte
 * to its last newline, and the lines are cut from that string: no readline, no string decoder.
 * The bytes after the last newline wait, as Buffers, for the chunk that ends their line, so a
 * line or a character split across chunks comes out whole. A line longer than `maxLineBytes`
 * throws: the stream is not what it claims to be, and holding it would not be bounded.
 */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #maxLineBytes: number;
  /** The start of the line being read, from earlier chunks. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(onLine: (line: string) => void, maxLineBytes: number) {
    this.#onLine = onLine;
    this.#maxLineBytes = maxLineBytes;
  }

  /** Hands on every line the chunk completes. */
  push(chunk: Buffer): void {
    const last = chunk.lastIndexOf(LF);
    if (last === -1) return this.#keep(chunk);
    let from = 0;
    if (this.#pendingBytes > 0) {
      // The first line began in an earlier chunk: join its parts (rare: a chunk holds whole lines).
      from = chunk.indexOf(LF) + 1;
      this.#pending.push(chunk.subarray(0, from - 1));
      this.#flush();
    }
    // Decoded without the last newline, so the commonest chunk, one whole line, is handed on as decoded.
    if (from <= last) this.#lines(chunk.toString('utf8', from, last));
    if (last + 1 < chunk.length) this.#keep(chunk.subarray(last + 1));
  }

  /** The stream ended cleanly: a last line without a newline is a line too. */
  end(): void {
    if (this.#pendingBytes > 0) this.#flush();
  }

  #flush(): void {
    const line = Buffer.concat(this.#pending).toString('utf8');
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#emit(line, 0, line.length);
  }

  /** `text` is whole lines, the last without its newline. */
  #lines(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.#emit(text, start, nl);
      start = nl + 1;
    }
    this.#emit(text, start, text.length);
  }

  #emit(text: string, start: number, end: number): void {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (end > start) this.#onLine(start === 0 && end === text.length ? text : text.slice(start, end));
  }

  #keep(part: Buffer): void {
    this.#pendingBytes += part.length;
    if (this.#pendingBytes > this.#maxLineBytes) throw new Error(`a line longer than ${this.#maxLineBytes} bytes`);
    this.#pending.push(part);
  }
}
