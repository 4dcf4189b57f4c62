import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig, type FakeKubeconfig, type FakeObject } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { settleAudit } from '../support/audit-events.js';
import { waitFor } from '../support/wait-for.js';

// What an update moved, end to end: a template resize (an init container and an app container),
// a rollout of a new image alone (recorded only with AUDIT_RECORD_IMAGE_CHANGES=true).

let fake: FakeKubeServer;
let kubeconfig: FakeKubeconfig;
let server: ServerHandle | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  await fake.close();
  await kubeconfig.remove();
});

async function start(env: Record<string, string> = {}): Promise<void> {
  const clock = new ManualClock('2026-12-06T10:00:00Z');
  fake = await FakeKubeServer.start({ creationClock: clock });
  kubeconfig = await writeKubeconfig(fake.url);
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', KUBECONFIG: kubeconfig.path, COST_EVENTS_AUDIT_ENABLED: 'true', AUDIT_RESOURCE_TYPES: 'deployment', ...env });
  if (r.help) throw new Error('unexpected help');
  server = await startServer(r.config, { clock, env: {}, serviceAccountDir: '/nonexistent' });
  const s = server;
  await waitFor(() => s.watchers?.readiness().ready === true, 'the watchers to sync');
}

const settle = (n: number) => settleAudit(server!, n);

interface C {
  name: string;
  image: string;
  resources: { requests: Record<string, string>; limits?: Record<string, string> };
}
const pod = (d: FakeObject) => (d.spec as { template: { spec: { containers: C[]; initContainers?: C[] } } }).template.spec;

const withInit = () => {
  const d = deploymentObject('shop', 'api', 2);
  const spec = (d.spec as { template: { spec: { initContainers?: C[] } } }).template.spec;
  spec.initContainers = [{ name: 'migrate', image: 'migrate:1', resources: { requests: { cpu: '500m', memory: '64Mi' } } }];
  return d;
};

describe('changes of an update, end to end', () => {
  it('lists each moved request per container, init containers first, with images as context', async () => {
    await start();
    fake.create('deployments', withInit(), { manager: 'helm' });
    await settle(1);
    fake.update(
      'deployments',
      'shop',
      'api',
      (d) => {
        const p = pod(d);
        p.initContainers![0]!.resources.requests.memory = '128Mi';
        p.containers[0]!.resources.requests.cpu = '250m';
        p.containers[0]!.resources.limits = { 'nvidia.com/gpu': '1' };
        p.containers[0]!.image = 'nginx:1.28';
        (d.spec as { replicas: number }).replicas = 3;
      },
      { manager: 'helm' },
    );
    const [update] = await settle(2);
    expect(update!.changes).toEqual([
      { field: 'replicas', from: 2, to: 3 },
      { field: 'initContainers[migrate].requests.memory', from: '64Mi', to: '128Mi' },
      { field: 'containers[app].requests.cpu', from: '100m', to: '250m' },
      { field: 'containers[app].requests.gpu', from: null, to: '1' },
      { field: 'containers[app].image', from: 'nginx:1.27', to: 'nginx:1.28' },
    ]);
    expect(update!.changedBy?.manager).toBe('helm');
  });

  it('records an image-only rollout as a zero-cost update only when AUDIT_RECORD_IMAGE_CHANGES=true', async () => {
    await start({ AUDIT_RECORD_IMAGE_CHANGES: 'true' });
    fake.create('deployments', deploymentObject('shop', 'api'), { manager: 'argocd-controller', operation: 'Apply' });
    await settle(1);
    fake.update('deployments', 'shop', 'api', (d) => (pod(d).containers[0]!.image = 'nginx:1.28'), { manager: 'argocd-controller', operation: 'Apply' });
    const [update] = await settle(2);
    expect(update).toMatchObject({
      eventType: 'update',
      monthlyCostDelta: 0,
      changes: [{ field: 'containers[app].image', from: 'nginx:1.27', to: 'nginx:1.28' }],
      changedBy: { manager: 'argocd-controller', operation: 'Apply' },
    });
  });

  it('records no event for an image-only rollout by default', async () => {
    await start();
    fake.create('deployments', deploymentObject('shop', 'api'), { manager: 'helm' });
    await settle(1);
    fake.update('deployments', 'shop', 'api', (d) => (pod(d).containers[0]!.image = 'nginx:1.28'), { manager: 'helm' });
    // A later scale proves the watch delivered the image change before it, and nothing was recorded for it.
    fake.scale('deployments', 'shop', 'api', 2, 'kubectl');
    const got = await settle(2);
    expect(got.map((e) => [e.eventType, e.changes])).toEqual([
      ['update', [{ field: 'replicas', from: 1, to: 2 }]],
      ['add', undefined],
    ]);
  });
});
