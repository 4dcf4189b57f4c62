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

/** How a kubeconfig trusts the server and proves who it is; every field is optional. */
export interface KubeconfigCredentials {
  /** PEM of the CA that signed the server's certificate (`certificate-authority-data`); absent, TLS verification is skipped. */
  readonly ca?: string;
  /** The bearer token; default `fake-token` unless a client certificate is given. */
  readonly token?: string;
  /** PEM certificate and key (`client-certificate-data`, `client-key-data`). */
  readonly clientCert?: { readonly cert: string; readonly key: string };
  /** A credential plugin (`exec`, as EKS's and GKE's kubeconfigs name one) that prints an ExecCredential. */
  readonly exec?: { readonly command: string; readonly args?: readonly string[] };
}

const base64 = (pem: string): string => Buffer.from(pem).toString('base64');

/** The kubeconfig text for an API server at `url`, as kubectl and client-node read it. */
export function kubeconfigYaml(url: string, credentials: KubeconfigCredentials = {}): string {
  const { ca, clientCert, exec } = credentials;
  const token = credentials.token ?? (clientCert === undefined && exec === undefined ? 'fake-token' : undefined);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fake',
    '  cluster:',
    `    server: ${url}`,
    // client-node 1.x refuses an http:// server unless TLS verification is (pointlessly) skipped.
    ca === undefined ? '    insecure-skip-tls-verify: true' : `    certificate-authority-data: ${base64(ca)}`,
    'users:',
    '- name: fake',
    '  user:',
    ...(token === undefined ? [] : [`    token: ${token}`]),
    ...(clientCert === undefined ? [] : [`    client-certificate-data: ${base64(clientCert.cert)}`, `    client-key-data: ${base64(clientCert.key)}`]),
    ...(exec === undefined
      ? []
      : ['    exec:', '      apiVersion: client.authentication.k8s.io/v1', `      command: ${JSON.stringify(exec.command)}`, `      args: ${JSON.stringify(exec.args ?? [])}`, '      interactiveMode: Never']),
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
export async function writeKubeconfig(url: string, dir?: string, credentials?: KubeconfigCredentials): Promise<FakeKubeconfig> {
  const base = dir ?? (await mkdtemp(join(tmpdir(), 'fake-kube-')));
  const path = join(base, 'kubeconfig');
  await writeFile(path, kubeconfigYaml(url, credentials), { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  return {
    path,
    kubeConfig,
    remove: () => rm(dir === undefined ? base : path, { recursive: true, force: true }),
  };
}
