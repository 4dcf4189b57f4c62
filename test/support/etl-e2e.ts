import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { FakeKubeServer, podObject, writeKubeconfig, type FakeKubeconfig } from './fake-kube/index.js';
import { cloudNodeObject, persistentVolumeClaimObject, persistentVolumeObject, runningPodObject } from './fake-kube/objects.js';
import { ManualClock } from './manual-clock.js';
import { waitFor } from './wait-for.js';

// The ETL end to end: the real server (cluster cache, pipeline, storage, routes) against the fake
// API server, on a ManualClock. Shared by test/etl/etl-e2e.test.ts and etl-reconcile-e2e.test.ts.

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const GIB = 2 ** 30;

// Kubecost's default prices (DEFAULT_PRICE_SHEET), per hour.
/** 23.08 per core-month / 730 hours. */
export const CPU_HOUR = 23.08 / 730;
/** 3.09 per GiB-month / 730 hours. */
export const GIB_HOUR = 3.09 / 730;
export const GPU_HOUR = 0.95;
/** 0.04 per GiB-month of persistent volume / 730 hours. */
export const PV_GIB_HOUR = 0.04 / 730;
export const LB_HOUR = 0.025;
/** What PRICING_CONFIG prices node-b's instance type (m5.xlarge) at, per hour. */
export const M5_XLARGE_HOUR = 0.192;

/** node-a: default prices, 4 cores, 16 GiB, 1 GPU. */
export const NODE_A_HOUR = 4 * CPU_HOUR + 16 * GIB_HOUR + GPU_HOUR;
/** node-b is priced M5_XLARGE_HOUR for its 4 cores and 16 GiB: the default unit prices × this factor. */
export const NODE_B_SCALE = M5_XLARGE_HOUR / (4 * CPU_HOUR + 16 * GIB_HOUR);
export const NODE_A_PROVIDER_ID = 'aws:///eu-west-1a/i-0aaa1111bbbb2222c';

/** Names of the records the cluster of {@link createCluster} gives (cluster `cluster-one`). */
export const NAMES = {
  web: 'cluster-one/node-a/shop/web-7d9f-x2x9k/app',
  train: 'cluster-one/node-a/ml/train/app',
  db: 'cluster-one/node-b/shop/db-0/app',
  batch: 'cluster-one/node-a/batch/report-28593-q8z4m/app',
  idleA: 'cluster-one/node-a/__idle__',
  idleB: 'cluster-one/node-b/__idle__',
  nodeA: 'cluster-one/Node/node-a',
  nodeB: 'cluster-one/Node/node-b',
  disk: 'cluster-one/Disk/pv-data',
  lb: 'cluster-one/LoadBalancer/shop/web',
} as const;

/**
 * The cluster every ETL end-to-end test starts from, all of it running before the hour the tests
 * build (pods started at 08:00, the rest created at the clock's time):
 * - node-a: 4 cores, 16 GiB, 1 GPU, provider id {@link NODE_A_PROVIDER_ID}, no instance type (default prices);
 * - node-b: 4 cores, 16 GiB, instance type m5.xlarge (priced by PRICING_CONFIG), no provider id;
 * - shop/web-7d9f-x2x9k on node-a: 1 core, 2 GiB, owned by ReplicaSet web-7d9f (pod-template-hash 7d9f);
 * - ml/train on node-a: a bare pod of 1 core, 4 GiB and 1 GPU;
 * - shop/db-0 on node-b: 0.5 core, 1 GiB, StatefulSet db, mounting claim data-db-0, bound to the 10 GiB PV pv-data;
 * - shop/queued: Pending, never scheduled.
 */
export function createCluster(fake: FakeKubeServer): void {
  fake.create('nodes', cloudNodeObject('node-a', { providerID: NODE_A_PROVIDER_ID, gpus: 1 }));
  fake.create('nodes', cloudNodeObject('node-b', { instanceType: 'm5.xlarge' }));
  fake.create('persistentvolumes', persistentVolumeObject('pv-data', { storage: '10Gi', storageClass: 'gp3', claim: { namespace: 'shop', name: 'data-db-0' }, volumeHandle: 'vol-0data' }));
  fake.create('persistentvolumeclaims', persistentVolumeClaimObject('shop', 'data-db-0', { storage: '10Gi', volumeName: 'pv-data' }));
  fake.create('pods', webPodObject('web-7d9f-x2x9k'));
  fake.create(
    'pods',
    runningPodObject('ml', 'train', {
      node: 'node-a',
      labels: { app: 'train' },
      containers: { app: { requests: { cpu: '1', memory: '4Gi' }, limits: { 'nvidia.com/gpu': 1 } } },
    }),
  );
  fake.create(
    'pods',
    runningPodObject('shop', 'db-0', {
      node: 'node-b',
      owner: { kind: 'StatefulSet', name: 'db' },
      labels: { app: 'db' },
      containers: { app: { requests: { cpu: '500m', memory: '1Gi' } } },
      claims: ['data-db-0'],
    }),
  );
  fake.create('pods', { ...podObject('shop', 'queued', { cpu: '2', memory: '8Gi' }), status: { phase: 'Pending' } });
}

/** A pod of the Deployment shop/web on node-a (ReplicaSet web-7d9f): 1 core and 2 GiB, started at `startTime` (default 08:00). */
export function webPodObject(name: string, startTime?: string): ReturnType<typeof runningPodObject> {
  return runningPodObject('shop', name, {
    node: 'node-a',
    owner: { kind: 'ReplicaSet', name: 'web-7d9f' },
    labels: { app: 'web', 'pod-template-hash': '7d9f' },
    containers: { app: { requests: { cpu: '1', memory: '2Gi' } } },
    ...(startTime !== undefined && { startTime }),
  });
}

/** One ETL event as /model/etl/log prints it. */
export interface EtlLogEvent {
  readonly kind: string;
  readonly metadata: { readonly size?: number; readonly window?: { readonly start: string; readonly end: string }; readonly error?: string };
  readonly time: string;
}

/** The `data` of /model/etl/log. */
export interface EtlLogData {
  readonly allocation: EtlLogEvent[];
  readonly asset: EtlLogEvent[];
  readonly counters: Record<string, number>;
}

interface Timed {
  readonly window: { readonly start: string; readonly end: string };
  readonly start: string;
  readonly end: string;
  readonly minutes: number;
  readonly totalCost: number;
}

/** An allocation as /model/allocation prints it (the fields the tests read). */
export interface AllocationJson extends Timed {
  readonly name: string;
  readonly properties: {
    readonly cluster?: string;
    readonly node?: string;
    readonly namespace?: string;
    readonly controllerKind?: string;
    readonly controller?: string;
    readonly pod?: string;
    readonly container?: string;
    readonly providerID?: string;
    readonly labels?: Record<string, string>;
  };
  readonly cpuCores: number;
  readonly cpuCoreRequestAverage: number;
  readonly cpuCoreHours: number;
  readonly cpuCost: number;
  readonly cpuCostAdjustment: number;
  readonly gpuCount: number;
  readonly gpuHours: number;
  readonly gpuCost: number;
  readonly gpuCostAdjustment: number;
  readonly pvBytes: number;
  readonly pvByteHours: number;
  readonly pvCost: number;
  readonly pvCostAdjustment: number;
  readonly pvs: Record<string, { byteHours: number; cost: number }> | null;
  readonly ramBytes: number;
  readonly ramByteHours: number;
  readonly ramCost: number;
  readonly ramCostAdjustment: number;
}

/** An asset (or, aggregated, an asset aggregate) as /model/assets prints it (the fields the tests read). */
export interface AssetJson extends Timed {
  readonly type: string;
  readonly properties: { readonly name?: string; readonly providerID?: string; readonly namespace?: string };
  readonly nodeType?: string;
  readonly cpuCoreHours?: number;
  readonly ramByteHours?: number;
  readonly GPUHours?: number;
  readonly cpuCost?: number;
  readonly ramCost?: number;
  readonly gpuCost?: number;
  readonly bytes?: number;
  readonly byteHours?: number;
  readonly count?: number;
  readonly diskCost?: number;
  readonly loadBalancerCost?: number;
  readonly adjustment: number;
}

/** Kubecost's window of an ETL event or a set: `[start, end)` as RFC 3339 seconds. */
export const win = (start: string, end: string): { start: string; end: string } => ({ start, end });

/** The events of `kind` in `events` whose window is `[start, end)`. */
export function ofWindow(events: readonly EtlLogEvent[], kind: string, window: { start: string; end: string }): EtlLogEvent[] {
  return events.filter((e) => e.kind === kind && e.metadata.window?.start === window.start && e.metadata.window.end === window.end);
}

/** Sum of a field over some records. */
export function sum<T>(records: readonly T[], value: (r: T) => number): number {
  return records.reduce((n, r) => n + value(r), 0);
}

/**
 * A fake API server with the cluster of {@link createCluster} (created at `createdAt`, the
 * clock's start), a price sheet and a temporary directory, and a server started on demand.
 */
export class EtlRig {
  /** The server's clock; a restart may replace it. The fake stamps creation times with it. */
  clock: ManualClock;
  server: ServerHandle | undefined;
  readonly fake: FakeKubeServer;
  readonly kubeconfig: FakeKubeconfig;
  /** A temporary directory for the price sheet, an SQLite file, billing exports. */
  readonly dir: string;

  private constructor(clock: ManualClock, fake: FakeKubeServer, kubeconfig: FakeKubeconfig, dir: string) {
    this.clock = clock;
    this.fake = fake;
    this.kubeconfig = kubeconfig;
    this.dir = dir;
  }

  static async start(createdAt: string): Promise<EtlRig> {
    const clock = new ManualClock(createdAt);
    // Objects are stamped with whichever clock the rig holds then (a restart replaces it).
    const made: { rig?: EtlRig } = {};
    const fake = await FakeKubeServer.start({ creationClock: { nowMs: () => (made.rig?.clock ?? clock).nowMs() } });
    const kubeconfig = await writeKubeconfig(fake.url);
    const dir = mkdtempSync(join(tmpdir(), 'etl-e2e-'));
    writeFileSync(join(dir, 'prices.json'), JSON.stringify({ instanceTypes: { 'm5.xlarge': M5_XLARGE_HOUR } }));
    const rig = new EtlRig(clock, fake, kubeconfig, dir);
    made.rig = rig;
    createCluster(fake);
    return rig;
  }

  config(env: Record<string, string> = {}): Config {
    const r = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      STORAGE_URL: 'memory:',
      KUBECONFIG: this.kubeconfig.path,
      COST_EVENTS_AUDIT_ENABLED: 'false',
      ETL_RESOLUTION: '1h',
      PRICING_CONFIG: join(this.dir, 'prices.json'),
      ...env,
    });
    if (r.help) throw new Error('unexpected help');
    return r.config;
  }

  /** Starts the server; unless `synced` is false, waits until the ETL's cluster cache has listed every kind. */
  async startServer(env: Record<string, string> = {}, o: { synced?: boolean } = {}): Promise<ServerHandle> {
    const server = await startServer(this.config(env), {
      clock: this.clock,
      env: {},
      serviceAccountDir: '/nonexistent',
      etlSettleMs: 0,
      // Jitter pinned; no watchdog: the manual clock jumps by minutes and hours with no event.
      watchTuning: { random: () => 0.5, staleAfterMs: 30 * 24 * HOUR },
    });
    this.server = server;
    if (o.synced !== false) await waitFor(() => server.etl?.cache.readiness().ready === true, 'the ETL cluster cache to sync');
    return server;
  }

  get etl(): NonNullable<ServerHandle['etl']> {
    const etl = this.server?.etl;
    if (etl === undefined) throw new Error('no ETL: the server is not started or found no cluster');
    return etl;
  }

  /** Moves the clock to `iso`, then waits for the pipeline's work and for its events to be stored. */
  async advanceTo(iso: string): Promise<void> {
    const to = Date.parse(iso);
    expect(to).toBeGreaterThanOrEqual(this.clock.nowMs());
    this.clock.advance(to - this.clock.nowMs());
    await this.settled();
  }

  /** Waits for the pipeline's queued work and for the events published so far to be stored. */
  async settled(): Promise<void> {
    await this.etl.pipeline.idle();
    await this.server?.storage.writer.idle();
  }

  /** GET `url` through inject: the `data` of a 200. */
  async get<T>(url: string): Promise<T> {
    const server = this.server;
    if (server === undefined) throw new Error('no server');
    const res = await server.app.inject(url);
    expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
    await server.storage.writer.idle();
    return res.json<{ data: T }>().data;
  }

  allocation(query: string): Promise<Record<string, AllocationJson>[]> {
    return this.get(`/model/allocation?${query}`);
  }

  assets(query: string): Promise<Record<string, AssetJson>[]> {
    return this.get(`/model/assets?${query}`);
  }

  log(query = ''): Promise<EtlLogData> {
    return this.get(`/model/etl/log${query === '' ? '' : `?${query}`}`);
  }

  /** Closes the server (if any) and keeps the rest: a restart starts another on the same fake and directory. */
  async stopServer(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  async close(): Promise<void> {
    await this.stopServer();
    await this.fake.close();
    await this.kubeconfig.remove();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
