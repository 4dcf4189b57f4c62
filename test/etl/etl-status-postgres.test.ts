import { afterEach, describe, expect, it } from 'vitest';
import type { EtlStatus } from '../../src/etl/etl-status-schemas.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { EtlRig, HOUR, win } from '../support/etl-e2e.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { waitFor } from '../support/wait-for.js';

// Two clusters' servers sharing one PostgreSQL store (and, here, one fake cluster and one clock):
// either server's GET /model/etl/status answers for both, filterClusters keeps them apart, and a
// cluster whose server stopped shows the windows it did not build, and its last repair.

const pgOk = await postgresAvailable();
const H10 = win('2024-05-03T10:00:00Z', '2024-05-03T11:00:00Z');

let rig: EtlRig | undefined;
let two: ServerHandle | undefined;
let schema: TestSchema | undefined;
afterEach(async () => {
  await two?.close();
  await rig?.close();
  await schema?.drop();
  rig = undefined;
  two = undefined;
  schema = undefined;
});

async function statusOf(server: ServerHandle, query = ''): Promise<EtlStatus> {
  const res = await server.app.inject(`/model/etl/status${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ data: EtlStatus }>().data;
}

describe.skipIf(!pgOk)('GET /model/etl/status over a PostgreSQL store shared by two clusters', () => {
  it('answers for both clusters, lists the windows of the one whose server stopped, and filters them apart', async () => {
    const r = (rig = await EtlRig.start('2024-05-03T09:00:00Z'));
    const db = (schema = await createTestSchema());
    r.clock.advance(65 * 60_000); // 10:05
    const one = await r.startServer({ STORAGE_URL: db.url });
    const second = (two = await startServer(r.config({ STORAGE_URL: db.url, CLUSTER_ID: 'cluster-two' }), {
      clock: r.clock,
      env: {},
      serviceAccountDir: '/nonexistent',
      etlSettleMs: 0,
      watchTuning: { random: () => 0.5, staleAfterMs: 30 * 24 * HOUR },
    }));
    await waitFor(() => second.etl?.cache.readiness().ready === true, 'cluster-two\'s cache to sync');
    const settle = async (): Promise<void> => {
      await second.etl?.pipeline.idle();
      await second.storage.writer.idle();
      await r.settled();
    };
    for (const t of ['11', '12']) {
      r.clock.advance(Date.parse(`2024-05-03T${t}:00:00Z`) - r.clock.nowMs());
      await settle();
    }
    // cluster-two repairs its first hour, then its server stops at 12:00.
    const repaired = await second.app.inject({ method: 'POST', url: `/model/etl/allocation/repair?window=${H10.start},${H10.end}` });
    expect(repaired.json()).toMatchObject({ code: 200, data: 'Repairing Allocation ETL' });
    await second.etl?.repairs.idle();
    await second.close();
    two = undefined;
    await r.advanceTo('2024-05-03T13:00:00Z');
    await r.advanceTo('2024-05-03T14:00:00Z');

    const both = await statusOf(one);
    expect(both.clusters).toEqual(['cluster-one', 'cluster-two']);
    const missing = { cluster: 'cluster-two', start: '2024-05-03T12:00:00Z', end: '2024-05-03T14:00:00Z', windows: 2, status: 'warning' };
    expect(both).toMatchObject({ healthy: false, reason: '2 allocation 1h windows missing, the first 2024-05-03T12:00:00Z to 2024-05-03T14:00:00Z of cluster-two' });
    expect(both.allocation['1h']).toMatchObject({
      coverage: { start: H10.start, end: '2024-05-03T14:00:00Z' },
      expectedWindows: 8,
      presentWindows: 6,
      missingWindows: 2,
      progress: 0.75,
      missing: [missing],
      dataStatus: { success: 6, empty: 0, error: 0, warning: 2 },
    });
    expect(both.assets['1h']).toMatchObject({ missing: [missing] });
    // cluster-two's last repair, read from the shared store.
    expect(both.repairs['cluster-two']).toMatchObject({ cluster: 'cluster-two', category: 'allocation', state: 'done', rebuilt: 1, window: H10 });

    const mine = await statusOf(one, '?filterClusters=cluster-one');
    expect(mine).toMatchObject({ healthy: true, clusters: ['cluster-one'], allocation: { '1h': { expectedWindows: 4, presentWindows: 4, missing: [] } } });
    expect(mine.repairs).toEqual({});

    const theirs = await statusOf(one, '?filterClusters=cluster-two');
    // Not this server's cluster: no pipeline or cache of its own to report.
    expect(theirs).toMatchObject({ healthy: false, clusters: ['cluster-two'], pipeline: null, clusterCache: null });
    expect(theirs.allocation['1h']).toMatchObject({ expectedWindows: 4, presentWindows: 2, startTime: null, lastRun: null, missing: [missing] });
  });
});
