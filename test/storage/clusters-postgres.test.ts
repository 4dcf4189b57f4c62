import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { loadConfig } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { eventually } from '../support/wait-for.js';

// Two clusters, each with its own server, writing to one PostgreSQL: filterClusters keeps them
// apart on both Kubecost endpoints, and either server answers for both.

const pgOk = await postgresAvailable();
let schema: TestSchema | undefined;
const clusters: { name: string; fake: FakeKubeServer; kc: FakeKubeconfig; server: ServerHandle }[] = [];

beforeEach(async () => {
  if (!pgOk) return;
  schema = await createTestSchema();
  for (const name of ['blue', 'green']) {
    const fake = await FakeKubeServer.start();
    const kc = await writeKubeconfig(fake.url);
    const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', CLUSTER_ID: name, KUBECONFIG: kc.path, COST_EVENTS_AUDIT_ENABLED: 'true', STORAGE_URL: schema.url });
    if (r.help) throw new Error('help');
    const server = await startServer(r.config, { clock: new ManualClock('2024-05-03T08:00:00Z'), env: {}, serviceAccountDir: '/nonexistent' });
    clusters.push({ name, fake, kc, server });
    await eventually(async () => server.watchers?.readiness().ready === true || undefined, `${name}'s watchers to sync`);
  }
});

afterEach(async () => {
  for (const c of clusters.splice(0)) {
    await c.server.close();
    await c.fake.close();
    await c.kc.remove();
  }
  await schema?.drop();
});

const get = async (server: ServerHandle, url: string) => {
  const res = await server.app.inject(url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ data: unknown }>().data;
};
const names = (data: unknown) => (data as AuditEvent[]).map((e) => `${e.properties.cluster}/${e.properties.name}`);

describe.skipIf(!pgOk)('two clusters on one PostgreSQL', () => {
  it('are filtered apart with filterClusters on both endpoints, and either server answers for both', async () => {
    const [blue, green] = clusters as [(typeof clusters)[0], (typeof clusters)[0]];
    blue.fake.create('deployments', deploymentObject('shop', 'blue-web'));
    green.fake.create('deployments', deploymentObject('shop', 'green-web'));
    for (const c of clusters) {
      for (const kind of ['AllocationSetSaved', 'AssetSetSaved'] as const) {
        c.server.bus.publish('etl', { kind, metadata: { size: c.name.length }, time: 1_714_723_200_000_000_000n, cluster: c.name });
      }
    }
    await eventually(async () => ((await get(blue.server, '/model/audit/events')) as unknown[]).length === 2 || undefined, 'both clusters\' adds');
    await Promise.all(clusters.map((c) => c.server.storage.writer.idle()));
    // Each server reads the other's writes once their notification arrives (docs/ARCHITECTURE.md, "Serialising once per change").
    const both = async (server: ServerHandle) =>
      ((await get(server, '/model/audit/events')) as unknown[]).length === 2 &&
      ((await get(server, '/model/etl/log')) as { counters: Record<string, number> }).counters['AssetSetSaved'] === 2;
    for (const c of clusters) await eventually(async () => (await both(c.server)) || undefined, `${c.name} to read both clusters' writes`);

    for (const server of [blue.server, green.server]) {
      expect(names(await get(server, '/model/audit/events?filterClusters=blue'))).toEqual(['blue/blue-web']);
      expect(names(await get(server, '/model/audit/events?filterClusters=green'))).toEqual(['green/green-web']);
      expect(names(await get(server, '/model/audit/events')).sort()).toEqual(['blue/blue-web', 'green/green-web']);
      expect(await get(server, '/model/etl/log?filterClusters=green')).toEqual({
        allocation: [{ kind: 'AllocationSetSaved', metadata: { size: 5 }, time: '2024-05-03T08:00:00.000000000Z' }],
        asset: [{ kind: 'AssetSetSaved', metadata: { size: 5 }, time: '2024-05-03T08:00:00.000000000Z' }],
        counters: { AllocationSetSaved: 1, AssetSetSaved: 1 },
      });
      expect(await get(server, '/model/etl/log')).toMatchObject({ counters: { AllocationSetSaved: 2, AssetSetSaved: 2 } });
    }
  }, 30_000);
});
