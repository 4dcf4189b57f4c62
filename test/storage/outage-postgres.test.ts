import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { loadConfig } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { eventually } from '../support/wait-for.js';

// PostgreSQL becomes unreachable mid-run (a proxy between the server and the database is cut;
// the machine's PostgreSQL keeps running for everyone else), then comes back.

const pgOk = await postgresAvailable();
let schema: TestSchema | undefined;
let proxy: TcpProxy;
let fake: FakeKubeServer;
let kc: FakeKubeconfig;
let server: ServerHandle | undefined;
let clock: ManualClock;

beforeEach(async () => {
  if (!pgOk) return;
  schema = await createTestSchema();
  const target = new URL(schema.url);
  proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || '5432') });
  fake = await FakeKubeServer.start();
  kc = await writeKubeconfig(fake.url);
  clock = new ManualClock('2024-05-03T08:00:00Z');
});

afterEach(async () => {
  if (!pgOk) return;
  await server?.close();
  server = undefined;
  await proxy.close();
  await fake.close();
  await kc.remove();
  await schema?.drop();
});

const start = async () => {
  const url = new URL(schema!.url);
  url.port = String(proxy.port);
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', KUBECONFIG: kc.path, COST_EVENTS_AUDIT_ENABLED: 'true', STORAGE_URL: url.toString(), STORAGE_QUEUE_CAPACITY: '6' });
  if (r.help) throw new Error('help');
  const s = await startServer(r.config, { clock, env: {}, serviceAccountDir: '/nonexistent' });
  server = s;
  await eventually(async () => s.watchers?.readiness().ready === true || undefined, 'the watchers to sync');
  return s;
};

const names = async (s: ServerHandle) => {
  const res = await s.app.inject('/model/audit/events');
  return res.statusCode === 200 ? res.json<{ data: AuditEvent[] }>().data.map((e) => e.properties.name) : res.statusCode;
};

describe.skipIf(!pgOk)('PostgreSQL unreachable mid-run', () => {
  it('answers 503 and says so in /readyz meanwhile, holds what happened, and loses nothing within the queue bound', async () => {
    const s = await start();
    fake.create('deployments', deploymentObject('shop', 'before'));
    await eventually(async () => ((await names(s)) as string[]).length === 1 || undefined, 'the first event');

    proxy.cut();
    // Each change is two records (the event and the workload state after it): three fit the bound of six.
    for (const n of ['during-1', 'during-2', 'during-3']) fake.create('deployments', deploymentObject('shop', n));
    await eventually(async () => (s.storage.writer.stats().queued === 6 && !s.storage.writer.available) || undefined, 'the changes to be held');

    const res = await s.app.inject('/model/audit/events');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      code: 503,
      data: null,
      message: 'storage (postgres) is unavailable; events produced meanwhile are held and written when it returns; /readyz has the details',
    });
    expect((await s.app.inject('/model/etl/log')).statusCode).toBe(503);
    const ready = await s.app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    const storage = ready.json<{ data: { components: Record<string, { ready: boolean; state: string; detail: string }> } }>().data.components['storage'];
    expect(storage).toMatchObject({ ready: false, state: 'unavailable' });
    expect(storage?.detail).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/test\?options=.*: .+ \(since 2024-05-03T08:00:00\.000000000Z\); 6 records queued, 0 dropped since start$/);

    proxy.restore();
    clock.advance(5_000); // the writer's retry, on the injected clock
    await eventually(async () => (s.storage.writer.available && s.storage.writer.stats().queued === 0) || undefined, 'the held records to be written');
    expect(await names(s)).toEqual(['during-3', 'during-2', 'during-1', 'before']);
    expect((await s.app.inject('/readyz')).statusCode).toBe(200);
    const rows = await schema!.query<{ n: string }>('SELECT count(*)::text AS n FROM workloads');
    expect(rows[0]?.n).toBe('4');
  }, 30_000);
});
