import { execFile } from 'node:child_process';
import { realToolAvailable } from './real-tools.js';

/**
 * The real kubectl. On this machine /usr/bin/kubectl is Google Cloud SDK's dispatcher, which runs
 * the kubectl release matching the server's version (the fake says 1.30, so kubectl 1.30).
 */
export const KUBECTL = process.env['COST_EVENTS_TEST_KUBECTL'] ?? '/usr/bin/kubectl';

/** Whether kubectl can run: in CI it must (a missing one fails the run); locally its tests skip loudly. */
export function kubectlAvailable(): boolean {
  return realToolAvailable('kubectl', KUBECTL, 'Install kubectl (Debian kubectl, or the Google Cloud SDK) to run kubectl against the fake API server');
}

/** What a kubectl run printed and how it ended. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `kubectl args…` against the cluster of `kubeconfig` without blocking the event loop (the
 * fake API server answers it from this process), with a 10 s request timeout and its discovery
 * cache in `cacheDir`; resolves with the exit code and output, whatever the code.
 */
export function kubectl(kubeconfig: string, cacheDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<KubectlResult> {
  const argv = ['--request-timeout=10s', `--cache-dir=${cacheDir}`, ...args];
  return new Promise((resolve, reject) => {
    execFile(KUBECTL, argv, { timeout: 60_000, maxBuffer: 8 * 1024 * 1024, env: { ...process.env, KUBECONFIG: kubeconfig, ...env } }, (err, stdout, stderr) => {
      if (err === null) resolve({ code: 0, stdout, stderr });
      else if (typeof err.code === 'number') resolve({ code: err.code, stdout, stderr });
      else reject(new Error(`kubectl ${args.join(' ')} did not run: ${err.message}`));
    });
  });
}
