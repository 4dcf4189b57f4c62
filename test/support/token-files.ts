import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WatchDirectory } from '../../src/cloud-eye/token-file.js';

/** A directory laid out as Kubernetes mounts a ConfigMap or Secret: the file is a symlink through `..data`, swapped on update. */
export interface MountedFile {
  /** The path the server is given (`<dir>/tokens.json`). */
  readonly path: string;
  /** Publishes a new version as the kubelet does: a new directory, then `..data` swapped to it in one rename. */
  update(text: string): void;
  cleanup(): void;
}

/** A ConfigMap-style mount holding `text` as tokens.json, and each of `beside` (name → content) as another key of the same Secret. */
export function mountedFile(text: string, beside: Readonly<Record<string, string>> = {}): MountedFile {
  const dir = mkdtempSync(join(tmpdir(), 'ces-tokens-'));
  let version = 0;
  const publish = (t: string) => {
    const target = `..v${++version}`;
    mkdirSync(join(dir, target));
    writeFileSync(join(dir, target, 'tokens.json'), t);
    for (const [name, content] of Object.entries(beside)) writeFileSync(join(dir, target, name), content);
    symlinkSync(target, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  publish(text);
  for (const name of ['tokens.json', ...Object.keys(beside)]) symlinkSync(join('..data', name), join(dir, name));
  return { path: join(dir, 'tokens.json'), update: publish, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A stand-in for fs.watch that the test fires by hand. */
export function manualWatch(): { watch: WatchDirectory; fire(): void; readonly watching: number } {
  const listeners = new Set<() => void>();
  return {
    watch: (_dir, onChange) => {
      listeners.add(onChange);
      return { close: () => listeners.delete(onChange) };
    },
    fire: () => {
      for (const l of listeners) l();
    },
    get watching() {
      return listeners.size;
    },
  };
}

/** A logger that keeps what it is told. */
export function recordingLog(): { info: (o: Record<string, unknown>, m: string) => void; warn: (o: Record<string, unknown>, m: string) => void; lines: { level: string; msg: string; obj: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
  };
}
