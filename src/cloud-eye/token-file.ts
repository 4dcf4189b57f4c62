import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Clock } from '../clock.js';
import { ReloadingFile, type ReloadLogger, type ReloadTiming } from '../reloading-file.js';
import { TokenGrants, type ReadSecretFile } from './token-grants.js';

export { watchDirectory, type WatchDirectory, type Watching } from '../reloading-file.js';

/** The slice of a pino logger the token file logs through. */
export type TokenFileLogger = ReloadLogger;

/** What the token file needs. */
export interface TokenFileOptions extends ReloadTiming {
  readonly path: string;
  readonly clock: Clock;
  readonly log: TokenFileLogger;
}

/** Reads and parses the file (and the secret key files beside it); throws TokenFileError (or the read's error) saying why it cannot be used. */
export function readTokenFile(path: string): TokenGrants {
  return TokenGrants.parse(readFileSync(path, 'utf8'), besides(path));
}

/** Reads the secret key files named in the grants file from its own directory (a mounted Secret's keys). */
function besides(path: string): ReadSecretFile {
  return (name) => readFileSync(join(dirname(path), name), 'utf8');
}

/**
 * `CES_TOKENS_FILE`, reloaded when it changes, without a restart (see ReloadingFile): a version
 * that does not parse is refused, the last good grants stay in force and the reason is logged once.
 */
export class ReloadingTokenFile {
  private constructor(readonly file: ReloadingFile<TokenGrants>) {}

  /** Reads the file; throws saying why it cannot be used. */
  static open(o: TokenFileOptions): ReloadingTokenFile {
    return new ReloadingTokenFile(
      ReloadingFile.open({
        ...o,
        setting: 'CES_TOKENS_FILE',
        holds: 'grants',
        parse: (text) => TokenGrants.parse(text, besides(o.path)),
        describe: (g) => ({ tokens: g.size, ...(g.accessKeyCount > 0 && { accessKeys: g.accessKeyCount }) }),
      }),
    );
  }

  /** The grants in force. */
  get grants(): TokenGrants {
    return this.file.value;
  }

  /** Starts watching and polling. */
  start(): void {
    this.file.start();
  }

  /** Stops watching and polling. */
  stop(): void {
    this.file.stop();
  }

  /** Reloads when the file's version changed since the last look. */
  check(): void {
    this.file.check();
  }
}
