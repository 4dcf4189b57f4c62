import { readFileSync, statSync, watch as fsWatch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Clock, TimerHandle } from './clock.js';
import { errorMessage } from './errors.js';

/** The slice of a pino logger a reloading file logs through. */
export interface ReloadLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** A stop function for a watch. */
export interface Watching {
  close(): void;
}

/** Watches a directory, calling `onChange` on any change in it (fs.watch, or a test's fake). */
export type WatchDirectory = (dir: string, onChange: () => void, onError: (err: Error) => void) => Watching;

/** fs.watch on the directory, which outlives the file: a ConfigMap or Secret update swaps a symlink, replacing the file. */
export const watchDirectory: WatchDirectory = (dir, onChange, onError) => {
  const w = fsWatch(dir, { persistent: false }, () => onChange());
  w.on('error', onError);
  return w;
};

/** How often and how a reloading file looks at its file. */
export interface ReloadTiming {
  /** How often the file is stat'ed besides watching it; default 10 s. */
  readonly pollIntervalMs?: number;
  /** How long after a change event the file is read, so a write in progress is read once, complete; default 100 ms. */
  readonly settleMs?: number;
  readonly watch?: WatchDirectory;
}

/** What a reloading file needs. */
export interface ReloadingFileOptions<T> extends ReloadTiming {
  readonly path: string;
  readonly clock: Clock;
  readonly log: ReloadLogger;
  /** The setting that names the file, for log lines (`CES_TOKENS_FILE`). */
  readonly setting: string;
  /** What the file holds, for the refusal's log line ("keeping the last good grants"). */
  readonly holds: string;
  /** Parses the text; throws saying why it cannot be used. */
  readonly parse: (text: string) => T;
  /** Fields logged with a reload or a refusal (counts, never secrets). */
  readonly describe: (value: T) => Record<string, unknown>;
  /** Told after a good version replaced the previous one. */
  readonly onReload?: (value: T) => void;
}

/** What identifies one version of the file: a swapped symlink or a rewrite changes it. */
function versionOf(path: string): string {
  const s = statSync(path);
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}

/**
 * A settings file reloaded when it changes, without a restart (`CES_TOKENS_FILE`, `NOTIFY_CONFIG`).
 * fs.watch on its directory notices a change at once where it works; a stat every `pollIntervalMs`
 * on the injected clock catches what fs.watch misses (some volumes never report, and a watch can
 * die). A version that does not parse is refused: the last good value stays in force and the reason
 * is logged once.
 */
export class ReloadingFile<T> {
  #value: T;
  #version: string;
  #pollTimer: TimerHandle | undefined;
  #settleTimer: TimerHandle | undefined;
  #watching: Watching | undefined;
  #stopped = false;

  private constructor(
    private readonly o: ReloadingFileOptions<T>,
    initial: T,
    version: string,
  ) {
    this.#value = initial;
    this.#version = version;
  }

  /** Reads the file (its version first, so a change made meanwhile is read again); throws saying why it cannot be used. */
  static open<T>(o: ReloadingFileOptions<T>): ReloadingFile<T> {
    const version = versionOf(o.path);
    return new ReloadingFile(o, o.parse(readFileSync(o.path, 'utf8')), version);
  }

  /** The value in force. */
  get value(): T {
    return this.#value;
  }

  /** Starts watching and polling. */
  start(): void {
    const dir = dirname(this.o.path);
    try {
      this.#watching = (this.o.watch ?? watchDirectory)(dir, () => this.#changed(), (err) => this.#watchFailed(err));
    } catch (err) {
      this.#watchFailed(err as Error);
    }
    this.#schedulePoll();
  }

  /** Stops watching and polling. */
  stop(): void {
    this.#stopped = true;
    this.#watching?.close();
    this.#watching = undefined;
    for (const t of [this.#pollTimer, this.#settleTimer]) if (t !== undefined) this.o.clock.clearTimeout(t);
    this.#pollTimer = undefined;
    this.#settleTimer = undefined;
  }

  /** Reloads when the file's version changed since the last look; what the timers and the watch do. */
  check(): void {
    let version: string;
    try {
      version = versionOf(this.o.path);
    } catch (err) {
      this.#refuse(`unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`, err);
      return;
    }
    if (version === this.#version) return;
    let value: T;
    try {
      value = this.o.parse(readFileSync(this.o.path, 'utf8'));
    } catch (err) {
      this.#refuse(version, err);
      return;
    }
    this.#version = version;
    this.#value = value;
    this.o.log.info({ file: this.o.path, ...this.o.describe(value) }, `${this.o.setting} reloaded`);
    this.o.onReload?.(value);
  }

  /** Keeps the last good value and says why, once per version that fails. */
  #refuse(version: string, err: unknown): void {
    if (version === this.#version) return;
    this.#version = version;
    const reason = errorMessage(err);
    this.o.log.warn({ file: this.o.path, reason, ...this.o.describe(this.#value) }, `${this.o.setting} changed but cannot be used; keeping the last good ${this.o.holds}`);
  }

  #changed(): void {
    if (this.#stopped || this.#settleTimer !== undefined) return;
    this.#settleTimer = this.o.clock.setTimeout(() => {
      this.#settleTimer = undefined;
      this.check();
    }, this.o.settleMs ?? 100);
  }

  #watchFailed(err: Error): void {
    this.o.log.warn({ file: this.o.path, dir: dirname(this.o.path), err: err.message }, `cannot watch the directory of ${basename(this.o.path)}; checking it every poll interval instead`);
  }

  #schedulePoll(): void {
    if (this.#stopped) return;
    this.#pollTimer = this.o.clock.setTimeout(() => {
      this.#pollTimer = undefined;
      this.check();
      this.#schedulePoll();
    }, this.o.pollIntervalMs ?? 10_000);
  }
}
