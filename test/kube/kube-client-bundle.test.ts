import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { Agent } from 'node:https';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleKubeClient, unsharedPackages, type KubeClientBundle } from '../../scripts/bundle-kube-client.js';
import { getObject, namespacedObjectPath } from '../../src/kube/get-object.js';
import { kubeClientLoaded, type KubeConfigClass } from '../../src/kube/kube-client.js';
import { KUBE_KINDS } from '../../src/kube/kinds.js';
import { deploymentObject, FakeKubeServer, kubeconfigYaml, type KubeconfigCredentials } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { makeTestPki, opensslAvailable, type TestPki } from '../support/test-pki.js';

// The compiled server does not load @kubernetes/client-node whole: `npm run build` bundles its
// KubeConfig without the generated API clients and models (scripts/bundle-kube-client.ts), and
// dist/kube/kube-client.js loads that bundle. Every other test runs from src/ against the package,
// so here the bundle is built as the build builds it and held to the package: the same files but
// the generated ones, the same request options for every kind of credential, and a real request
// over TLS with a client certificate.

/** Inside the repository, so the bundle's imports of other packages resolve from its node_modules. */
const dir = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'cost-events-tests', `kube-client-${process.pid}`);
let bundle: KubeClientBundle;
let Bundled: KubeConfigClass;

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
  bundle = await bundleKubeClient(join(dir, 'kube-client.js'));
  Bundled = ((await import(pathToFileURL(bundle.outfile).href)) as { KubeConfig: KubeConfigClass }).KubeConfig;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the build's bundle of client-node's KubeConfig", () => {
  it('holds config.js and its auth providers, and none of the generated API clients, models or typed APIs', () => {
    expect(bundle.inputs).toEqual(expect.arrayContaining(['config.js', 'config_types.js', 'exec_auth.js', 'file_auth.js', 'oidc_auth.js', 'azure_auth.js', 'gcp_auth.js', 'gen/configuration.js', 'gen/servers.js']));
    expect(bundle.inputs.filter((p) => /^gen\/(apis|models|types)\//.test(p) || p === 'gen/index.js')).toEqual([]);
    // A few files, where the package's entry loads about 800.
    expect(bundle.inputs.length).toBeLessThan(30);
  });

  it('is built only where it finds the packages client-node finds, not a version nested under client-node', async () => {
    // A tree as npm lays one out: a package at the top, another version of it under client-node.
    const tree = join(dir, 'tree');
    const pkg = async (at: string): Promise<void> => {
      await mkdir(at, { recursive: true });
      await writeFile(join(at, 'package.json'), '{}');
    };
    const clientDist = join(tree, 'node_modules', '@kubernetes', 'client-node', 'dist');
    await mkdir(clientDist, { recursive: true });
    await pkg(join(tree, 'node_modules', 'js-yaml'));
    await pkg(join(tree, 'node_modules', '@scope', 'shared'));
    const vendor = join(tree, 'dist', 'vendor');
    await mkdir(vendor, { recursive: true });
    expect(unsharedPackages(clientDist, vendor, ['js-yaml', '@scope/shared/sub', 'node:fs', 'url'])).toEqual([]);
    await pkg(join(tree, 'node_modules', '@kubernetes', 'client-node', 'node_modules', 'js-yaml'));
    expect(unsharedPackages(clientDist, vendor, ['js-yaml', '@scope/shared/sub'])).toEqual([
      `js-yaml: ${join(tree, 'node_modules', '@kubernetes', 'client-node', 'node_modules', 'js-yaml')} against ${join(tree, 'node_modules', 'js-yaml')}`,
    ]);
  });

  it('is what compiled code loads when it sits beside it, and its absence is told apart from running from src/', async () => {
    const compiled = join(dir, 'layout', 'dist');
    await mkdir(join(compiled, 'kube'), { recursive: true });
    const moduleUrl = pathToFileURL(join(compiled, 'kube', 'kube-client.js')).href;
    expect(kubeClientLoaded(moduleUrl)).toBe('package, no bundle in the build');
    await mkdir(join(compiled, 'vendor'), { recursive: true });
    await writeFile(join(compiled, 'vendor', 'kube-client.js'), 'export {};\n');
    expect(kubeClientLoaded(moduleUrl)).toBe('bundle');
    // This test runs from src/, where there is no bundle and the package is meant.
    expect(kubeClientLoaded()).toBe('package');
  });

  /** A PEM option as text (client-node gives Buffers). */
  const pemText = (v: unknown): string | undefined => (Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v));

  /** What a request is sent with: the headers and the TLS settings client-node puts on its agent. */
  async function requestOptions(Class: KubeConfigClass, yaml: string): Promise<Record<string, unknown>> {
    const kc = new Class();
    kc.loadFromString(yaml);
    const options: { headers?: Record<string, unknown>; agent?: Agent } = { headers: {} };
    await kc.applyToHTTPSOptions(options);
    const agent = options.agent;
    const tls = agent?.options ?? {};
    return {
      headers: options.headers,
      agent: agent?.constructor.name,
      ca: pemText(tls.ca),
      cert: pemText(tls.cert),
      key: pemText(tls.key),
      rejectUnauthorized: tls.rejectUnauthorized,
    };
  }

  const pem = (label: string) => `-----BEGIN ${label}-----\nMIIB${label.length}\n-----END ${label}-----\n`;
  const execScript = join(dir, 'credential.mjs');
  const cases: [string, () => KubeconfigCredentials][] = [
    ['a bearer token, TLS unverified', () => ({ token: 'token-1' })],
    ['a bearer token and the cluster CA', () => ({ ca: pem('CERTIFICATE'), token: 'token-2' })],
    ['a client certificate and key', () => ({ ca: pem('CERTIFICATE'), clientCert: { cert: pem('CERTIFICATE'), key: pem('PRIVATE KEY') } })],
    ['an exec credential plugin', () => ({ ca: pem('CERTIFICATE'), exec: { command: process.execPath, args: [execScript] } })],
  ];

  it.each(cases)('computes the same request options as the package from a kubeconfig with %s', async (_, credentials) => {
    await writeFile(
      execScript,
      "process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } }));\n",
    );
    const yaml = kubeconfigYaml('https://127.0.0.1:6443', credentials());
    const fromBundle = await requestOptions(Bundled, yaml);
    expect(fromBundle).toEqual(await requestOptions(KubeConfig, yaml));
    // Not vacuous: the credential reached the options.
    expect(JSON.stringify(fromBundle)).toMatch(/token-1|token-2|BEGIN PRIVATE KEY|from-exec/);
  });
});

describe.runIf(opensslAvailable())("the bundle's KubeConfig over TLS", () => {
  let pki: TestPki;
  let fake: FakeKubeServer;

  beforeAll(async () => {
    pki = await makeTestPki();
    fake = await FakeKubeServer.start({ tls: { ...pki.server, clientCa: pki.ca } });
    fake.create('deployments', deploymentObject('shop', 'api'));
  });

  afterAll(async () => {
    await fake.close();
  });

  it('gets an object from an API server that verifies its client certificate, trusting the cluster CA', async () => {
    const kc = new Bundled();
    kc.loadFromString(kubeconfigYaml(fake.url, { ca: pki.ca, clientCert: pki.client }));
    const got = await getObject(kc, namespacedObjectPath(KUBE_KINDS.deployment.path, 'shop', 'api'), { clock: new ManualClock(0), timeoutMs: 5_000, maxBytes: 1024 * 1024 });
    expect(got?.metadata?.name).toBe('api');
    expect(fake.requests.map((r) => r.user)).toEqual(['cert:cost-events']);
  });
});
