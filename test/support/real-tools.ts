import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { inCi } from './ci.js';

/**
 * Whether a real program the suite tests against (nginx, promtool) is installed. In CI it must
 * be (`.ci/run` installs it): a missing one fails the run. Locally, its tests are skipped, with a
 * message nobody can miss.
 */
export function realToolAvailable(name: string, path: string, installHint: string): boolean {
  if (isExecutable(path)) return true;
  if (inCi()) throw new Error(`${name} is not installed at ${path}; in CI the tests against the real ${name} must run, never skip`);
  const line = '!'.repeat(100);
  process.stderr.write(`\n${line}\n!! SKIPPING the tests against the real ${name}: ${path} is missing.\n!! ${installHint}; in CI (CI=true) this fails instead.\n${line}\n\n`);
  return false;
}

/** Whether `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What a run of a real tool printed and how it ended. */
export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run a real tool: its working directory and environment (absent: this process's), the most output kept. */
export interface ToolOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly maxBuffer: number;
}

/**
 * Runs `path args…` without blocking the event loop (a fake server the tool talks to may answer
 * from this process), with a 60 s timeout. An exit code is an answer, resolved whatever it is; no
 * code (not found, killed at the timeout) rejects, naming `name`.
 */
export function runTool(name: string, path: string, args: readonly string[], options: ToolOptions): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { ...options, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err === null) resolve({ code: 0, stdout, stderr });
      else if (typeof err.code === 'number') resolve({ code: err.code, stdout, stderr });
      else reject(new Error(`${name} ${args.join(' ')} did not run: ${err.message}`));
    });
  });
}

/** A loopback port free now (the listener is closed before returning, so the caller can bind it). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
