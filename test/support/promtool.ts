import { execFile } from 'node:child_process';
import { realToolAvailable } from './real-tools.js';

/** Prometheus's promtool: Debian's `prometheus` package installs it there (`.ci/run` does). */
export const PROMTOOL = process.env['COST_EVENTS_TEST_PROMTOOL'] ?? '/usr/bin/promtool';

/** Whether promtool can run: in CI it must (a missing one fails the run); locally its checks skip loudly. */
export function promtoolAvailable(): boolean {
  return realToolAvailable('promtool', PROMTOOL, "Install Debian's prometheus package (.ci/run does) to check the alert rules and the dashboard queries");
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
