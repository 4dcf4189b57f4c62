import { realToolAvailable, runTool, type ToolResult } from './real-tools.js';

/** Prometheus's promtool: Debian's `prometheus` package installs it there (`.ci/run` does). */
export const PROMTOOL = process.env['COST_EVENTS_TEST_PROMTOOL'] ?? '/usr/bin/promtool';

/** Whether promtool can run: in CI it must (a missing one fails the run); locally its checks skip loudly. */
export function promtoolAvailable(): boolean {
  return realToolAvailable('promtool', PROMTOOL, "Install Debian's prometheus package (.ci/run does) to check the alert rules and the dashboard queries");
}

/** Runs `promtool args…` in `cwd` and resolves with its exit code and output, whatever the code. */
export function promtool(args: readonly string[], cwd?: string): Promise<ToolResult> {
  return runTool('promtool', PROMTOOL, args, { ...(cwd !== undefined && { cwd }), maxBuffer: 4 * 1024 * 1024 });
}
