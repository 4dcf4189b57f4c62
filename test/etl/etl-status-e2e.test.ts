import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EtlStatus } from '../../src/etl/etl-status-schemas.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { EtlRig, ofWindow, win } from '../support/etl-e2e.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';

// GET /model/etl/status, the repair routes and the data-status metrics through the real server,
// against the fake API server, on a ManualClock (test/support/etl-e2e.ts). The cluster exists
// from 09:00; the server starts at 10:05, so its first window is 10:00–11:00, built at 11:00.

const H10 = win('2024-05-03T10:00:00Z', '2024-05-03T11:00:00Z');
const H11 = win('2024-05-03T11:00:00Z', '2024-05-03T12:00:00Z');
const H12 = win('2024-05-03T12:00:00Z', '2024-05-03T13:00:00Z');
const H13 = win('2024-05-03T13:00:00Z', '2024-05-03T14:00:00Z');

let rig: EtlRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function rigAt1005(): Promise<EtlRig> {
  const r = (rig = await EtlRig.start('2024-05-03T09:00:00Z'));
  r.clock.advance(65 * 60_000);
  return r;
}

async function status(r: EtlRig, query = ''): Promise<EtlStatus> {
  return r.get<EtlStatus>(`/model/etl/status${query}`);
}

async function inject(r: EtlRig, method: 'GET' | 'POST', url: string): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const res = await (r.server?.app.inject({ method, url }) ?? Promise.reject(new Error('no server')));
  return { statusCode: res.statusCode, body: res.json<Record<string, unknown>>() };
}

/** The value of one sample of the scrape, by its exact name and labels. */
async function sample(r: EtlRig, series: string): Promise<number | undefined> {
  const text = (await r.server?.app.inject('/metrics'))?.body ?? '';
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /model/etl/status end to end', () => {
  it('says a pipeline that built every window is healthy, with Kubecost fields per category and resolution', async () => {
    const r = await rigAt1005();
    await r.startServer();
    await r.advanceTo('2024-05-03T11:00:00Z');
    await r.advanceTo('2024-05-03T12:00:00Z');
    const s = await status(r);
    expect(s).toMatchObject({ healthy: true, cluster: 'cluster-one', clusters: ['cluster-one'], repairRunning: false, repairs: {} });
    expect(s.reason).toBeUndefined();
    const hourly = {
      resolution: '1h',
      refreshRate: '1h',
      coverage: { start: H10.start, end: H11.end },
      startTime: '2024-05-03T10:05:00Z',
      lastRun: '2024-05-03T12:00:00Z',
      nextRun: '2024-05-03T13:00:00Z',
      progress: 1,
      expectedWindows: 2,
      presentWindows: 2,
      missingWindows: 0,
      missing: [],
      missingTruncated: false,
      dataStatus: { success: 2, empty: 0, error: 0, warning: 0 },
    };
    expect(s.allocation['1h']).toEqual(hourly);
    expect(s.assets['1h']).toEqual(hourly);
    // The day is not over: no roll-up is expected yet.
    expect(s.allocation['1d']).toMatchObject({ resolution: '1d', coverage: null, expectedWindows: 0, presentWindows: 0, progress: 1 });
    expect(s.pipeline).toEqual({
      startTime: '2024-05-03T10:05:00Z',
      lastRun: { startTime: '2024-05-03T12:00:00Z', endTime: '2024-05-03T12:00:00Z', durationMs: 0, outcome: 'success', windowsBuilt: 1 },
      nextRun: '2024-05-03T13:00:00Z',
      lastError: null,
    });
    // Ended objects are held ETL_REPAIR_HORIZON (24h) after the window they fall in is built.
    expect(s.clusterCache).toEqual({ ready: true, current: true, horizon: '2024-05-02T12:00:00Z' });

    expect(await sample(r, 'kubecost_allocation_data_status{resolution="1h",status="success"}')).toBe(2);
    expect(await sample(r, 'kubecost_asset_data_status{resolution="1h",status="error"}')).toBe(0);
    expect(await sample(r, 'cost_events_etl_missing_windows{category="allocation",resolution="1h"}')).toBe(0);
  });

  it('says a failing window (ComputeError) is missing with status error and the run failed, then healthy once it is built', async () => {
    const r = await rigAt1005();
    // Every first list of the cache's five kinds fails: the run at 11:00 cannot build 10:00–11:00.
    r.fake.failNext(5, 500, 'list');
    await r.startServer({}, { synced: false });
    const cache = r.etl.cache;
    await waitFor(() => cache.statuses().every((st) => st.state === 'backoff'), 'every list to fail');
    await r.advanceTo('2024-05-03T11:00:00Z');
    await waitFor(() => cache.readiness().ready, 'the cache to sync');
    const failed = await status(r);
    const error = failed.pipeline?.lastError?.message ?? '';
    expect(error).toMatch(/^the cluster cache is not synced \(/);
    expect(failed).toMatchObject({ healthy: false, reason: `the last ETL run failed: ${error}` });
    expect(failed.pipeline).toMatchObject({ lastRun: { outcome: 'error', windowsBuilt: 0 }, lastError: { message: error, time: '2024-05-03T11:00:00Z' } });
    expect(failed.allocation['1h']).toMatchObject({
      coverage: null,
      expectedWindows: 1,
      presentWindows: 0,
      missingWindows: 1,
      progress: 0,
      missing: [{ cluster: 'cluster-one', ...H10, windows: 1, status: 'error' }],
      dataStatus: { success: 0, empty: 0, error: 1, warning: 0 },
    });
    expect(await sample(r, 'kubecost_allocation_data_status{resolution="1h",status="error"}')).toBe(1);
    expect(await sample(r, 'cost_events_etl_missing_windows{category="asset",resolution="1h"}')).toBe(1);

    await r.advanceTo('2024-05-03T12:00:00Z');
    const recovered = await status(r);
    expect(recovered).toMatchObject({ healthy: true, allocation: { '1h': { expectedWindows: 2, presentWindows: 2, missing: [] } } });
    // The last error stays, with its time, after the runs that followed succeeded.
    expect(recovered.pipeline).toMatchObject({ lastRun: { outcome: 'success', windowsBuilt: 2 }, lastError: { message: error, time: '2024-05-03T11:00:00Z' } });
    expect(await sample(r, 'kubecost_allocation_data_status{resolution="1h",status="error"}')).toBe(0);
  });

  it('lists the windows of a downtime as missing, and a repair of each category fills them, saves, totals and publishes', async () => {
    const r = await rigAt1005();
    const env = { STORAGE_URL: `sqlite:${join(r.dir, 'etl.db')}` };
    await r.startServer(env);
    await r.advanceTo('2024-05-03T11:00:00Z');
    await r.stopServer();

    // Down from 11:00 to 14:20; the restarted server's cache cannot list at first, so its first run fails.
    r.clock = new ManualClock('2024-05-03T14:20:00Z');
    r.fake.failNext(5, 500, 'list');
    await r.startServer(env, { synced: false });
    await r.settled();
    await waitFor(() => r.etl.cache.statuses().every((st) => st.state === 'backoff'), 'every list to fail');
    r.clock.advance(60_000); // past the lists' backoff
    await waitFor(() => r.etl.cache.readiness().ready, 'the cache to sync');
    const down = await status(r);
    expect(down.healthy).toBe(false);
    const range = { cluster: 'cluster-one', start: H11.start, end: H13.end, windows: 3, status: 'error' };
    expect(down.allocation['1h']).toMatchObject({ coverage: { start: H10.start, end: H10.end }, expectedWindows: 4, presentWindows: 1, missingWindows: 3, missing: [range] });
    expect(down.assets['1h']).toMatchObject({ missingWindows: 3, missing: [range] });

    const res = await inject(r, 'POST', `/model/etl/allocation/repair?window=${H11.start},${H13.end}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      code: 200,
      data: 'Repairing Allocation ETL',
      repair: { category: 'allocation', state: 'running', window: { start: H11.start, end: H13.end }, windows: 3, rebuilt: 0, days: 0, notRebuilt: [] },
    });
    expect((res.body['repair'] as { notes: string[] }).notes).toEqual([
      'windows before 2024-05-03T14:20:00Z, when this server started, are rebuilt from what it knows: objects that ended before then count as idle of their nodes',
    ]);
    expect(res.body['warning']).toBeUndefined();
    await r.etl.repairs.idle();
    await r.settled();
    const repaired = await status(r);
    expect(repaired.allocation['1h']).toMatchObject({ expectedWindows: 4, presentWindows: 4, missingWindows: 0, missing: [] });
    expect(repaired.assets['1h']).toMatchObject({ missingWindows: 3 });
    expect(repaired.repairs['cluster-one']).toMatchObject({ state: 'done', progress: 1, rebuilt: 3, endTime: '2024-05-03T14:21:00Z' });
    const log = await r.log('kind=AllocationSetSaved,AllocationSetTotaled,AssetSetSaved');
    for (const w of [H11, H12, H13]) {
      expect(ofWindow(log.allocation, 'AllocationSetSaved', w).map((e) => e.metadata)).toEqual([{ size: 5, window: w }]);
      expect(ofWindow(log.allocation, 'AllocationSetTotaled', w)).toHaveLength(1);
    }
    // An allocation repair leaves the asset sets alone.
    expect(log.asset.map((e) => e.metadata.window)).toEqual([H10]);
    const [set = {}] = await r.allocation(`window=${H12.start},${H12.end}`);
    expect(set['cluster-one/node-a/shop/web-7d9f-x2x9k/app']).toMatchObject({ minutes: 60, cpuCoreHours: 1 });

    const assets = await inject(r, 'GET', `/model/etl/asset/repair?window=${H11.start},${H13.end}`);
    expect(assets.body).toMatchObject({ code: 200, data: 'Repairing Asset ETL', repair: { category: 'asset', windows: 3 } });
    await r.etl.repairs.idle();
    expect((await status(r)).assets['1h']).toMatchObject({ missingWindows: 0 });
  });

  it('rolls the closed days a repair touched up again, and publishes Aggregated for them', async () => {
    const r = (rig = await EtlRig.start('2024-05-03T21:00:00Z'));
    r.clock.advance(65 * 60_000); // 22:05
    await r.startServer();
    await r.advanceTo('2024-05-03T23:00:00Z');
    await r.advanceTo('2024-05-04T00:00:00Z');
    await r.advanceTo('2024-05-04T01:00:00Z');
    const day = win('2024-05-03T00:00:00Z', '2024-05-04T00:00:00Z');
    const res = await inject(r, 'GET', '/model/etl/asset/repair?window=2024-05-03T23:00:00Z,2024-05-04T01:00:00Z');
    // Two windows; of the days they touch, May 3 has closed (May 4 is rolled up when it closes).
    expect(res.body).toMatchObject({ repair: { windows: 2, days: 1 } });
    await r.etl.repairs.idle();
    await r.settled();
    expect((await status(r)).repairs['cluster-one']).toMatchObject({ state: 'done', rebuilt: 2, rolledUp: 1, progress: 1 });
    const log = await r.log('kind=AssetSetAggregated,AssetSetSaved');
    // The day's roll-up at midnight, then the repair's; each Aggregated from the 2 nodes and the disk into 3 assets.
    expect(ofWindow(log.asset, 'AssetSetAggregated', day).map((e) => [e.metadata.size, e.time])).toEqual([
      [3, '2024-05-04T00:00:00.000000000Z'],
      [3, '2024-05-04T01:00:00.000000000Z'],
    ]);
    expect(ofWindow(log.asset, 'AssetSetSaved', day)).toHaveLength(2);
    expect((await status(r)).assets['1d']).toMatchObject({ expectedWindows: 1, presentWindows: 1, coverage: day });
  });

  it('says what a repair cannot rebuild: windows older than what the cluster cache still knows', async () => {
    const r = await rigAt1005();
    // Ended objects are kept an hour after their window is built.
    await r.startServer({ ETL_REPAIR_HORIZON: '1h' });
    for (const t of ['11', '12', '13']) await r.advanceTo(`2024-05-03T${t}:00:00Z`);
    expect((await status(r)).clusterCache).toEqual({ ready: true, current: true, horizon: H12.start });
    const res = await inject(r, 'GET', `/model/etl/allocation/repair?window=${H10.start},${H12.end}`);
    const reason = 'older than what the cluster cache still knows: objects that ended before 2024-05-03T12:00:00Z were let go (ETL_REPAIR_HORIZON)';
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatchObject({
      data: 'Repairing Allocation ETL',
      repair: { windows: 1, notRebuilt: [{ start: H10.start, end: H12.start, reason }] },
      warning: `${H10.start} to ${H12.start} is not rebuilt: ${reason}`,
    });
    await r.etl.repairs.idle();
    expect((await status(r)).repairs['cluster-one']).toMatchObject({ state: 'done', rebuilt: 1, notRebuilt: [{ start: H10.start, end: H12.start, reason }] });
    const log = await r.log('kind=AllocationSetSaved');
    expect(log.allocation.map((e) => e.metadata.window)).toEqual([H10, H11, H12, H12]);
  });

  it('answers 409 naming the running repair, while the schedule keeps building; the status shows its progress', async () => {
    const r = await rigAt1005();
    await r.startServer();
    for (const t of ['11', '12', '13']) await r.advanceTo(`2024-05-03T${t}:00:00Z`);
    // Hold the pipeline's chain: the repair waits for its turn as a build would.
    let release: () => void = () => undefined;
    void r.etl.pipeline.exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    const first = await inject(r, 'POST', `/model/etl/allocation/repair?window=${H10.start},${H12.end}`);
    expect(first.statusCode).toBe(200);
    const id = (first.body['repair'] as { id: string }).id;
    expect(id).toBe('allocation-1h-1714741200000-1');
    const second = await inject(r, 'POST', `/model/etl/asset/repair?window=${H10.start},${H11.end}`);
    expect(second).toEqual({
      statusCode: 409,
      body: {
        code: 409,
        data: null,
        message: `a repair is running: ${id} (allocation 2024-05-03T10:00:00Z to 2024-05-03T13:00:00Z, 0 of 3 windows rebuilt, started 2024-05-03T13:00:00Z); one repair at a time per cluster, try again when it has ended`,
      },
    });
    const running = await status(r);
    expect(running.repairRunning).toBe(true);
    expect(running.repairs['cluster-one']).toMatchObject({ id, state: 'running', progress: 0, rebuilt: 0, windows: 3, endTime: null });

    // The run at 14:00 is queued behind; both go once the chain moves.
    r.clock.advance(60 * 60_000);
    release();
    await r.etl.repairs.idle();
    await r.settled();
    const s = await status(r);
    expect(s).toMatchObject({ healthy: true, repairRunning: false, allocation: { '1h': { presentWindows: 4 } } });
    expect(s.repairs['cluster-one']).toMatchObject({ state: 'done', rebuilt: 3 });
    expect((await r.log('kind=AllocationSetSaved')).allocation.map((e) => e.metadata.window?.start)).toContain(H13.start);
  });

  it('marks a repair a restart interrupted as interrupted, and does not resume it', async () => {
    const r = await rigAt1005();
    const file = join(r.dir, 'etl.db');
    await r.startServer({ STORAGE_URL: `sqlite:${file}` });
    await r.advanceTo('2024-05-03T12:00:00Z');
    await r.stopServer();
    // What a server that died mid-repair left: its record still says running.
    const store = SqliteStore.open(file, { etlLogCapacity: 10, auditCapacity: 10 });
    const record = {
      id: 'allocation-1h-1714744800000-1',
      cluster: 'cluster-one',
      category: 'allocation',
      start: Date.parse(H10.start),
      end: Date.parse(H12.start),
      from: Date.parse(H10.start),
      state: 'running',
      windows: 2,
      rebuilt: 1,
      days: 0,
      rolledUp: 0,
      startedAt: Date.parse(H12.start),
      notRebuilt: [],
      notes: [],
    };
    await store.saveRepair('cluster-one', JSON.stringify(record));
    await store.close();

    r.clock = new ManualClock('2024-05-03T12:30:00Z');
    await r.startServer({ STORAGE_URL: `sqlite:${file}` });
    await r.settled();
    const s = await status(r);
    expect(s.repairRunning).toBe(false);
    expect(s.repairs['cluster-one']).toEqual({
      id: record.id,
      cluster: 'cluster-one',
      category: 'allocation',
      window: { start: H10.start, end: H12.start },
      state: 'interrupted',
      progress: 0.5,
      windows: 2,
      rebuilt: 1,
      days: 0,
      rolledUp: 0,
      startTime: '2024-05-03T12:00:00Z',
      endTime: '2024-05-03T12:30:00Z',
      notRebuilt: [],
      notes: [],
    });
    // Not resumed: nothing rebuilt 10:00–11:00 again, and another repair may start.
    const saved = (await r.log('kind=AllocationSetSaved')).allocation;
    expect(saved.filter((e) => e.time > '2024-05-03T12:00:00.000000000Z')).toEqual([]);
    const res = await inject(r, 'GET', `/model/etl/allocation/repair?window=${H10.start},${H11.end}`);
    expect(res.statusCode).toBe(200);
  });
});
