import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { getObject, namespacedObjectPath } from '../../src/kube/get-object.js';
import { KUBE_KINDS } from '../../src/kube/kinds.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { auditEvents } from '../support/audit-events.js';
import { DEFAULT_RESOURCES, deploymentObject, EVENT_RESOURCES, EVENTS_RESOURCE, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { kubectl, kubectlAvailable } from '../support/kubectl.js';
import { ManualClock } from '../support/manual-clock.js';
import { makeTestPki, opensslAvailable, type TestPki } from '../support/test-pki.js';
import { waitFor } from '../support/wait-for.js';
import { harness, type Harness } from './support/loop-harness.js';

// The Kubernetes client as a real cluster meets it: over HTTPS, the server verified against the
// kubeconfig's CA, the client proving itself with a bearer token or a client certificate. Every
// other test talks plain HTTP to the fake (client-node needs insecure-skip-tls-verify for that),
// so this is where the TLS and credential options that client-node computes are shown to reach
// the list pages, the watch stream, single GETs, the Events the notifier writes, and the
// in-cluster configuration (the service account's ca.crt and token). The certificates are made
// per run by the real openssl; the real kubectl checks that the fake's TLS is what it expects of
// an API server.

const haveOpenssl = opensslAvailable();
const haveKubectl = haveOpenssl && kubectlAvailable();
let pki: TestPki;

beforeAll(async () => {
  if (haveOpenssl) pki = await makeTestPki();
});

describe.runIf(haveOpenssl)('the watch loop over TLS', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const seedWeb = (fake: FakeKubeServer): void => void fake.create('deployments', deploymentObject('shop', 'web'));

  /** Starts the loop and waits for its watch; it listed `web`, and the list and the watch authenticated as `user`. */
  async function expectSyncedAs(started: Harness, user: string): Promise<void> {
    started.loop.start();
    await started.watching();
    expect(started.rec.log).toEqual(['sync initial web']);
    expect(started.fake.requests.map((r) => [r.verb, r.user])).toEqual([
      ['list', user],
      ['watch', user],
    ]);
  }

  it('lists and watches over HTTPS, trusting the kubeconfig CA and sending its token', async () => {
    h = await harness(seedWeb, {}, { fake: { tls: pki.server, token: 'sa-token' }, credentials: { ca: pki.ca, token: 'sa-token' } });
    h.loop.start();
    await h.watching();
    h.fake.create('deployments', deploymentObject('shop', 'cart'));
    await waitFor(() => h!.rec.log.length === 2, 'the add');
    expect(h.fake.url).toMatch(/^https:/);
    expect(h.rec.log).toEqual(['sync initial web', 'added cart']);
    expect(h.fake.requests.map((r) => [r.verb, r.user, r.status])).toEqual([
      ['list', 'token', 200],
      ['watch', 'token', 200],
    ]);
  });

  it('takes a list of many pages over one connection (one handshake), closed when the list is done', async () => {
    const seedTen = (fake: FakeKubeServer): void => {
      for (let i = 0; i < 10; i++) fake.create('deployments', deploymentObject('shop', `app-${i}`));
    };
    h = await harness(seedTen, { pageSize: 2 }, { fake: { tls: pki.server, token: 'sa-token' }, credentials: { ca: pki.ca, token: 'sa-token' } });
    h.loop.start();
    await h.watching();
    expect(h.fake.calls('deployments')).toEqual(['list', 'list continue', 'list continue', 'list continue', 'list continue', 'watch rv=11']);
    // Each page still sends the token; the five pages shared one connection, the watch has its own.
    expect(h.fake.requests.every((r) => r.user === 'token')).toBe(true);
    await waitFor(() => h!.fake.connections === 1, 'the list connection to close');
    expect(h.fake.connectionsOpened).toBe(2);
    h.loop.relist();
    await waitFor(() => h!.fake.calls('deployments').length === 12 && h!.fake.connections === 1, 'the relist and its new watch');
    expect(h.fake.connectionsOpened).toBe(4);
  });

  it('authenticates with a client certificate alone, as kubeadm’s admin.conf does', async () => {
    h = await harness(seedWeb, {}, { fake: { tls: { ...pki.server, clientCa: pki.ca } }, credentials: { ca: pki.ca, clientCert: pki.client } });
    await expectSyncedAs(h, 'cert:cost-events');
  });

  it('refuses a server its CA did not sign: no request is sent, the error names the certificate, and it retries', async () => {
    h = await harness(seedWeb, {}, { fake: { tls: pki.server, token: 'sa-token' }, credentials: { ca: pki.otherCa, token: 'sa-token' } });
    h.loop.start();
    await waitFor(() => h!.loop.status().state === 'backoff', 'the loop to back off');
    expect(h.loop.status()).toMatchObject({ synced: false, failures: 1 });
    expect(h.loop.status().lastError).toMatch(/^list: .*certificate/);
    expect(h.fake.requests).toEqual([]);
    await h.retryNow();
    await waitFor(() => h!.loop.status().failures === 2, 'the second attempt');
    expect(h.fake.requests).toEqual([]);
  });

  it('gets its token from an exec credential plugin, as EKS and GKE kubeconfigs do', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exec-plugin-'));
    try {
      // What aws eks get-token and gke-gcloud-auth-plugin print: an ExecCredential with a token.
      const plugin = join(dir, 'get-token');
      const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'exec-token' } });
      await writeFile(plugin, `#!/bin/sh\necho "$1" >> "${join(dir, 'calls')}"\necho '${credential}'\n`, { mode: 0o755 });
      h = await harness(seedWeb, {}, { fake: { tls: pki.server, token: 'exec-token' }, credentials: { ca: pki.ca, exec: { command: plugin, args: ['--cluster=fake'] } } });
      await expectSyncedAs(h, 'token');
      expect((await readFile(join(dir, 'calls'), 'utf8')).split('\n')[0]).toBe('--cluster=fake');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a token the server refuses as 401 Unauthorized and backs off', async () => {
    h = await harness(seedWeb, {}, { fake: { tls: pki.server, token: 'sa-token' }, credentials: { ca: pki.ca, token: 'stale-token' } });
    h.loop.start();
    await waitFor(() => h!.loop.status().state === 'backoff', 'the loop to back off');
    expect(h.loop.status().lastError).toMatch(/^list: .*(401|Unauthorized)/);
    // Refused before it was routed: the fake records the path and the 401 only.
    expect(h.fake.requests.map((r) => [r.path, r.query['limit'], r.status])).toEqual([['/apis/apps/v1/deployments', '500', 401]]);
  });
});

describe.runIf(haveOpenssl)('single requests over TLS', () => {
  let fake: FakeKubeServer;
  let kubeconfig: FakeKubeconfig;
  const clock = new ManualClock();
  beforeAll(async () => {
    fake = await FakeKubeServer.start({ tls: { ...pki.server, clientCa: pki.ca } });
    kubeconfig = await writeKubeconfig(fake.url, undefined, { ca: pki.ca, clientCert: pki.client });
  });
  afterAll(async () => {
    await fake.close();
    await kubeconfig.remove();
  });

  it('GETs one object with the client certificate', async () => {
    const made = fake.create('deployments', deploymentObject('shop', 'api'));
    const got = await getObject(kubeconfig.kubeConfig, namespacedObjectPath(KUBE_KINDS.deployment.path, 'shop', 'api'), { clock, timeoutMs: 5_000, maxBytes: 1024 * 1024 });
    expect(got?.metadata?.uid).toBe(made.metadata.uid);
    expect(fake.requests.at(-1)).toMatchObject({ verb: 'get', user: 'cert:cost-events', status: 200 });
  });

  it.runIf(haveKubectl)('is what the real kubectl expects of an API server: it lists with the client certificate, and refuses another CA', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tls-kubectl-'));
    try {
      const ok = await kubectl(kubeconfig.path, join(dir, 'cache'), ['get', 'deployments', '-n', 'shop', '-o', 'name']);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toBe('deployment.apps/api\n');
      const other = await writeKubeconfig(fake.url, dir, { ca: pki.otherCa, clientCert: pki.client });
      const refused = await kubectl(other.path, join(dir, 'cache-other'), ['get', 'deployments', '-n', 'shop', '-o', 'name']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/x509|certificate/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(haveOpenssl)('the server in a pod: in-cluster configuration over TLS', () => {
  let fake: FakeKubeServer;
  let server: ServerHandle;
  let saDir: string;
  const clock = new ManualClock('2024-05-03T08:00:00.000Z');

  beforeAll(async () => {
    fake = await FakeKubeServer.start({ tls: pki.server, token: 'projected-token', resources: [...DEFAULT_RESOURCES, ...EVENT_RESOURCES] });
    // What the kubelet mounts at /var/run/secrets/kubernetes.io/serviceaccount.
    saDir = await mkdtemp(join(tmpdir(), 'serviceaccount-'));
    await writeFile(join(saDir, 'ca.crt'), pki.ca);
    await writeFile(join(saDir, 'token'), 'projected-token');
    await writeFile(join(saDir, 'namespace'), 'cost-events');
    const notify = join(saDir, 'notify.yaml');
    await writeFile(notify, 'sinks:\n  - {name: cluster, type: kubernetes-events}\nroutes:\n  - {name: all, match: {eventTypes: [add]}, sinks: [cluster]}\n');
    const loaded = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true', NOTIFY_CONFIG: notify });
    if (loaded.help) throw new Error('unexpected help');
    server = await startServer(loaded.config, { clock, env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(fake.port) }, serviceAccountDir: saDir });
    await waitFor(() => server.watchers?.readiness().ready === true, 'the watchers to sync');
  });

  afterAll(async () => {
    await server.close();
    await fake.close();
    await rm(saDir, { recursive: true, force: true });
  });

  it('watches with the service account token, audits a new Deployment, and writes its Kubernetes Event', async () => {
    fake.create('deployments', deploymentObject('shop', 'web', 2, { cpu: '1', memory: '1Gi' }));
    await waitFor(() => {
      clock.advance(0);
      return fake.store.list(EVENTS_RESOURCE).length === 1;
    }, 'the Kubernetes Event');
    const [event] = await auditEvents(server);
    expect(event).toMatchObject({ eventType: 'add', properties: { namespace: 'shop', name: 'web' } });
    const [written] = fake.store.list(EVENTS_RESOURCE);
    expect(written).toMatchObject({ metadata: { namespace: 'shop' }, regarding: { kind: 'Deployment', name: 'web' } });
    // Every request the server made was authenticated by the mounted token; none was refused.
    expect(fake.requests.length).toBeGreaterThan(3);
    expect(fake.requests.filter((r) => r.user !== 'token' || r.status === 401)).toEqual([]);
    expect(new Set(fake.requests.filter((r) => r.method === 'POST').map((r) => r.path))).toEqual(new Set(['/apis/events.k8s.io/v1/namespaces/shop/events']));
  });
});
