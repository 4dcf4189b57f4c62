import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** A kubeconfig written to disk for the fake, and the client-node config loaded from it. */
export interface FakeKubeconfig {
  readonly path: string;
  readonly kubeConfig: KubeConfig;
  /** Deletes the file and its temporary directory. */
  remove(): Promise<void>;
}

/** The kubeconfig text for an API server at `url`, as kubectl and client-node read it. */
export function kubeconfigYaml(url: string): string {
  // client-node 1.x refuses an http:// server unless TLS verification is (pointlessly) skipped.
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fake',
    '  cluster:',
    `    server: ${url}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: fake',
    '  user:',
    '    token: fake-token',
    'contexts:',
    '- name: fake',
    '  context:',
    '    cluster: fake',
    '    user: fake',
    '    namespace: default',
    'current-context: fake',
    '',
  ].join('\n');
}

/** Writes a kubeconfig for `url` to a fresh temporary directory (or `dir`) and loads it. */
export async function writeKubeconfig(url: string, dir?: string): Promise<FakeKubeconfig> {
  const base = dir ?? (await mkdtemp(join(tmpdir(), 'fake-kube-')));
  const path = join(base, 'kubeconfig');
  await writeFile(path, kubeconfigYaml(url), { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return {
    path,
    kubeConfig,
    remove: () => rm(dir === undefined ? base : path, { recursive: true, force: true }),
  };
}
