import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBillingIndex, type BillingIndex } from '../../src/etl/billing-export.js';
import { reconcileSets, type ReconcileResult } from '../../src/etl/reconcile.js';
import { IDLE_KEY, type Allocation, type AllocationSet, type Asset, type AssetSet, type DiskAsset, type NodeAsset } from '../../src/etl/sets.js';
import type { Window } from '../../src/window.js';

const HOUR = 3_600_000;
const MAY3 = Date.UTC(2024, 4, 3);
const CLUSTER = 'c1';
/** 10:00–11:00 on 3 May: the AWS fixture bills i-0abc123 2.40 and vol-0abc 0.24 for the day, 0.10 and 0.01 for the hour. */
const HOUR_WINDOW: Window = { start: MAY3 + 10 * HOUR, end: MAY3 + 11 * HOUR };
const NOW = Date.UTC(2024, 4, 6);

const fixtureIndex = (name: string): BillingIndex => parseBillingIndex(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'), name);
const focus = (rows: string[]): BillingIndex => parseBillingIndex(['ResourceId,ChargePeriodStart,ChargePeriodEnd,BilledCost', ...rows].join('\n'));
const cents = (n: number): string => (Math.round(n * 100) / 100).toFixed(2);

function node(name: string, providerID: string | undefined, cpuCost: number, ramCost: number, gpuCost = 0): NodeAsset {
  return {
    type: 'Node',
    name: `${CLUSTER}/Node/${name}`,
    properties: { cluster: CLUSTER, category: 'Compute', service: 'Kubernetes', name, ...(providerID === undefined ? {} : { providerID }) },
    labels: {},
    start: 0,
    end: 0,
    adjustment: 0,
    cpuCores: 2,
    ramBytes: 8 * 2 ** 30,
    gpuCount: gpuCost > 0 ? 1 : 0,
    cpuCoreHours: 2,
    ramByteHours: 8 * 2 ** 30,
    gpuHours: gpuCost > 0 ? 1 : 0,
    cpuCost,
    ramCost,
    gpuCost,
  };
}

function disk(volumeName: string, providerID: string | undefined, cost: number): DiskAsset {
  return {
    type: 'Disk',
    name: `${CLUSTER}/Disk/${volumeName}`,
    properties: { cluster: CLUSTER, category: 'Storage', service: 'Kubernetes', name: volumeName, ...(providerID === undefined ? {} : { providerID }) },
    labels: {},
    start: 0,
    end: 0,
    adjustment: 0,
    bytes: 2 ** 30,
    byteHours: 2 ** 30,
    cost,
    volumeName,
  };
}

interface Costs {
  cpu: number;
  ram: number;
  gpu?: number;
  pv?: number;
  pvs?: Allocation['pvs'];
}

function alloc(nodeName: string, pod: string, c: Costs): Allocation {
  const idle = pod === IDLE_KEY;
  return {
    name: idle ? `${CLUSTER}/${nodeName}/${IDLE_KEY}` : `${CLUSTER}/${nodeName}/ns/${pod}/main`,
    properties: idle ? { cluster: CLUSTER, node: nodeName } : { cluster: CLUSTER, node: nodeName, namespace: 'ns', pod, container: 'main' },
    start: HOUR_WINDOW.start,
    end: HOUR_WINDOW.end,
    cpuCoreHours: 1,
    cpuCoreRequestAverage: 1,
    cpuCost: c.cpu,
    cpuCostAdjustment: 0,
    gpuHours: 0,
    gpuRequestAverage: 0,
    gpuCost: c.gpu ?? 0,
    gpuCostAdjustment: 0,
    ramByteHours: 2 ** 30,
    ramByteRequestAverage: 2 ** 30,
    ramCost: c.ram,
    ramCostAdjustment: 0,
    pvByteHours: c.pv === undefined ? 0 : 2 ** 30,
    pvCost: c.pv ?? 0,
    pvCostAdjustment: 0,
    ...(c.pvs === undefined ? {} : { pvs: c.pvs }),
  };
}

const allocationSet = (allocations: Allocation[], window = HOUR_WINDOW): AllocationSet => ({ cluster: CLUSTER, window, allocations });
const assetSet = (assets: Asset[], window = HOUR_WINDOW): AssetSet => ({ cluster: CLUSTER, window, assets });

/** What an allocation costs after reconciliation (CPU, RAM, GPU and PV, each with its adjustment). */
const allocTotal = (a: Allocation): number =>
  a.cpuCost + a.cpuCostAdjustment + a.ramCost + a.ramCostAdjustment + a.gpuCost + a.gpuCostAdjustment + a.pvCost + a.pvCostAdjustment;
const computeTotal = (a: Allocation): number => a.cpuCost + a.ramCost + a.gpuCost;
const assetTotal = (a: Asset): number => (a.type === 'Node' ? a.cpuCost + a.ramCost + a.gpuCost : a.cost) + a.adjustment;

/**
 * Node n1 (i-0abc123: computed 0.08, billed 0.10), node n2 (not in the export), disk pv-ebs
 * (vol-0abc: computed 0.02, billed 0.01), a local disk without a provider id (0.005), a load balancer.
 */
function awsSets(): { allocations: AllocationSet; assets: AssetSet } {
  return {
    assets: assetSet([
      node('n1', 'aws:///us-east-1a/i-0abc123', 0.06, 0.02),
      node('n2', 'aws:///us-east-1b/i-0fff', 0.05, 0.01),
      disk('pv-ebs', 'vol-0abc', 0.02),
      disk('pv-local', undefined, 0.005),
      { type: 'LoadBalancer', name: `${CLUSTER}/LoadBalancer/ns/web`, properties: { cluster: CLUSTER, namespace: 'ns', name: 'web' }, labels: {}, start: 0, end: 0, adjustment: 0, cost: 0.025 },
    ]),
    allocations: allocationSet([
      alloc('n1', 'a', { cpu: 0.03, ram: 0.01, pv: 0.02 }),
      alloc('n1', 'b', { cpu: 0.01, ram: 0.005, pvs: { 'pv-ebs': { byteHours: 2 ** 29, cost: 0.01 }, 'pv-local': { byteHours: 2 ** 29, cost: 0.005 } }, pv: 0.015 }),
      alloc('n1', IDLE_KEY, { cpu: 0.02, ram: 0.005 }),
      alloc('n2', 'c', { cpu: 0.04, ram: 0.008 }),
      alloc('n2', IDLE_KEY, { cpu: 0.01, ram: 0.002 }),
    ]),
  };
}

function reconciled(r: ReconcileResult): Extract<ReconcileResult, { status: 'reconciled' }> {
  if (r.status !== 'reconciled') throw new Error(`expected reconciled, got ${JSON.stringify(r)}`);
  return r;
}

const byName = <T extends { name: string }>(list: readonly T[], name: string): T => {
  const found = list.find((x) => x.name === name);
  if (found === undefined) throw new Error(`no ${name}`);
  return found;
};

describe('reconciling a window against a billing export', () => {
  it('is pending while the export does not reach the end of the window', () => {
    const { allocations, assets } = awsSets();
    const nextDay = { start: MAY3 + 24 * HOUR, end: MAY3 + 25 * HOUR };
    const r = reconcileSets(allocationSet(allocations.allocations, nextDay), assetSet(assets.assets, nextDay), { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW);
    expect(r).toEqual({ status: 'pending', coverageEnd: MAY3 + 24 * HOUR });
  });

  it('gives matched nodes and disks their billed cost (prorated to the hour) and leaves the others computed', () => {
    const { allocations, assets } = awsSets();
    const r = reconciled(reconcileSets(allocations, assets, { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW));
    expect([r.matched, r.unmatched]).toEqual([2, 2]);
    const adjusted = Object.fromEntries(r.assets.assets.map((a) => [a.name, [cents(a.adjustment), cents(assetTotal(a))]]));
    expect(adjusted).toEqual({
      'c1/Node/n1': ['0.02', '0.10'],
      'c1/Node/n2': ['0.00', '0.06'],
      'c1/Disk/pv-ebs': ['-0.01', '0.01'],
      'c1/Disk/pv-local': ['0.00', '0.01'],
      'c1/LoadBalancer/ns/web': ['0.00', '0.03'],
    });
    expect(r.assets.reconciled).toEqual({ source: 'd1', at: NOW });
    expect(r.allocations.reconciled).toEqual({ source: 'd1', at: NOW });
  });

  it('rescales the allocations on a matched node, idle included, so they sum to its billed cost to the cent', () => {
    const { allocations, assets } = awsSets();
    const r = reconciled(reconcileSets(allocations, assets, { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW));
    const onN1 = r.allocations.allocations.filter((a) => a.properties.node === 'n1');
    const node1 = byName(r.assets.assets, 'c1/Node/n1');
    expect(cents(onN1.reduce((s, a) => s + computeTotal(a) + a.cpuCostAdjustment + a.ramCostAdjustment + a.gpuCostAdjustment, 0))).toBe(cents(assetTotal(node1)));
    expect(onN1.reduce((s, a) => s + computeTotal(a) + a.cpuCostAdjustment + a.ramCostAdjustment, 0)).toBeCloseTo(0.1, 12);
    // Each cost scaled by billed ÷ computed = 0.10 / 0.08.
    const a = byName(r.allocations.allocations, 'c1/n1/ns/a/main');
    expect(a.cpuCostAdjustment).toBeCloseTo(0.03 * 0.25, 12);
    expect(a.ramCostAdjustment).toBeCloseTo(0.01 * 0.25, 12);
    expect(byName(r.allocations.allocations, `c1/n1/${IDLE_KEY}`).cpuCostAdjustment).toBeCloseTo(0.02 * 0.25, 12);
    // n2 is not in the export: its allocations keep their computed costs.
    for (const x of r.allocations.allocations.filter((x) => x.properties.node === 'n2')) expect([x.cpuCostAdjustment, x.ramCostAdjustment]).toEqual([0, 0]);
  });

  it('rescales PV costs per PV where an allocation records them, else by the cluster-wide disk ratio', () => {
    const { allocations, assets } = awsSets();
    const r = reconciled(reconcileSets(allocations, assets, { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW));
    // b's pv-ebs share is halved (0.01 billed for 0.02 computed), its pv-local share is unchanged.
    expect(byName(r.allocations.allocations, 'c1/n1/ns/b/main').pvCostAdjustment).toBeCloseTo(-0.005, 12);
    // a records no pvs: the disks cost 0.015 reconciled for 0.025 computed, a ratio of 0.6.
    expect(byName(r.allocations.allocations, 'c1/n1/ns/a/main').pvCostAdjustment).toBeCloseTo(0.02 * -0.4, 12);
    expect(byName(r.allocations.allocations, 'c1/n2/ns/c/main').pvCostAdjustment).toBe(0);
  });

  it('returns new sets and leaves its inputs untouched', () => {
    const { allocations, assets } = awsSets();
    const before = structuredClone({ allocations, assets });
    const r = reconciled(reconcileSets(allocations, assets, { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW));
    expect({ allocations, assets }).toEqual(before);
    expect(r.allocations).not.toBe(allocations);
    expect(r.allocations.allocations[0]).not.toBe(allocations.allocations[0]);
    expect(r.allocations.allocations[0]?.properties).not.toBe(allocations.allocations[0]?.properties);
    expect(r.assets.assets[0]?.properties).not.toBe(assets.assets[0]?.properties);
  });

  it('answers unchanged for sets already stamped with the same digest', () => {
    const { allocations, assets } = awsSets();
    const index = fixtureIndex('aws-focus.csv');
    const r = reconciled(reconcileSets(allocations, assets, { digest: 'd1', index }, NOW));
    expect(reconcileSets(r.allocations, r.assets, { digest: 'd1', index }, NOW + 1)).toEqual({ status: 'unchanged' });
    // Only one of the two stamped: reconciled again.
    expect(reconcileSets(allocations, r.assets, { digest: 'd1', index }, NOW + 1).status).toBe('reconciled');
  });

  it('starts again from the computed costs against a new export: adjustments are replaced, not added', () => {
    const { allocations, assets } = awsSets();
    const first = reconciled(reconcileSets(allocations, assets, { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW));
    // The corrected export bills the instance 3.60 a day (0.15 for the hour) and no longer the volume.
    const corrected = focus(['arn:aws:ec2:us-east-1:123456789012:instance/i-0abc123,2024-05-03T00:00:00Z,2024-05-04T00:00:00Z,3.6']);
    const second = reconciled(reconcileSets(first.allocations, first.assets, { digest: 'd2', index: corrected }, NOW + 1));
    expect([second.matched, second.unmatched]).toEqual([1, 3]);
    expect(cents(byName(second.assets.assets, 'c1/Node/n1').adjustment)).toBe('0.07');
    expect(byName(second.assets.assets, 'c1/Disk/pv-ebs').adjustment).toBe(0);
    const onN1 = second.allocations.allocations.filter((a) => a.properties.node === 'n1');
    expect(onN1.reduce((s, a) => s + computeTotal(a) + a.cpuCostAdjustment + a.ramCostAdjustment + a.gpuCostAdjustment, 0)).toBeCloseTo(0.15, 12);
    expect(second.allocations.allocations.map((a) => a.pvCostAdjustment)).toEqual([0, 0, 0, 0, 0]);
    expect(second.assets.reconciled).toEqual({ source: 'd2', at: NOW + 1 });
  });

  it('is an error when the export covers the window but bills none of its nodes and disks, naming what was tried', () => {
    const assets = assetSet([node('n2', 'aws:///us-east-1b/i-0fff', 0.05, 0.01), disk('pv-x', 'vol-0fff', 0.01), disk('pv-y', 'vol-0eee', 0.01), disk('pv-z', 'vol-0ddd', 0.01)]);
    const r = reconcileSets(allocationSet([]), assets, { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW);
    expect(r).toEqual({
      status: 'error',
      error:
        'the billing export bills none of the 4 nodes and disks with a provider id in cluster c1, window [2024-05-03T10:00:00Z, 2024-05-03T11:00:00Z) ' +
        '(tried aws:///us-east-1b/i-0fff, vol-0fff, vol-0eee, and 1 more); its ResourceIds look like arn:aws:ec2:us-east-1:123456789012:instance/i-0abc123, ' +
        'arn:aws:ec2:us-east-1:123456789012:volume/vol-0abc. An id matches a ResourceId that equals it or ends in the same last path segment',
    });
  });

  it('is an error when no node or disk has a provider id', () => {
    const r = reconcileSets(allocationSet([]), assetSet([node('n1', undefined, 0.05, 0.01), disk('pv-local', '', 0.01)]), { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW);
    expect(r).toEqual({
      status: 'error',
      error:
        "none of the 2 nodes and disks of cluster c1, window [2024-05-03T10:00:00Z, 2024-05-03T11:00:00Z) has a provider id (a node's spec.providerID, a PV's cloud disk id), " +
        "so nothing can be matched to the billing export's ResourceIds",
    });
  });

  it('is an error for sets of different windows', () => {
    const { allocations, assets } = awsSets();
    const other = allocationSet(allocations.allocations, { start: HOUR_WINDOW.start, end: HOUR_WINDOW.end + HOUR });
    expect(reconcileSets(other, assets, { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW)).toMatchObject({ status: 'error', error: expect.stringMatching(/are not of the same cluster and window$/) as string });
  });

  it('gives an unpriced node’s billed cost to its idle allocation', () => {
    const assets = assetSet([node('n1', 'i-0abc123', 0, 0)]);
    const allocations = allocationSet([alloc('n1', 'a', { cpu: 0, ram: 0 }), alloc('n1', IDLE_KEY, { cpu: 0, ram: 0 })]);
    const r = reconciled(reconcileSets(allocations, assets, { digest: 'd1', index: fixtureIndex('aws-focus.csv') }, NOW));
    expect(cents(byName(r.allocations.allocations, `c1/n1/${IDLE_KEY}`).cpuCostAdjustment)).toBe('0.10');
    expect(r.allocations.allocations.reduce((s, a) => s + allocTotal(a), 0)).toBeCloseTo(0.1, 12);
  });

  it('reconciles a day of GCP nodes and PDs, and Azure VMs and disks, leaving a scale-set instance unmatched', () => {
    const day = { start: MAY3, end: MAY3 + 24 * HOUR };
    const gcp = reconciled(
      reconcileSets(
        allocationSet([alloc('gke-node-1', 'a', { cpu: 0.5, ram: 0.3 }), alloc('gke-node-1', IDLE_KEY, { cpu: 0.1, ram: 0.1 })], day),
        assetSet([node('gke-node-1', 'gce://my-project/us-central1-a/gke-node-1', 0.6, 0.4), disk('pvc-123', 'projects/my-project/zones/us-central1-a/disks/pvc-123', 0.1)], day),
        { digest: 'g', index: fixtureIndex('gcp-focus.csv') },
        NOW,
      ),
    );
    expect(gcp.assets.assets.map((a) => cents(assetTotal(a)))).toEqual(['0.96', '0.05']);
    expect(cents(gcp.allocations.allocations.reduce((s, a) => s + allocTotal(a), 0))).toBe('0.96');

    const az = '/subscriptions/0000-1111/resourceGroups/MC_rg_aks_eastus/providers/Microsoft.Compute';
    const azure = reconciled(
      reconcileSets(
        allocationSet([alloc('vm-1', 'a', { cpu: 3, ram: 1 }), alloc('vmss-0', 'b', { cpu: 1, ram: 1 })], day),
        assetSet(
          [node('vm-1', `azure://${az}/virtualMachines/vm-1`, 3, 1), node('vmss-0', `azure://${az}/virtualMachineScaleSets/aks-pool-vmss/virtualMachines/0`, 1, 1), disk('pvc-abc', `${az}/disks/pvc-abc`, 0.5)],
          day,
        ),
        { digest: 'a', index: fixtureIndex('azure-focus.csv') },
        NOW,
      ),
    );
    expect([azure.matched, azure.unmatched]).toEqual([2, 1]);
    expect(azure.assets.assets.map((a) => cents(assetTotal(a)))).toEqual(['4.80', '2.00', '0.48']);
    expect(azure.allocations.allocations.map((a) => cents(allocTotal(a)))).toEqual(['4.80', '2.00']);
  });
});
