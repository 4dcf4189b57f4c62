import type { ClaimRecord, ClusterSnapshot, ContainerRecord, LoadBalancerRecord, NodeRecord, PodRecord, VolumeRecord } from '../../src/etl/cluster-state.js';
import type { Allocation, AllocationSet, Asset, AssetSet } from '../../src/etl/sets.js';
import type { Window } from '../../src/window.js';

// Small hand-made records for the ETL tests: every field has a plain default, a test names what matters.

export const GIB = 2 ** 30;
export const MIN = 60_000;
export const HOUR = 3_600_000;
/** 2024-05-03T10:00:00Z. */
export const T10 = Date.UTC(2024, 4, 3, 10);
/** The hour 10:00–11:00 of 2024-05-03. */
export const HOUR_10: Window = { start: T10, end: T10 + HOUR };
/** The hour 11:00–12:00. */
export const HOUR_11: Window = { start: T10 + HOUR, end: T10 + 2 * HOUR };

export function node(name: string, over: Partial<NodeRecord> = {}): NodeRecord {
  return { uid: `uid-${name}`, name, labels: { 'kubernetes.io/hostname': name }, providerId: `aws:///eu-west-1a/i-${name}`, cpuCores: 4, ramBytes: 16 * GIB, gpus: 0, start: T10 - 24 * HOUR, ...over };
}

export function container(name: string, cpuCores: number, ramBytes: number, gpus = 0): ContainerRecord {
  return { name, cpuCores, ramBytes, gpus };
}

export function pod(name: string, over: Partial<PodRecord> = {}): PodRecord {
  return {
    uid: `uid-${name}`,
    namespace: 'shop',
    name,
    node: 'n1',
    labels: { app: 'web' },
    controllerKind: 'deployment',
    controller: 'web',
    containers: [container('app', 1, 2 * GIB)],
    claims: [],
    start: T10 - HOUR,
    ...over,
  };
}

export function claim(name: string, over: Partial<ClaimRecord> = {}): ClaimRecord {
  return { uid: `uid-${name}`, namespace: 'shop', name, bytes: 10 * GIB, start: T10 - 24 * HOUR, ...over };
}

export function volume(name: string, over: Partial<VolumeRecord> = {}): VolumeRecord {
  return { uid: `uid-${name}`, name, labels: {}, bytes: 10 * GIB, storageClass: 'gp3', start: T10 - 24 * HOUR, ...over };
}

export function loadBalancer(name: string, over: Partial<LoadBalancerRecord> = {}): LoadBalancerRecord {
  return { uid: `uid-${name}`, namespace: 'shop', name, labels: { app: name }, ingress: '203.0.113.7', start: T10 - 24 * HOUR, ...over };
}

export function snapshot(over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return { cluster: 'c1', nodes: [], pods: [], volumes: [], claims: [], loadBalancers: [], ...over };
}

/** An allocation with every amount 0 and the properties given. */
export function allocation(name: string, over: Partial<Allocation> = {}): Allocation {
  return {
    name,
    properties: {},
    start: T10,
    end: T10 + HOUR,
    cpuCoreHours: 0,
    cpuCoreRequestAverage: 0,
    cpuCost: 0,
    cpuCostAdjustment: 0,
    gpuHours: 0,
    gpuRequestAverage: 0,
    gpuCost: 0,
    gpuCostAdjustment: 0,
    ramByteHours: 0,
    ramByteRequestAverage: 0,
    ramCost: 0,
    ramCostAdjustment: 0,
    pvByteHours: 0,
    pvCost: 0,
    pvCostAdjustment: 0,
    ...over,
  };
}

export function allocationSet(allocations: Allocation[], window: Window = HOUR_10, cluster = 'c1'): AllocationSet {
  return { cluster, window, allocations };
}

export function assetSet(assets: Asset[], window: Window = HOUR_10, cluster = 'c1'): AssetSet {
  return { cluster, window, assets };
}

/** The record named `name`; fails the test when absent. */
export function named<R extends { readonly name: string }>(records: readonly R[], name: string): R {
  const r = records.find((x) => x.name === name);
  if (r === undefined) throw new Error(`no record named ${name}; have ${records.map((x) => x.name).join(', ')}`);
  return r;
}
