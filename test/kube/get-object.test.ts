import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiError, KubeTimeoutError } from '../../src/kube/api-error.js';
import { getObject, namespacedObjectPath } from '../../src/kube/get-object.js';
import { KUBE_KINDS } from '../../src/kube/kinds.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';

let fake: FakeKubeServer;
let kubeconfig: FakeKubeconfig;
let clock: ManualClock;
const limits = () => ({ clock, timeoutMs: 5_000, maxBytes: 1024 * 1024 });

beforeEach(async () => {
  clock = new ManualClock();
  fake = await FakeKubeServer.start({ clock });
  kubeconfig = await writeKubeconfig(fake.url);
});

afterEach(async () => {
  await fake.close();
  await kubeconfig.remove();
});

/** A server answering every request with `answer`, for what the fake does not do. */
async function rawServer(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; kubeconfig: FakeKubeconfig; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, kubeconfig: await writeKubeconfig(`http://127.0.0.1:${port}`), requests: () => requests };
}

async function closeRaw(raw: { server: Server; kubeconfig: FakeKubeconfig }): Promise<void> {
  raw.server.closeAllConnections();
  await new Promise<void>((resolve) => raw.server.close(() => resolve()));
  await raw.kubeconfig.remove();
}

describe('namespacedObjectPath', () => {
  it('puts the namespace before the plural, in the core and a named group', () => {
    expect(namespacedObjectPath(KUBE_KINDS.deployment.path, 'shop', 'api')).toBe('/apis/apps/v1/namespaces/shop/deployments/api');
    expect(namespacedObjectPath(KUBE_KINDS.pod.path, 'shop', 'api-0')).toBe('/api/v1/namespaces/shop/pods/api-0');
  });

  it('escapes what would change the path', () => {
    expect(namespacedObjectPath(KUBE_KINDS.pod.path, 'a/b', '../x')).toBe('/api/v1/namespaces/a%2Fb/pods/..%2Fx');
  });
});

describe('getObject', () => {
  it('answers the object with its credentials sent', async () => {
    fake.create('deployments', deploymentObject('shop', 'api', 2));
    const obj = await getObject(kubeconfig.kubeConfig, '/apis/apps/v1/namespaces/shop/deployments/api', limits());
    expect(obj).toMatchObject({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'api', namespace: 'shop' }, spec: { replicas: 2 } });
    expect(clock.pendingTimers).toBe(0);
  });

  it('answers undefined for a 404', async () => {
    expect(await getObject(kubeconfig.kubeConfig, '/apis/apps/v1/namespaces/shop/deployments/none', limits())).toBeUndefined();
  });

  it('throws the API server’s Status for any other failure', async () => {
    const raw = await rawServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'deployments.apps "api" is forbidden' }));
    });
    try {
      const err = await getObject(raw.kubeconfig.kubeConfig, '/apis/apps/v1/namespaces/shop/deployments/api', limits()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect(err).toMatchObject({ status: 403, reason: 'Forbidden' });
    } finally {
      await closeRaw(raw);
    }
  });

  it('gives up at its deadline on the injected clock', async () => {
    const raw = await rawServer(() => undefined); // never answers
    try {
      const pending = getObject(raw.kubeconfig.kubeConfig, '/api/v1/namespaces/a/pods/b', limits()).catch((e: unknown) => e);
      await waitFor(() => raw.requests() === 1, 'the request to arrive');
      clock.advance(5_000);
      const err = await pending;
      expect(err).toBeInstanceOf(KubeTimeoutError);
      expect((err as Error).message).toBe('no complete answer within 5000 ms');
    } finally {
      await closeRaw(raw);
    }
  });

  it('refuses an answer larger than its cap', async () => {
    fake.create('deployments', deploymentObject('shop', 'api'));
    const err = await getObject(kubeconfig.kubeConfig, '/apis/apps/v1/namespaces/shop/deployments/api', { ...limits(), maxBytes: 100 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('the answer is larger than 100 bytes');
  });
});
