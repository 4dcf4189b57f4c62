/** Bounds of a {@link LogTail}. */
export interface LogTailLimits {
  /** Lines kept at most; default 200. */
  readonly maxLines?: number;
  /** Bytes kept at most, over all lines; default 256 KiB. */
  readonly maxBytes?: number;
  /** A longer line is cut to this many bytes; default 16 KiB. */
  readonly maxLineBytes?: number;
}

/**
 * The most recent log lines, bounded by count and by bytes, oldest dropped first: the warnings
 * and errors a bug report carries. Lines are kept as written (JSON text), never parsed here.
 */
export class LogTail {
  readonly #maxLines: number;
  readonly #maxBytes: number;
  readonly #maxLineBytes: number;
  readonly #lines: { readonly text: string; readonly bytes: number }[] = [];
  #bytes = 0;
  #dropped = 0;

  constructor(limits: LogTailLimits = {}) {
    this.#maxLines = limits.maxLines ?? 200;
    this.#maxBytes = limits.maxBytes ?? 256 * 1024;
    this.#maxLineBytes = Math.min(limits.maxLineBytes ?? 16 * 1024, this.#maxBytes);
  }

  /** Keeps `line` (without its trailing newline), dropping the oldest lines past the bounds. */
  push(line: string): void {
    let text = line.endsWith('\n') ? line.slice(0, -1) : line;
    let bytes = Buffer.byteLength(text);
    if (bytes > this.#maxLineBytes) {
      const cut = Buffer.from(text).subarray(0, this.#maxLineBytes).toString('utf8').replace(/\uFFFD$/, '');
      text = `${cut}… (${bytes - Buffer.byteLength(cut)} more bytes cut)`;
      bytes = Buffer.byteLength(text);
    }
    this.#lines.push({ text, bytes });
    this.#bytes += bytes;
    while (this.#lines.length > this.#maxLines || this.#bytes > this.#maxBytes) {
      const oldest = this.#lines.shift();
      if (oldest === undefined) break;
      this.#bytes -= oldest.bytes;
      this.#dropped++;
    }
  }

  /** The lines held, oldest first. */
  lines(): string[] {
    return this.#lines.map((l) => l.text);
  }

  /** Lines dropped to stay within the bounds since start. */
  get dropped(): number {
    return this.#dropped;
  }
}
