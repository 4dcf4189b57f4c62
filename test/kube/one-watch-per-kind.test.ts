import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { loadConfig } from '../../src/config.js';
import type { SpecCostDiff } from '../../src/cost/spec-cost.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { nodeObject, runningPodObject } from '../support/fake-kube/objects.js';
import { waitFor } from '../support/wait-for.js';
import { useFakeCluster } from '../support/fake-cluster-fixture.js';

// The audit (DaemonSets and bare Pods, which need Nodes), the ETL cluster cache (Pods, Nodes,
// volumes, claims, Services) and the Predict API (schedulable Nodes for a DaemonSet) all on, in
// the running server against the fake API server: each kind is listed and watched once, and
// each consumer still sees every change, and every relist after the watch fails.

const e2e = useFakeCluster({ now: '2024-05-03T10:00:00Z' });

const RESOURCES = ['nodes', 'pods', 'daemonsets', 'persistentvolumes', 'persistentvolumeclaims', 'services'] as const;

async function start(): Promise<ServerHandle> {
  const r = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    STORAGE_URL: 'memory:',
    KUBECONFIG: e2e.kubeconfig.path,
    COST_EVENTS_AUDIT_ENABLED: 'true',
    AUDIT_RESOURCE_TYPES: 'daemonset,pod',
  });
  if (r.help) throw new Error('unexpected help');
  const s = await startServer(r.config, { clock: e2e.clock, env: {}, serviceAccountDir: '/nonexistent', watchTuning: { random: () => 0.5 } });
  e2e.server = s;
  await waitFor(() => s.watchers?.readiness().ready === true && s.etl?.cache.synced === true, 'the audit and the ETL cache to sync');
  await waitFor(() => RESOURCES.every((r) => e2e.fake.openWatches(r) === 1), 'a watch of every kind');
  return s;
}

/** `list` and `watch` requests the fake received for a resource, by verb. */
function requestsOf(resource: string): { lists: number; watches: number } {
  const calls = e2e.fake.calls(resource);
  return { lists: calls.filter((c) => c.startsWith('list')).length, watches: calls.filter((c) => c.startsWith('watch')).length };
}

const auditLines = async (s: ServerHandle): Promise<string[]> => {
  const res = await s.app.inject('/model/audit/events');
  return res.json<{ data: AuditEvent[] }>().data.map((e) => `${e.eventType} ${e.resourceType} ${e.properties.namespace}/${e.properties.name}${e.detectedAt === undefined ? '' : ' (detected)'}`);
};

async function waitForAudit(s: ServerHandle, n: number): Promise<string[]> {
  let lines: string[] = [];
  await waitFor(() => {
    void auditLines(s).then((l) => (lines = l));
    return lines.length >= n;
  }, `${n} audit events`);
  await s.watchers?.idle();
  return auditLines(s);
}

const DAEMONSET = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: kube-system}\nspec:\n  template:\n    spec:\n      containers: [{name: a, resources: {requests: {cpu: 100m, memory: 32Mi}}}]\n';

/** CPU core-hours a month Predict gives a new DaemonSet of 100m: 73 per schedulable node. */
async function predictedDaemonSetCoreHours(s: ServerHandle): Promise<number> {
  const res = await s.app.inject({ method: 'POST', url: '/model/prediction/speccost?clusterID=cluster-one&defaultNamespace=default', payload: DAEMONSET, headers: { 'content-type': 'application/yaml' } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<SpecCostDiff[]>()[0]!.costAfter.monthlyCPUCoreHours;
}

describe('one list-watch per kind, shared by the audit, the ETL and Predict', () => {
  it('lists and watches each kind once with every consumer on', async () => {
    e2e.fake.create('nodes', nodeObject('node-1'));
    const s = await start();
    for (const resource of RESOURCES) expect({ resource, ...requestsOf(resource) }).toEqual({ resource, lists: 1, watches: 1 });
    expect(e2e.fake.requests.filter((r) => r.verb === 'watch')).toHaveLength(RESOURCES.length);
    // Each consumer still reports its own subscription's status, as /readyz and /metrics show them.
    expect(s.watchers?.statuses().map((w) => `${w.kind} ${String(w.synced)}`)).toEqual(['Node true', 'DaemonSet true', 'Pod true']);
    expect(s.etl?.cache.statuses().map((w) => `${w.kind} ${String(w.synced)}`)).toEqual(['Node true', 'Pod true', 'PersistentVolume true', 'PersistentVolumeClaim true', 'Service true']);
  });

  it('gives every consumer the adds, updates and deletes of a shared kind', async () => {
    e2e.fake.create('nodes', nodeObject('node-1'));
    const s = await start();
    expect(await predictedDaemonSetCoreHours(s)).toBe(73);

    e2e.fake.create('nodes', nodeObject('node-2'));
    e2e.fake.create('pods', runningPodObject('shop', 'debug', { node: 'node-2' }));
    await waitFor(() => s.etl?.cache.stats().nodes.live === 2 && s.etl.cache.stats().pods.live === 1, 'the ETL cache to see the node and the pod');
    expect(await waitForAudit(s, 1)).toEqual(['add pod shop/debug']);
    expect(await predictedDaemonSetCoreHours(s)).toBe(146);

    e2e.fake.update('nodes', undefined, 'node-2', (d) => {
      (d['spec'] as { unschedulable?: boolean }).unschedulable = true;
    });
    e2e.fake.update('pods', 'shop', 'debug', (d) => {
      (d['spec'] as { containers: { resources: { requests: Record<string, string> } }[] }).containers[0]!.resources.requests['cpu'] = '200m';
    });
    expect(await waitForAudit(s, 2)).toEqual(['update pod shop/debug', 'add pod shop/debug']);
    await waitFor(() => s.etl?.cache.snapshot({ start: e2e.clock.nowMs() - 1, end: e2e.clock.nowMs() + 1 }).pods[0]?.containers[0]?.cpuCores === 0.2, 'the ETL record of the resized pod');
    expect(await predictedDaemonSetCoreHours(s)).toBe(73);

    e2e.fake.delete('pods', 'shop', 'debug');
    e2e.fake.delete('nodes', undefined, 'node-2');
    expect(await waitForAudit(s, 3)).toEqual(['delete pod shop/debug', 'update pod shop/debug', 'add pod shop/debug']);
    await waitFor(() => s.etl?.cache.stats().pods.live === 0 && s.etl.cache.stats().nodes.live === 1, 'the ETL cache to see the deletes');
    expect(await predictedDaemonSetCoreHours(s)).toBe(73);
    // Predict counted the nodes from the shared watch, never with a list of its own.
    expect(requestsOf('nodes')).toEqual({ lists: 1, watches: 1 });
  });

  it('relists for every consumer after a dropped connection whose history is gone (410)', async () => {
    e2e.fake.create('nodes', nodeObject('node-1'));
    e2e.fake.create('pods', runningPodObject('shop', 'debug'));
    const s = await start();
    e2e.fake.dropWatches('pods');
    await waitFor(() => s.etl?.cache.statuses().find((w) => w.kind === 'Pod')?.state === 'backoff', 'the pods watch to back off');
    e2e.fake.deleteUnwatched('pods', 'shop', 'debug');
    e2e.fake.create('pods', runningPodObject('shop', 'late'));
    e2e.fake.compact();
    e2e.clock.advance(30_000); // past the reconnect backoff
    expect((await waitForAudit(s, 2)).sort()).toEqual(['add pod shop/late (detected)', 'delete pod shop/debug (detected)']);
    await waitFor(() => s.etl?.cache.stats().pods.live === 1 && s.etl.cache.stats().pods.ended === 1, 'the ETL cache to end the pod deleted unwatched');
    await waitFor(() => e2e.fake.openWatches('pods') === 1, 'one watch of pods again');
    expect(e2e.fake.calls('pods').map((c) => c.replace(/rv=\d+/, 'rv=N'))).toEqual(['list', 'watch rv=N', 'watch rv=N → ERROR 410', 'list', 'watch rv=N']);
    expect(s.watchers?.statuses().find((w) => w.kind === 'Pod')?.relists).toBe(1);
    expect(s.etl?.cache.statuses().find((w) => w.kind === 'Pod')?.relists).toBe(1);
  });

  it('relists for every consumer after a dropped connection and a watch answered 410 Gone over HTTP', async () => {
    e2e.fake.create('nodes', nodeObject('node-1'));
    const s = await start();
    e2e.fake.setExpiredMode('http');
    e2e.fake.dropWatches('nodes');
    await waitFor(() => s.etl?.cache.statuses().find((w) => w.kind === 'Node')?.state === 'backoff', 'the nodes watch to back off');
    e2e.fake.deleteUnwatched('nodes', undefined, 'node-1');
    e2e.fake.create('nodes', nodeObject('node-2'));
    e2e.fake.compact();
    e2e.clock.advance(30_000); // past the reconnect backoff
    await waitFor(() => s.etl?.cache.stats().nodes.ended === 1 && s.etl.cache.stats().nodes.live === 1, 'the ETL cache to relist the nodes');
    await waitFor(() => s.watchers?.statuses().find((w) => w.kind === 'Node')?.relists === 1, 'the audit to relist the nodes');
    await waitFor(() => e2e.fake.openWatches('nodes') === 1, 'one watch of nodes again');
    expect(e2e.fake.calls('nodes').map((c) => c.replace(/rv=\d+/, 'rv=N'))).toEqual(['list', 'watch rv=N', 'watch rv=N → 410', 'list', 'watch rv=N']);
    expect(await predictedDaemonSetCoreHours(s)).toBe(73);
  });
});
