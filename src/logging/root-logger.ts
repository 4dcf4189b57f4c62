import type { FastifyServerOptions } from 'fastify';
import { pino, type Logger } from 'pino';
import type { LogTail } from './log-tail.js';
import { tapLog, type LineSink } from './tap-log.js';

/** The process's logger and whether it logs at all. */
export interface RootLogger {
  readonly log: Logger;
  /** False without a logger setting (tests): the app is then given none, as Fastify's `logger: false`. */
  readonly enabled: boolean;
}

/**
 * Makes the logger first, before any part that logs (storage, the token file, the app), from
 * Fastify's logger option: pino with Fastify's defaults (level `info`), its output tapped into
 * `tail` for the bug report. No logger option makes a silent one.
 */
export function rootLogger(option: FastifyServerOptions['logger'], destination: LineSink, tail: LogTail): RootLogger {
  if (option === undefined || option === false) return { log: pino({ level: 'silent' }), enabled: false };
  const options = option === true ? {} : option;
  const tapped = tapLog(options.level ?? 'info', destination, tail);
  return { log: pino({ ...options, level: tapped.level }, tapped.stream), enabled: true };
}
