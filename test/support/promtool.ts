import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { inCi } from './postgres.js';

/** Prometheus's promtool: Debian's `prometheus` package installs it there (`.ci/run` does). */
export const PROMTOOL = process.env['COST_EVENTS_TEST_PROMTOOL'] ?? '/usr/bin/promtool';

/**
 * Whether promtool can run. In CI it must: a missing promtool fails the run. Locally, a missing
 * promtool skips the suites that need it, with a message nobody can miss.
 */
export function promtoolAvailable(): boolean {
  try {
    accessSync(PROMTOOL, constants.X_OK);
    return true;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (inCi()) throw new Error(`promtool at ${PROMTOOL} is missing (${reason}); in CI the rule and dashboard checks must run, never skip`);
    const line = '!'.repeat(100);
    process.stderr.write(`\n${line}\n!! SKIPPING the promtool checks (alert rules, dashboard queries): ${PROMTOOL} is missing.\n!! Install Debian's prometheus package (.ci/run does) to run them; in CI (CI=true) this fails instead.\n${line}\n\n`);
    return false;
  }
}

/** What a promtool run printed and how it ended. */
export interface PromtoolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `promtool args…` in `cwd` and resolves with its exit code and output, whatever the code. */
export function promtool(args: readonly string[], cwd?: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    execFile(PROMTOOL, args, { cwd, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      // An exit code is an answer; no code (not found, killed at the timeout) is a failure to run.
      if (err === null) resolve({ code: 0, stdout, stderr });
      else if (typeof err.code === 'number') resolve({ code: err.code, stdout, stderr });
      else reject(new Error(`promtool ${args.join(' ')} did not run: ${err.message}`));
    });
  });
}
