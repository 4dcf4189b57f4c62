import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { ROUND } from '../../demo/change-generator.js';
import { DemoRig } from '../support/demo-rig.js';

// `npm run demo` end to end, deterministic: the demo's own start (fake API server seeded, server
// against it) on a manual clock, one round of its changes stepped, and every route a newcomer is
// told to try answering with what those changes did.

let rig: DemoRig;
const changes: string[] = [];

beforeAll(async () => {
  rig = await DemoRig.start({ page: true });
  for (let i = 0; i < ROUND.length; i++) changes.push((await rig.step()).summary);
}, 180_000);

afterAll(async () => {
  await rig.close();
});

const data = async <T>(url: string): Promise<T> => {
  const res = await rig.inject(url);
  expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
  return res.json<{ data: T }>().data;
};

describe('npm run demo', () => {
  it('makes one round of changes from its seed: a new namespace, rollouts, a kubectl scale, an HPA scale, a deletion', () => {
    expect(changes).toEqual([
      'new namespace team-1: Deployment app, 2 × 300m CPU, 128Mi (argocd)',
      'rollout of DaemonSet monitoring/node-exporter: requests 50m/64Mi → 500m/128Mi, pods replaced (argocd)',
      'kubectl scale Deployment shop/web: 2 → 5 replicas',
      'HPA scales Deployment payments/api: 3 → 6 replicas (kube-controller-manager)',
      'rollout of Deployment payments/api: requests 250m/256Mi → 200m/512Mi, pods replaced (argocd)',
      'namespace team-1 deleted, with Deployment app and its pods',
    ]);
  });

  it('serves an audit event of each kind, attributed to the tool and manager that made it', async () => {
    const events = await data<AuditEvent[]>('/model/audit/events');
    const brief = events.map((e) => [e.eventType, e.resourceType, `${e.properties.namespace}/${e.properties.name}`, e.changedBy?.manager, e.source?.tool]);
    expect(brief).toContainEqual(['add', 'deployment', 'team-1/app', 'argocd-controller', 'argocd']);
    expect(brief).toContainEqual(['update', 'daemonset', 'monitoring/node-exporter', 'argocd-controller', 'argocd']);
    expect(brief).toContainEqual(['update', 'deployment', 'shop/web', 'kubectl', 'helm']);
    expect(brief).toContainEqual(['update', 'deployment', 'payments/api', 'kube-controller-manager', 'autoscaler']);
    expect(brief).toContainEqual(['delete', 'deployment', 'team-1/app', 'unknown', 'argocd']);
    const rollout = events.find((e) => e.properties.name === 'node-exporter');
    expect(rollout?.changes).toEqual([
      { field: 'containers[app].requests.cpu', from: '50m', to: '500m' },
      { field: 'containers[app].requests.memory', from: '64Mi', to: '128Mi' },
    ]);
  });

  it('builds an ETL window every 10 s, logged as AllocationSetSaved and AssetSetSaved with their sizes', async () => {
    const log = await data<{ allocation: { kind: string; metadata: { size?: number; window?: { start: string } } }[]; counters: Record<string, number> }>('/model/etl/log');
    const saved = log.allocation.filter((e) => e.kind === 'AllocationSetSaved');
    expect(saved.map((e) => e.metadata.window?.start)).toEqual(['2026-12-06T10:00:00Z', '2026-12-06T10:00:10Z', '2026-12-06T10:00:20Z']);
    for (const e of saved) expect(e.metadata.size).toBeGreaterThan(10);
    expect(log.counters['AssetSetSaved']).toBe(3);
  });

  it('serves allocations by namespace for the windows built, the new namespace among them', async () => {
    const sets = await data<Record<string, { totalCost: number }>[]>('/model/allocation?window=2026-12-06T10:00:00Z,2026-12-06T10:00:30Z&accumulate=true&aggregate=namespace');
    expect(Object.keys(sets[0] ?? {}).sort()).toEqual(['__idle__', 'monitoring', 'payments', 'reports', 'shop', 'team-1']);
    for (const a of Object.values(sets[0] ?? {})) expect(a.totalCost).toBeGreaterThan(0);
  });

  it('serves the web page and its header data', async () => {
    const page = await rig.inject('/ui/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(await data('/ui/api/info')).toMatchObject({ clusterId: 'cluster-one', audit: true, etlResolutionMs: 10_000 });
  });

  it('is what kubectl would list: ReplicaSets named for their Deployment, pods for their ReplicaSet', () => {
    const rs = rig.demo.fake.store.list(rig.demo.fake.resource('replicasets'), 'payments').map((o) => o.metadata.name);
    const pods = rig.demo.fake.store.list(rig.demo.fake.resource('pods'), 'payments').map((o) => o.metadata.name);
    const api = rs.find((n) => n.startsWith('api-'));
    expect(pods.filter((p) => api !== undefined && p.startsWith(`${api}-`))).toHaveLength(6);
  });
});
