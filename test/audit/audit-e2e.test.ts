import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { loadConfig, type Config } from '../../src/config.js';
import { AuditEventResponseSchema, AuditResponseSchema } from '../../src/http/audit-routes.js';
import { startServer } from '../../src/server.js';
import { daemonSetObject, deploymentObject, nodeObject, podObject, statefulSetObject } from '../support/fake-kube/index.js';
import { schemaErrors } from '../support/response-schema.js';
import { waitFor } from '../support/wait-for.js';
import { auditConfig, startAuditServer } from '../support/audit-events.js';
import { useFakeCluster } from '../support/fake-cluster-fixture.js';

// The whole audit path over real HTTP: fake API server → client-node → watch loop → change
// detector → predictor → bus → store → GET /model/audit/events (through inject).

const e2e = useFakeCluster({ now: '2023-02-28T13:58:44.552Z' });

const config = (env: Record<string, string> = {}): Config => auditConfig(e2e.kubeconfig.path, env);

const start = async (env: Record<string, string> = {}) => (e2e.server = await startAuditServer(config(env), e2e.clock));

const events = async (query = ''): Promise<AuditEvent[]> => {
  const res = await e2e.server!.app.inject(`/model/audit/events${query}`);
  expect(res.statusCode).toBe(200);
  return res.json<{ data: AuditEvent[] }>().data;
};

const settle = async (n: number) => {
  await waitFor(() => e2e.server!.watchers !== undefined, 'watchers');
  let count = 0;
  await waitFor(() => {
    void events().then((e) => (count = e.length));
    return count >= n;
  }, `${n} audit events`);
  await e2e.server!.watchers!.idle();
};

/** shop/web created before the watch, resized to 5 replicas, then deleted: an update and a delete. */
const resizeThenDeleteWeb = async () => {
    e2e.fake.create('deployments', deploymentObject('shop', 'web', 2));
    await start();
    e2e.fake.update('deployments', 'shop', 'web', (d) => {
      (d.spec as { replicas: number }).replicas = 5;
    });
    await settle(1);
    e2e.fake.delete('deployments', 'shop', 'web');
    await settle(2);
};

const line = (e: AuditEvent) => `${e.eventType} ${e.resourceType} ${e.properties.namespace}/${e.properties.name}${e.detectedAt === undefined ? '' : ' (detected)'}`;

describe('the audit, end to end against a fake API server', () => {
  it('reports not ready while the API server fails, and ready once the watches sync', async () => {
    // The audit's two lists and the ETL cache's five (pods, nodes, volumes, claims, services) all fail.
    e2e.fake.failNext(7, 500, 'list');
    e2e.server = await startServer(config(), { clock: e2e.clock, env: {}, serviceAccountDir: '/nonexistent' });
    const s = e2e.server;
    await waitFor(
      () => [...(s.watchers?.statuses() ?? []), ...(s.etl?.cache.statuses() ?? [])].every((w) => w.state === 'backoff'),
      'every list to fail',
    );
    const before = await s.app.inject('/readyz');
    expect(before.statusCode).toBe(503);
    expect(before.json<{ message: string }>().message).toMatch(/audit \(not synced: Deployment: backoff \(.*500.*\), StatefulSet: backoff/);
    e2e.clock.advance(60_000); // past the retry backoff
    await waitFor(() => s.watchers?.readiness().ready === true && s.etl?.cache.readiness().ready === true, 'the audit and the ETL cache to sync');
    const after = await s.app.inject('/readyz');
    expect(after.statusCode).toBe(200);
    expect(after.json()).toMatchObject({ data: { ready: true, components: { audit: { ready: true, state: 'synced' } } } });
  });

  it('gives no adds for what the initial list finds', async () => {
    e2e.fake.create('deployments', deploymentObject('default', 'already-there'));
    await start();
    expect(await events()).toEqual([]);
  });

  it('reproduces the Kubecost example for a Deployment created after the watch began', async () => {
    await start();
    e2e.fake.create('deployments', deploymentObject('kubecost', 'sample-deployment', 1, { cpu: '100m', memory: '32Mi' }));
    await settle(1);
    const [e] = await events();
    expect(e).toMatchObject({
      eventType: 'add',
      resourceType: 'deployment',
      timestamp: '2023-02-28T13:58:44.552000000Z',
      properties: { cluster: 'cluster-one', name: 'sample-deployment', namespace: 'kubecost' },
      totalRequests: { cpu: '100m', memory: '32Mi' },
      resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
      costPrediction: { totalMonthlyRate: 2.4045625000000004, cpuMonthlyRate: 2.3080000000000003, ramMonthlyRate: 0.0965625, gpuMonthlyRate: 0 },
      predictor: 'requests',
    });
    expect(e?.uid).toBe(e2e.fake.get('deployments', 'kubecost', 'sample-deployment')?.metadata.uid);
  });

  it('reports a resize as an update and a removal as a delete, newest first', async () => {
    await resizeThenDeleteWeb();
    const [del, upd] = await events();
    expect([del, upd].map((e) => line(e!))).toEqual(['delete deployment shop/web', 'update deployment shop/web']);
    expect(upd?.totalRequests).toEqual({ cpu: '500m', memory: '160Mi' });
    expect(upd?.previousTotalRequests).toEqual({ cpu: '200m', memory: '64Mi' });
    expect(upd?.monthlyCostDelta).toBeCloseTo(3 * 2.4045625, 9);
    expect(del?.costPrediction.totalMonthlyRate).toBeCloseTo(5 * 2.4045625, 9);
    expect(del?.monthlyCostDelta).toBeCloseTo(-5 * 2.4045625, 9);
  });

  it('answers events that validate against the response schemas, as a list and one by one', async () => {
    await resizeThenDeleteWeb();
    e2e.fake.create('statefulsets', statefulSetObject('shop', 'db'));
    await settle(3);
    const app = e2e.server!.app;
    // The answers are rendered from the stored JSON, past Fastify's serialiser: only this checks them.
    const list = await app.inject('/model/audit/events');
    expect(list.statusCode).toBe(200);
    expect(schemaErrors(app, AuditResponseSchema, list.json())).toBe('');
    const all = list.json<{ data: AuditEvent[] }>().data;
    expect(all.map((e) => e.eventType).sort()).toEqual(['add', 'delete', 'update']);
    for (const e of all) {
      const one = await app.inject(`/model/audit/events/${e.id ?? ''}`);
      expect(one.statusCode).toBe(200);
      expect(schemaErrors(app, AuditEventResponseSchema, one.json())).toBe('');
    }
    // And the check can fail: an event type the schema does not know is caught through the $ref to AuditEvent.
    expect(schemaErrors(app, AuditResponseSchema, { code: 200, data: [{ ...all[0], eventType: 'resize' }] })).toContain('eventType');
  });

  it('ignores modifications that do not change the cost', async () => {
    e2e.fake.create('deployments', deploymentObject('shop', 'web'));
    await start();
    e2e.fake.update('deployments', 'shop', 'web', (d) => {
      (d.metadata.labels as Record<string, string>)['touched'] = 'yes';
    });
    e2e.fake.create('deployments', deploymentObject('shop', 'marker'));
    await settle(1);
    expect((await events()).map(line)).toEqual(['add deployment shop/marker']);
  });

  it('sees delete-and-recreate with the same name as a delete and an add', async () => {
    e2e.fake.create('statefulsets', statefulSetObject('db', 'pg'));
    await start();
    e2e.fake.recreate('statefulsets', 'db', 'pg');
    await settle(2);
    expect((await events()).map(line)).toEqual(['add statefulset db/pg', 'delete statefulset db/pg']);
  });

  it('finds a delete made while the watch was down after a 410 relist', async () => {
    e2e.fake.create('deployments', deploymentObject('shop', 'web'));
    e2e.fake.create('deployments', deploymentObject('shop', 'api'));
    await start();
    e2e.fake.dropWatches('deployments');
    e2e.fake.delete('deployments', 'shop', 'web');
    e2e.fake.create('deployments', deploymentObject('shop', 'new'));
    e2e.fake.compact();
    e2e.clock.advance(30_000); // past the reconnect backoff
    await settle(2);
    expect((await events()).map(line).sort()).toEqual(['add deployment shop/new (detected)', 'delete deployment shop/web (detected)']);
    expect(e2e.fake.calls('deployments').some((c) => c.startsWith('list'))).toBe(true);
  });

  it('prices a DaemonSet per scheduled node and audits only bare pods', async () => {
    for (const n of ['n1', 'n2', 'n3']) e2e.fake.create('nodes', nodeObject(n));
    await start({ AUDIT_RESOURCE_TYPES: 'daemonset,pod' });
    e2e.fake.create('daemonsets', daemonSetObject('kube-system', 'agent', 3, { cpu: '50m', memory: '64Mi' }));
    const owned = podObject('shop', 'web-abc12');
    owned.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs-1', controller: true }];
    e2e.fake.create('pods', owned);
    e2e.fake.create('pods', podObject('shop', 'debug'));
    await settle(2);
    expect((await events()).map(line)).toEqual(['add pod shop/debug', 'add daemonset kube-system/agent']);
    const ds = (await events('?filterResourceTypes=daemonset'))[0];
    expect(ds?.totalRequests).toEqual({ cpu: '150m', memory: '192Mi' });
  });

  it('answers a 404 that says how to enable it when the audit is off', async () => {
    e2e.server = await startServer(config({ COST_EVENTS_AUDIT_ENABLED: 'false' }), { clock: e2e.clock, env: {}, serviceAccountDir: '/nonexistent' });
    const res = await e2e.server.app.inject('/model/audit/events');
    expect(res.statusCode).toBe(404);
    expect(e2e.server.watchers).toBeUndefined();
  });
});

describe('without a cluster', () => {
  it('runs without watchers and says so in /readyz', async () => {
    const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true' });
    if (r.help) throw new Error('help');
    e2e.server = await startServer(r.config, { clock: e2e.clock, env: {}, serviceAccountDir: '/nonexistent' });
    const res = await e2e.server.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json<{ data: { components: Record<string, unknown> } }>().data.components['kubernetes']).toEqual({
      ready: false,
      state: 'no cluster',
      detail: 'KUBECONFIG is not set and KUBERNETES_SERVICE_HOST is not set (not running in a cluster)',
    });
  });
});
