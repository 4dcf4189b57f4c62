import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getObject, namespacedObjectPath } from '../../src/kube/get-object.js';
import { KubeConnection } from '../../src/kube/kube-request.js';
import { KUBE_KINDS } from '../../src/kube/kinds.js';
import { kubeEventsSink } from '../../src/notify/kube-events-sink.js';
import type { NotifyMessage } from '../../src/notify/message.js';
import { kubeLiveWorkloads } from '../../src/predict/kube-live-workloads.js';
import { DEFAULT_RESOURCES, deploymentObject, EVENT_RESOURCES, EVENTS_RESOURCE, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { makeTestPki, opensslAvailable, type TestPki } from '../support/test-pki.js';
import { waitFor } from '../support/wait-for.js';

// Requests that are not a list or a watch (Predict's lookups of live workloads, the Kubernetes
// Events the notifier writes) go over keep-alive connections of their user, over HTTPS with a
// client certificate as a kubeadm cluster asks for it: the fake counts the TCP connections it
// accepts (each one a TLS handshake) and who each request authenticated as.

const haveOpenssl = opensslAvailable();
const clock = new ManualClock('2024-05-03T08:00:00.000Z');
const limits = { clock, timeoutMs: 5_000, maxBytes: 1024 * 1024 };
const apiPath = (name: string): string => namespacedObjectPath(KUBE_KINDS.deployment.path, 'shop', name);

describe.runIf(haveOpenssl)('keep-alive connections to the API server over TLS', () => {
  let pki: TestPki;
  let fake: FakeKubeServer;
  let kubeconfig: FakeKubeconfig;
  let rotated: FakeKubeconfig;

  beforeAll(async () => {
    pki = await makeTestPki();
    fake = await FakeKubeServer.start({ tls: { ...pki.server, clientCa: pki.ca }, resources: [...DEFAULT_RESOURCES, ...EVENT_RESOURCES] });
    kubeconfig = await writeKubeconfig(fake.url, undefined, { ca: pki.ca, clientCert: pki.client });
    rotated = await writeKubeconfig(fake.url, undefined, { ca: pki.ca, clientCert: pki.rotatedClient });
    for (const name of ['api', 'web', 'cart']) fake.create('deployments', deploymentObject('shop', name));
  });
  afterAll(async () => {
    await fake.close();
    await kubeconfig.remove();
    await rotated.remove();
  });

  /** Connections accepted from here on. */
  let openedBefore = 0;
  beforeEach(async () => {
    await waitFor(() => fake.connections === 0, 'the previous test’s connections to close');
    openedBefore = fake.connectionsOpened;
  });
  const opened = (): number => fake.connectionsOpened - openedBefore;

  it('sends requests one after another over one connection, and close() ends it', async () => {
    const connection = new KubeConnection();
    for (const name of ['api', 'web', 'cart', 'api']) {
      expect((await getObject(kubeconfig.kubeConfig, apiPath(name), limits, connection))?.metadata?.name).toBe(name);
    }
    expect(opened()).toBe(1);
    expect(fake.connections).toBe(1);
    expect(fake.requests.slice(-4).map((r) => [r.verb, r.user, r.status])).toEqual(Array(4).fill(['get', 'cert:cost-events', 200]));
    connection.close();
    await waitFor(() => fake.connections === 0, 'the connection to close');
  });

  it('closes a socket that stays idle for idleMs, and opens another for the next request', async () => {
    const connection = new KubeConnection({ idleMs: 50 });
    await getObject(kubeconfig.kubeConfig, apiPath('api'), limits, connection);
    expect(fake.connections).toBe(1);
    await waitFor(() => fake.connections === 0, 'the idle socket to close');
    expect((await getObject(kubeconfig.kubeConfig, apiPath('web'), limits, connection))?.metadata?.name).toBe('web');
    expect(opened()).toBe(2);
    connection.close();
  });

  it('without a connection, each request has one of its own, closed when it is answered', async () => {
    for (const name of ['api', 'web']) await getObject(kubeconfig.kubeConfig, apiPath(name), limits);
    expect(opened()).toBe(2);
    await waitFor(() => fake.connections === 0, 'both connections to close');
  });

  it('opens a new connection when the client certificate changes, and closes the old one', async () => {
    const connection = new KubeConnection();
    await getObject(kubeconfig.kubeConfig, apiPath('api'), limits, connection);
    await getObject(rotated.kubeConfig, apiPath('web'), limits, connection);
    await getObject(rotated.kubeConfig, apiPath('cart'), limits, connection);
    // The second request proved itself with the new certificate: it could not have reused the first handshake.
    expect(fake.requests.slice(-3).map((r) => r.user)).toEqual(['cert:cost-events', 'cert:cost-events-rotated', 'cert:cost-events-rotated']);
    expect(opened()).toBe(2);
    await waitFor(() => fake.connections === 1, 'the outdated connection to close');
    connection.close();
  });

  it('follows an exec plugin’s short-lived client certificates: the next one after expiry goes on a new connection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exec-cert-'));
    try {
      // What a plugin that issues client certificates prints (ExecCredential status with
      // clientCertificateData and clientKeyData): the first run the first certificate, then its
      // successor; expired at once, so client-node runs the plugin for every request.
      const credential = (pair: { cert: string; key: string }) =>
        JSON.stringify({
          apiVersion: 'client.authentication.k8s.io/v1',
          kind: 'ExecCredential',
          status: { clientCertificateData: pair.cert, clientKeyData: pair.key, expirationTimestamp: '2000-01-01T00:00:00Z' },
        });
      await writeFile(join(dir, 'first.json'), credential(pki.client));
      await writeFile(join(dir, 'next.json'), credential(pki.rotatedClient));
      const plugin = join(dir, 'issue-cert');
      await writeFile(plugin, `#!/bin/sh\ncd "${dir}"\nif [ -e issued ]; then cat next.json; else touch issued; cat first.json; fi\n`, { mode: 0o755 });
      const viaPlugin = await writeKubeconfig(fake.url, dir, { ca: pki.ca, exec: { command: plugin, args: [] } });
      const live = kubeLiveWorkloads({ kubeConfig: viaPlugin.kubeConfig, clock });
      for (const name of ['api', 'web', 'cart']) expect((await live.find('deployment', 'shop', name))?.metadata?.name).toBe(name);
      expect(fake.requests.slice(-3).map((r) => r.user)).toEqual(['cert:cost-events', 'cert:cost-events-rotated', 'cert:cost-events-rotated']);
      expect(opened()).toBe(2);
      await waitFor(() => fake.connections === 1, 'the connection of the expired certificate to close');
      live.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets a request still in flight on the outdated connection finish, then closes it', async () => {
    // A server of our own that holds the first request until told, so the certificate changes while it is in flight.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const sockets = new Set<Socket>();
    let requests = 0;
    const server = createHttpsServer({ ...pki.server, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = req.socket instanceof TLSSocket ? req.socket.getPeerCertificate().subject.CN : '';
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Deployment', metadata: { name: peer } }));
      if (requests++ === 0) void held.then(answer);
      else answer();
    });
    // Idle keep-alive connections stay open on this side (Node's default closes them after 5 s): only the client closes them.
    server.keepAliveTimeout = 60_000;
    server.on('secureConnection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const first = await writeKubeconfig(url, undefined, { ca: pki.ca, clientCert: pki.client });
    const next = await writeKubeconfig(url, undefined, { ca: pki.ca, clientCert: pki.rotatedClient });
    const connection = new KubeConnection();
    try {
      const inFlight = getObject(first.kubeConfig, apiPath('api'), limits, connection);
      await waitFor(() => requests === 1, 'the first request to arrive');
      // The certificate changes: the next request goes on a new connection, the held one stays open.
      expect((await getObject(next.kubeConfig, apiPath('web'), limits, connection))?.metadata?.name).toBe('cost-events-rotated');
      expect(sockets.size).toBe(2);
      release();
      expect((await inFlight)?.metadata?.name).toBe('cost-events');
      await waitFor(() => sockets.size === 1, 'the outdated connection to close once its request is answered');
    } finally {
      connection.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await first.remove();
      await next.remove();
    }
  });

  it('gives a request after close() an agent of its own again', async () => {
    const connection = new KubeConnection();
    await getObject(kubeconfig.kubeConfig, apiPath('api'), limits, connection);
    connection.close();
    expect((await getObject(kubeconfig.kubeConfig, apiPath('web'), limits, connection))?.metadata?.name).toBe('web');
    expect(opened()).toBe(2);
    await waitFor(() => fake.connections === 0, 'both connections to close');
  });

  it('Predict’s lookups of live workloads share connections across requests until the feature closes them', async () => {
    const live = kubeLiveWorkloads({ kubeConfig: kubeconfig.kubeConfig, clock });
    // Three requests one after another, then one that looks up three workloads at once.
    for (const name of ['api', 'web', 'cart']) expect((await live.find('deployment', 'shop', name))?.metadata?.name).toBe(name);
    expect(opened()).toBe(1);
    const found = await Promise.all(['api', 'web', 'cart'].map((name) => live.find('deployment', 'shop', name)));
    expect(found.map((w) => w?.metadata?.name)).toEqual(['api', 'web', 'cart']);
    expect(await live.find('deployment', 'shop', 'gone')).toBeUndefined();
    // At most three at once: the one kept open, and two more.
    expect(opened()).toBeLessThanOrEqual(3);
    live.close();
    await waitFor(() => fake.connections === 0, 'the lookups’ connections to close');
  });

  it('the Kubernetes Events sink writes the Events of many deliveries over one connection', async () => {
    const sink = kubeEventsSink(
      { name: 'cluster', type: 'kubernetes-events', headers: {}, signatureHeader: '', concurrency: 1, timeoutMs: 5_000, maxAttempts: 3 },
      kubeconfig.kubeConfig,
      clock,
      'cost-events-0',
    );
    const message = (name: string, delta: number): NotifyMessage => ({
      kind: 'audit',
      id: `ev1714723200000${name.padEnd(9, 'x')}`,
      cluster: 'c1',
      summary: `add deployment shop/${name}`,
      type: 'io.cost-events.audit.add',
      time: '2024-05-03T08:00:00Z',
      subject: { namespace: 'shop', resourceType: 'deployment', name },
      delta,
    });
    const before = fake.store.list(EVENTS_RESOURCE).length;
    // One delivery of two workloads (two Events), then two more deliveries.
    expect(await sink.deliver({ id: 'd1', route: 'all', sink: 'cluster', messages: [message('api', 4), message('web', 2)] })).toEqual({ ok: true });
    expect(await sink.deliver({ id: 'd2', route: 'all', sink: 'cluster', messages: [message('cart', 1)] })).toEqual({ ok: true });
    expect(await sink.deliver({ id: 'd3', route: 'all', sink: 'cluster', messages: [message('api', -4)] })).toEqual({ ok: true });
    expect(fake.store.list(EVENTS_RESOURCE).length - before).toBe(4);
    expect(fake.requests.slice(-4).map((r) => [r.method, r.user, r.status])).toEqual(Array(4).fill(['POST', 'cert:cost-events', 201]));
    expect(opened()).toBe(1);
    sink.close();
    await waitFor(() => fake.connections === 0, 'the sink’s connection to close');
  });
});
