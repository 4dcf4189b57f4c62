import type { LogTail } from './log-tail.js';

/** Pino's numeric levels by name; `silent` logs nothing. */
export const LOG_LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

const WARN = 40;

/** Where log lines go: process.stdout, or a test's sink. */
export interface LineSink {
  write(line: string): unknown;
}

/** The pino options of a logger whose output is tapped. */
export interface TappedLogger {
  /** The level pino logs at: the configured one, or `warn` when that is quieter, so the tail always has warnings. */
  readonly level: string;
  /** The destination pino writes every line to (Fastify's `logger.stream`). */
  readonly stream: LineSink;
}

/**
 * Tees the log: every line at or above the configured level to `out`, as before, and every
 * warning and error also into `tail`, whatever the configured level (`LOG_LEVEL=error` still
 * keeps the warnings a bug report needs). Pino writes each line whole, starting `{"level":<n>`,
 * so the level is read from that prefix without parsing the line.
 */
export function tapLog(level: string, out: LineSink, tail: LogTail): TappedLogger {
  const outLevel = LOG_LEVEL_VALUES[level] ?? LOG_LEVEL_VALUES['info'] ?? 30;
  const stream: LineSink = {
    write(line: string) {
      const m = /^\{"level":(\d+)/.exec(line);
      // A line without the prefix (another formatter) is never hidden, and kept in case it matters.
      const n = m?.[1] === undefined ? Infinity : Number(m[1]);
      if (n >= outLevel || n === Infinity) out.write(line);
      if (n >= WARN) tail.push(line);
    },
  };
  return { level: outLevel > WARN ? 'warn' : level, stream };
}
