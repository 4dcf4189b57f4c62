import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { SpecCostDiff } from '../../src/cost/spec-cost.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';

// The composition root wires the Predict API to the predictor COST_PREDICTOR names, the same
// instance the audit uses, and to the cluster KUBECONFIG names.

let server: ServerHandle | undefined;
let fake: FakeKubeServer | undefined;
let kubeconfig: FakeKubeconfig | undefined;
let kubecost: Server | undefined;

afterEach(async () => {
  await server?.close();
  await fake?.close();
  await kubeconfig?.remove();
  if (kubecost !== undefined) await new Promise<void>((resolve) => kubecost?.close(() => resolve()));
  server = fake = kubeconfig = kubecost = undefined;
});

const config = (env: Record<string, string>): Config => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', ...env });
  if (r.help) throw new Error('unexpected help');
  return r.config;
};

const WEB = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers: [{name: web, resources: {requests: {cpu: 100m, memory: 32Mi}}}]\n';

const predict = async (s: ServerHandle, body: string): Promise<SpecCostDiff[]> => {
  const res = await s.app.inject({ method: 'POST', url: '/model/prediction/speccost?clusterID=cluster-one&defaultNamespace=default', payload: body, headers: { 'content-type': 'application/yaml' } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<SpecCostDiff[]>();
};

describe('the Predict API in the running server', () => {
  it('agrees with the audit: the audit event of a workload and its costBefore are the same figure', async () => {
    fake = await FakeKubeServer.start();
    kubeconfig = await writeKubeconfig(fake.url);
    server = await startServer(config({ KUBECONFIG: kubeconfig.path, COST_EVENTS_AUDIT_ENABLED: 'true' }), { clock: new ManualClock(), env: {}, serviceAccountDir: '/nonexistent' });
    const s = server;
    await waitFor(() => s.watchers?.readiness().ready === true, 'the watchers to sync');
    fake.create('deployments', deploymentObject('shop', 'web', 2, { cpu: '100m', memory: '32Mi' }));
    let events: AuditEvent[] = [];
    await waitFor(() => {
      void s.app.inject('/model/audit/events').then((r) => (events = r.json<{ data: AuditEvent[] | null }>().data ?? []));
      return events.length === 1;
    }, 'the audit event');

    const [diff] = await predict(s, WEB);
    expect(diff!.costBefore.totalMonthlyRate).toBe(events[0]!.costPrediction.totalMonthlyRate);
    expect(diff!.costAfter.totalMonthlyRate).toBe(events[0]!.costPrediction.totalMonthlyRate);
    expect(diff!.costChange.totalMonthlyRate).toBe(0);
  });

  it('prices with the configured kubecost predictor even with the audit off and no cluster', async () => {
    const asked: string[] = [];
    kubecost = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      const cost = { totalMonthlyRate: 9, cpuMonthlyRate: 7, ramMonthlyRate: 2, gpuMonthlyRate: 0, monthlyCPUCoreHours: 146, monthlyRAMByteHours: 48989798400, monthlyGPUHours: 0 };
      res.end(JSON.stringify([{ namespace: 'shop', controllerKind: 'deployment', controllerName: 'web', costAfter: cost }]));
    });
    await new Promise<void>((resolve) => kubecost?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(kubecost.address() as AddressInfo).port}`;
    server = await startServer(config({ COST_PREDICTOR: 'kubecost', KUBECOST_URL: url }), { clock: new ManualClock(), env: {}, serviceAccountDir: '/nonexistent' });

    const [diff] = await predict(server, WEB);
    expect(diff!.costAfter).toMatchObject({ totalMonthlyRate: 9, cpuMonthlyRate: 7, ramMonthlyRate: 2 });
    expect(diff!.costBefore.totalMonthlyRate).toBe(0);
    expect(asked).toEqual(['/model/prediction/speccost?clusterID=cluster-one&defaultNamespace=shop&noUsage=true']);
  });
});
