import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents, eventsOnceThereAre, line, startAudited, type Running } from '../support/durability.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';

// Two server processes behind one Service, watching one cluster, on one PostgreSQL: both see
// every change and both write it; the idempotency key keeps one row per change.

const pgOk = await postgresAvailable();
let schema: TestSchema | undefined;
let fake: FakeKubeServer;
let kc: FakeKubeconfig;
const running: Running[] = [];

beforeEach(async () => {
  if (!pgOk) return;
  schema = await createTestSchema();
  fake = await FakeKubeServer.start();
  kc = await writeKubeconfig(fake.url);
});

afterEach(async () => {
  for (const r of running.splice(0)) {
    r.child.proc.kill('SIGTERM');
    await r.child.exited;
  }
  if (!pgOk) return;
  await fake.close();
  await kc.remove();
  await schema?.drop();
});

describe.skipIf(!pgOk)('two replicas of one cluster on one PostgreSQL', () => {
  it('store each event once and answer every query alike', async () => {
    const storage = { env: { STORAGE_URL: schema!.url } };
    // Started together on a fresh schema: the migrations run once, under the advisory lock.
    running.push(...(await Promise.all([startAudited(kc.path, storage), startAudited(kc.path, storage)])));
    const [a, b] = running as [Running, Running];
    fake.create('deployments', deploymentObject('shop', 'x'));
    await eventsOnceThereAre(a.url, 1);
    fake.create('deployments', deploymentObject('shop', 'y'));
    await eventsOnceThereAre(b.url, 2);
    fake.update('deployments', 'shop', 'x', (d) => ((d.spec as { replicas: number }).replicas = 4));
    await eventsOnceThereAre(a.url, 3);
    fake.delete('deployments', 'shop', 'y');
    const events = await eventsOnceThereAre(b.url, 4);

    expect(events.map(line)).toEqual(['delete deployment shop/y', 'update deployment shop/x', 'add deployment shop/y', 'add deployment shop/x']);
    // A replica reads another's writes once their notification arrives (docs/ARCHITECTURE.md, "Serialising once per change").
    expect(await eventsOnceThereAre(a.url, 4)).toEqual(events);
    const rows = await schema!.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_events');
    expect(rows[0]?.n).toBe('4');
    for (const query of ['?filterEventTypes=add', '?count=1', '?filterNamespaces=shop&filterEventTypes=update,delete']) {
      expect(await auditEvents(a.url, query)).toEqual(await auditEvents(b.url, query));
    }
  }, 60_000);
});
