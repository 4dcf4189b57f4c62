import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CPU_HOUR,
  EtlRig,
  GIB_HOUR,
  GPU_HOUR,
  M5_XLARGE_HOUR,
  NAMES,
  NODE_A_HOUR,
  ofWindow,
  sum,
  win,
  type EtlLogEvent,
} from '../support/etl-e2e.js';
import { waitFor } from '../support/wait-for.js';

// The ETL pipeline's failures and its reconciliation with a billing export, end to end through the
// real server against the fake API server (see etl-e2e.test.ts for the cluster and the prices).

const HOUR_10 = win('2024-05-03T10:00:00Z', '2024-05-03T11:00:00Z');
const HOUR_11 = win('2024-05-03T11:00:00Z', '2024-05-03T12:00:00Z');
const COST_DIGITS = 4;

/** node-a's instance as AWS's FOCUS export names it: the ARN whose last segment is its providerID's. */
const NODE_A_ARN = 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0aaa1111bbbb2222c';
const FOCUS_HEADER = 'BillingAccountId,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,ResourceId,ResourceType,BilledCost,BillingCurrency';
/** What the export bills node-a for 10:00–11:00 (its computed cost is 1.144192). */
const BILLED = 1.25;
const focusRow = (cost: string) => `123456789012,Usage,2024-05-03T10:00:00Z,2024-05-03T11:00:00Z,${NODE_A_ARN},Instance,${cost},USD`;

let rig: EtlRig | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** A rig whose cluster exists from 09:00, the clock at 10:05. */
async function rigAt1005(): Promise<EtlRig> {
  const r = (rig = await EtlRig.start('2024-05-03T09:00:00Z'));
  r.clock.advance(65 * 60_000);
  return r;
}

const kinds = (events: readonly EtlLogEvent[]) => events.map((e) => e.kind);

describe('ETL errors end to end', () => {
  it('waits, without an error, for watches that fail after the sync, and builds the window once they are back', async () => {
    const r = await rigAt1005();
    await r.startServer();
    const cache = r.etl.cache;
    // Every watch is cut and cannot come back: the cache may be missing changes from now on.
    r.fake.failNext(10_000, 500, 'watch');
    r.fake.dropWatches();
    await waitFor(() => cache.statuses().every((s) => s.state === 'backoff'), 'every watch to fail');
    await r.advanceTo('2024-05-03T11:00:00Z');
    expect(await r.log('kind=AllocationSetSaved,AllocationSetComputeError')).toMatchObject({ allocation: [] });

    r.fake.clearFaults();
    r.clock.advance(60_000); // past the watches' backoff (and a recheck)
    await waitFor(() => cache.statuses().every((s) => s.state === 'watching'), 'every watch to be back');
    await r.advanceTo('2024-05-03T11:01:30Z');
    const log = await r.log('kind=AllocationSetSaved,AllocationSetComputeError');
    expect(log.allocation.map((e) => [e.kind, e.metadata.window])).toEqual([['AllocationSetSaved', HOUR_10]]);
  });

  it('publishes ComputeError while the cluster cache cannot sync, and builds the window at a later run once it has', async () => {
    const r = await rigAt1005();
    // Every first list of the cache's five kinds (pods, nodes, volumes, claims, services) fails.
    r.fake.failNext(5, 500, 'list');
    const server = await r.startServer({}, { synced: false });
    const cache = r.etl.cache;
    await waitFor(() => cache.statuses().every((s) => s.state === 'backoff'), 'every list to fail');
    expect((await server.app.inject('/readyz')).statusCode).toBe(503);

    // The run at 11:00 comes while the retried lists are still in flight.
    await r.advanceTo('2024-05-03T11:00:00Z');
    const failed = await r.log('kind=AllocationSetComputeError,AssetSetComputeError,AllocationSetSaved');
    expect(failed.allocation.map((e) => [e.kind, e.metadata.window])).toEqual([['AllocationSetComputeError', HOUR_10]]);
    expect(failed.allocation[0]?.metadata.error).toMatch(/^the cluster cache is not synced \(/);
    expect(kinds(failed.asset)).toEqual(['AssetSetComputeError']);

    await waitFor(() => cache.readiness().ready, 'the cache to sync');
    await r.advanceTo('2024-05-03T12:00:00Z');
    const log = await r.log('kind=AllocationSetComputeError,AllocationSetSaved,AssetSetSaved');
    expect(log.allocation.map((e) => [e.kind, e.metadata])).toEqual([
      ['AllocationSetComputeError', { window: HOUR_10, error: failed.allocation[0]?.metadata.error }],
      ['AllocationSetSaved', { size: 5, window: HOUR_10 }],
      ['AllocationSetSaved', { size: 5, window: HOUR_11 }],
    ]);
    expect(log.asset.map((e) => e.metadata)).toEqual([
      { size: 3, window: HOUR_10 },
      { size: 3, window: HOUR_11 },
    ]);
    // The late window is whole: the pods' start times say they ran all of it.
    const [set = {}] = await r.allocation(`window=${HOUR_10.start},${HOUR_10.end}`);
    expect(set[NAMES.web]).toMatchObject({ minutes: 60, cpuCoreHours: 1 });
  });

  it('publishes ReconcileError naming the path of a missing export, saves the computed sets, and reconciles them once the export appears', async () => {
    const r = await rigAt1005();
    const path = join(r.dir, 'focus.csv');
    await r.startServer({ BILLING_EXPORT: path });
    await r.advanceTo('2024-05-03T11:00:00Z');
    const log = await r.log('kind=AllocationSetReconcileError,AssetSetReconcileError,AllocationSetSaved,AllocationSetReconciled');
    expect(kinds(log.allocation)).toEqual(['AllocationSetReconcileError', 'AllocationSetSaved']);
    expect(log.allocation[0]?.metadata).toEqual({ window: HOUR_10, error: `billing export ${path}: no such file (BILLING_EXPORT names a FOCUS CSV file; it may appear later)` });
    expect(log.asset.map((e) => e.metadata)).toEqual([log.allocation[0]?.metadata]);
    const [computed = {}] = await r.assets(`window=${HOUR_10.start},${HOUR_10.end}`);
    expect(computed[NAMES.nodeA]?.adjustment).toBe(0);

    // The export appears; the next run reconciles the stored window it covers (11:00–12:00 it does not cover yet: pending, no event).
    writeFileSync(path, `${FOCUS_HEADER}\n${focusRow(String(BILLED))}\n`);
    await r.advanceTo('2024-05-03T12:00:00Z');
    const later = await r.log('kind=AllocationSetReconcileError,AllocationSetReconciled,AllocationSetSaved');
    expect(later.allocation.map((e) => [e.kind, e.metadata.window])).toEqual([
      ['AllocationSetReconcileError', HOUR_10],
      ['AllocationSetSaved', HOUR_10],
      ['AllocationSetSaved', HOUR_11],
      ['AllocationSetReconciled', HOUR_10],
      ['AllocationSetSaved', HOUR_10],
    ]);
    const [reconciled = {}] = await r.assets(`window=${HOUR_10.start},${HOUR_10.end}`);
    expect(reconciled[NAMES.nodeA]?.totalCost).toBeCloseTo(BILLED, COST_DIGITS);
  });

  it('publishes ReconcileError naming the line of a malformed export', async () => {
    const r = await rigAt1005();
    const path = join(r.dir, 'focus.csv');
    writeFileSync(path, `${FOCUS_HEADER}\n${focusRow('1.25')}\n${focusRow('$1.25')}\n`);
    await r.startServer({ BILLING_EXPORT: path });
    await r.advanceTo('2024-05-03T11:00:00Z');
    const log = await r.log('kind=AllocationSetReconcileError,AssetSetReconcileError');
    expect(log.allocation.map((e) => e.metadata.window)).toEqual([HOUR_10]);
    expect(log.allocation[0]?.metadata.error).toMatch(new RegExp(`^billing export ${path}, line 3: BilledCost "\\$1\\.25" is not a number`));
    expect(log.asset[0]?.metadata.error).toBe(log.allocation[0]?.metadata.error);
  });
});

describe('reconciliation end to end', () => {
  it('gives node-a its billed cost and rescales the allocations on it to sum to it', async () => {
    const r = await rigAt1005();
    const path = join(r.dir, 'focus.csv');
    writeFileSync(path, `${FOCUS_HEADER}\n${focusRow(String(BILLED))}\n`);
    await r.startServer({ BILLING_EXPORT: path });
    await r.advanceTo('2024-05-03T11:00:00Z');

    const log = await r.log('kind=AllocationSetReconciled,AllocationSetSaved,AssetSetReconciled,AssetSetSaved');
    expect(log.allocation.map((e) => [e.kind, e.metadata])).toEqual([
      ['AllocationSetReconciled', { window: HOUR_10 }],
      ['AllocationSetSaved', { size: 5, window: HOUR_10 }],
    ]);
    expect(kinds(log.asset)).toEqual(['AssetSetReconciled', 'AssetSetSaved']);

    const [assets = {}] = await r.assets(`window=${HOUR_10.start},${HOUR_10.end}`);
    // node-a computed 4 × 0.031616 + 16 × 0.004233 + 0.95 = 1.144192; billed 1.25: adjustment 0.105808.
    expect(assets[NAMES.nodeA]?.totalCost).toBeCloseTo(BILLED, COST_DIGITS);
    expect(assets[NAMES.nodeA]?.adjustment).toBeCloseTo(BILLED - NODE_A_HOUR, COST_DIGITS);
    expect(assets[NAMES.nodeA]?.cpuCost).toBeCloseTo(4 * CPU_HOUR, COST_DIGITS); // the computed costs stay
    // Nothing billed node-b (no provider id) nor the disk (vol-0data is not in the export).
    expect(assets[NAMES.nodeB]).toMatchObject({ adjustment: 0 });
    expect(assets[NAMES.nodeB]?.totalCost).toBeCloseTo(M5_XLARGE_HOUR, COST_DIGITS);
    expect(assets[NAMES.disk]).toMatchObject({ adjustment: 0 });

    const [set = {}] = await r.allocation(`window=${HOUR_10.start},${HOUR_10.end}`);
    // On node-a: web 0.040082, train 0.998548 and idle 0.105562 (2 core-hours, 10 GiB-hours), together 1.144192,
    // each scaled by 1.25 / 1.144192 = 1.092473.
    const onA = Object.values(set).filter((a) => a.properties.node === 'node-a');
    expect(onA.map((a) => a.name).sort()).toEqual([NAMES.idleA, NAMES.train, NAMES.web].sort());
    expect(sum(onA, (a) => a.totalCost)).toBeCloseTo(BILLED, COST_DIGITS);
    const factor = BILLED / NODE_A_HOUR;
    const web = set[NAMES.web];
    expect(web?.cpuCost).toBeCloseTo(CPU_HOUR, COST_DIGITS);
    expect(web?.cpuCostAdjustment).toBeCloseTo(CPU_HOUR * (factor - 1), COST_DIGITS); // 0.031616 × 0.092473 = 0.002924
    expect(web?.totalCost).toBeCloseTo((CPU_HOUR + 2 * GIB_HOUR) * factor, COST_DIGITS); // 0.043789
    expect(set[NAMES.train]?.gpuCostAdjustment).toBeCloseTo(GPU_HOUR * (factor - 1), COST_DIGITS); // 0.087849
    expect(set[NAMES.idleA]?.totalCost).toBeCloseTo((2 * CPU_HOUR + 10 * GIB_HOUR) * factor, COST_DIGITS); // 0.115323
    // node-b's allocations keep their computed costs.
    expect(set[NAMES.db]?.cpuCostAdjustment).toBe(0);
    expect(sum(Object.values(set).filter((a) => a.properties.node === 'node-b'), (a) => a.totalCost - a.pvCost)).toBeCloseTo(M5_XLARGE_HOUR, COST_DIGITS);
    expect(ofWindow(log.allocation, 'AllocationSetReconciled', HOUR_10)).toHaveLength(1);
  });
});
