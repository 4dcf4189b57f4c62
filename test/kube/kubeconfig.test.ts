import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClusterConnection } from '../../src/kube/kubeconfig.js';
import { kubeconfigYaml } from '../support/fake-kube/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeconfig-test-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('finding the cluster to watch', () => {
  it('uses the KUBECONFIG file when it is set', async () => {
    const path = await file('config', kubeconfigYaml('http://127.0.0.1:6443'));
    const c = await loadClusterConnection({ env: { KUBECONFIG: path, KUBERNETES_SERVICE_HOST: '10.0.0.1' } });
    expect(c).toMatchObject({ source: 'kubeconfig', path, server: 'http://127.0.0.1:6443' });
  });

  it('merges a KUBECONFIG list, the first file that names something winning', async () => {
    const a = await file('a', kubeconfigYaml('http://127.0.0.1:1111'));
    const b = await file('b', kubeconfigYaml('http://127.0.0.1:2222'));
    const c = await loadClusterConnection({ env: { KUBECONFIG: [join(dir, 'missing'), a, b].join(delimiter) } });
    expect(c).toMatchObject({ source: 'kubeconfig', server: 'http://127.0.0.1:1111' });
  });

  it('calls a KUBECONFIG that points nowhere invalid, naming the variable', async () => {
    const c = await loadClusterConnection({ env: { KUBECONFIG: join(dir, 'nope') } });
    expect(c).toEqual({ source: 'invalid', reason: `KUBECONFIG=${join(dir, 'nope')}: no such file (expected a path to a kubeconfig file)` });
  });

  it('calls a KUBECONFIG that is not a kubeconfig invalid', async () => {
    const path = await file('bad', 'clusters: [: oops');
    const c = await loadClusterConnection({ env: { KUBECONFIG: path } });
    expect(c.source).toBe('invalid');
    expect(c.source === 'invalid' && c.reason).toMatch(/^KUBECONFIG=.*cannot be read as a kubeconfig/);
  });

  it('refuses a plain http server without insecure-skip-tls-verify, saying how to fix it', async () => {
    const path = await file('config', kubeconfigYaml('http://127.0.0.1:6443').replace('    insecure-skip-tls-verify: true\n', ''));
    const c = await loadClusterConnection({ env: { KUBECONFIG: path } });
    expect(c.source === 'invalid' && c.reason).toMatch(/uses http:\/\/ which the client accepts only with insecure-skip-tls-verify: true$/);
  });

  it('uses the service account when running in a cluster', async () => {
    await file('token', 'sa-token');
    await file('namespace', 'cost\n');
    await file('ca.crt', 'not read until a TLS handshake');
    const c = await loadClusterConnection({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir });
    expect(c).toMatchObject({ source: 'in-cluster', server: 'https://10.96.0.1:443' });
    if (c.source !== 'in-cluster') return;
    expect(c.kubeConfig.getContextObject(c.kubeConfig.getCurrentContext())?.namespace).toBe('cost');
    const opts: { headers?: Record<string, string> } = { headers: {} };
    await c.kubeConfig.applyToHTTPSOptions(opts);
    expect(opts.headers?.['Authorization']).toBe('Bearer sa-token');
  });

  it('brackets an IPv6 service host', async () => {
    await file('token', 't');
    const c = await loadClusterConnection({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: dir });
    expect(c).toMatchObject({ source: 'in-cluster', server: 'https://[fd00::1]:443' });
  });

  it('says there is no cluster, without throwing, when neither is there', async () => {
    expect(await loadClusterConnection({ env: {}, serviceAccountDir: dir })).toEqual({
      source: 'none',
      reason: 'KUBECONFIG is not set and KUBERNETES_SERVICE_HOST is not set (not running in a cluster)',
    });
    expect(await loadClusterConnection({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, serviceAccountDir: dir })).toEqual({
      source: 'none',
      reason: `KUBECONFIG is not set and the service-account token ${join(dir, 'token')} does not exist`,
    });
  });
});
