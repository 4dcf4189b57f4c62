import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
/** tsx's loader by path, so a child started in another working directory still finds it. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The server as a real child process (`node --import tsx src/main.ts`), its output collected. */
export interface ChildServer {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the listen URL once the server logs it. */
  readonly listening: Promise<string>;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

/**
 * Starts the server with `env` added to this process's environment (storage in memory unless
 * `env` names a STORAGE_URL, so no test writes into the repository), in `cwd` if given.
 */
export function startChild(env: Record<string, string>, args: string[] = [], options: { cwd?: string; unset?: readonly string[] } = {}): ChildServer {
  // A setting left unset takes its default (e.g. STORAGE_URL's SQLite file under `cwd`).
  const unset = new Set(options.unset ?? []);
  const full = Object.fromEntries(
    Object.entries({ ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', STORAGE_URL: 'memory:', ...env }).filter(([name]) => !unset.has(name)),
  );
  const proc = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    env: full,
    stdio: 'pipe',
    ...(options.cwd !== undefined && { cwd: options.cwd }),
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const listening = new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    proc.on('exit', () => reject(new Error(`server exited before listening: ${err}${out}`)));
  });
  listening.catch(() => undefined);
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { proc, stdout: () => out, stderr: () => err, listening, exited };
}
