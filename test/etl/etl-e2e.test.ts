import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AllocationResponseSchema, AssetResponseSchema } from '../../src/http/cost-model-routes.js';
import { EtlLogResponseSchema } from '../../src/http/etl-log-routes.js';
import { runningPodObject, serviceObject } from '../support/fake-kube/objects.js';
import {
  CPU_HOUR,
  EtlRig,
  GIB,
  GIB_HOUR,
  GPU_HOUR,
  LB_HOUR,
  M5_XLARGE_HOUR,
  NAMES,
  NODE_A_HOUR,
  NODE_A_PROVIDER_ID,
  NODE_B_SCALE,
  PV_GIB_HOUR,
  ofWindow,
  sum,
  win,
  type AllocationJson,
  type AssetJson,
  type EtlLogData,
} from '../support/etl-e2e.js';
import { ManualClock } from '../support/manual-clock.js';
import { schemaErrors } from '../support/response-schema.js';
import { waitFor } from '../support/wait-for.js';

// The ETL pipeline end to end through the real server: fake API server → client-node → cluster
// cache → pipeline (build, price, idle, save, roll up) → storage → GET /model/allocation,
// /model/assets and /model/etl/log (through inject). Time is a ManualClock; nothing sleeps.
// The cluster is test/support/etl-e2e.ts's createCluster; every expectation below is worked out
// by hand from the default prices (23.08/core-month, 3.09/GiB-month, 0.95/GPU-hour, 730-hour
// months, 0.04/GiB-month of volume, 0.025/load-balancer-hour) and m5.xlarge at 0.192/hour.

const HOUR_10 = win('2024-05-03T10:00:00Z', '2024-05-03T11:00:00Z');
const HOUR_11 = win('2024-05-03T11:00:00Z', '2024-05-03T12:00:00Z');
const HOURS_10_12 = '2024-05-03T10:00:00Z,2024-05-03T12:00:00Z';

/** Costs are compared to 4 decimals: the JSON rounds to 5, so a cent is 100 times looser than this. */
const COST_DIGITS = 4;

// ---- Hand-computed costs of the hour 10:00–11:00 ------------------------------------------------
// node-a is priced at the defaults: 4 × 23.08/730 + 16 × 3.09/730 + 0.95
//   = 0.126466 + 0.067726 + 0.95 = 1.144192 per hour.
// node-b is m5.xlarge, 0.192 per hour for 4 cores and 16 GiB, whose default price is
//   0.126466 + 0.067726 = 0.194192, so its pods pay the default unit prices × 0.192/0.194192 (NODE_B_SCALE ≈ 0.98871).
/** web: 1 core and 2 GiB for 60 minutes: 1 × 0.031616 + 2 × 0.004233 = 0.040082. */
const WEB_HOUR = 1 * CPU_HOUR + 2 * GIB_HOUR;
/** batch: 1 core and 1 GiB for 30 minutes: 0.5 × 0.031616 + 0.5 × 0.004233 = 0.015808 + 0.002116 = 0.017924. */
const BATCH_CPU = 0.5 * CPU_HOUR;
const BATCH_RAM = 0.5 * 1 * GIB_HOUR;
/** train: 1 core, 4 GiB and 1 GPU for 60 minutes: 0.031616 + 0.016932 + 0.95 = 0.998548. */
const TRAIN_HOUR = CPU_HOUR + 4 * GIB_HOUR + GPU_HOUR;
/** db-0 on node-b: (0.5 × 0.031616 + 1 × 0.004233) × 0.98871 = 0.020041 × 0.98871 = 0.019815. */
const DB_COMPUTE_HOUR = (0.5 * CPU_HOUR + 1 * GIB_HOUR) * NODE_B_SCALE;
/** The 10 GiB volume for an hour: 10 × 0.04/730 = 0.000548. */
const PV_HOUR = 10 * PV_GIB_HOUR;
/** node-a's idle: 4 − 1 − 0.5 − 1 = 1.5 core-hours, 16 − 2 − 0.5 − 4 = 9.5 GiB-hours, 1 − 1 = 0 GPU-hours: 0.047425 + 0.040212 = 0.087637. */
const IDLE_A_10 = 1.5 * CPU_HOUR + 9.5 * GIB_HOUR;
/** node-b's idle: 0.192 − 0.019815 = 0.172185 (2.5 of its 4 cores, 15 of its 16 GiB, at the scaled prices). */
const IDLE_B_HOUR = M5_XLARGE_HOUR - DB_COMPUTE_HOUR;

describe('the ETL pipeline end to end: one hour of a small cluster', () => {
  let rig: EtlRig;
  /** What the server said just before the clock reached 11:00. */
  let before: { log: EtlLogData; allocation: Record<string, AllocationJson>[] };
  let hour10: Record<string, AllocationJson>;
  let assets10: Record<string, AssetJson>;

  beforeAll(async () => {
    // The cluster exists from 09:00; the server starts at 10:05.
    rig = await EtlRig.start('2024-05-03T09:00:00Z');
    rig.clock.advance(65 * 60_000);
    await rig.startServer();
    const cache = rig.etl.cache;
    await waitFor(() => cache.stats().pods.live === 3 && cache.stats().volumes.live === 1 && cache.stats().claims.live === 1, 'the cluster in the cache');

    // 10:15 a Job's pod starts on node-a; 10:30 a LoadBalancer Service is created; 10:45 the pod is deleted.
    await rig.advanceTo('2024-05-03T10:15:00Z');
    rig.fake.create(
      'pods',
      runningPodObject('batch', 'report-28593-q8z4m', {
        node: 'node-a',
        startTime: '2024-05-03T10:15:00Z',
        owner: { kind: 'Job', name: 'report-28593' },
        labels: { app: 'report' },
        containers: { app: { requests: { cpu: '1', memory: '1Gi' } } },
      }),
    );
    await waitFor(() => cache.stats().pods.live === 4, 'the batch pod in the cache');
    await rig.advanceTo('2024-05-03T10:30:00Z');
    rig.fake.create('services', serviceObject('shop', 'web', { ingress: [{ ip: '203.0.113.7' }] }));
    await waitFor(() => cache.stats().loadBalancers.live === 1, 'the load balancer in the cache');
    await rig.advanceTo('2024-05-03T10:45:00Z');
    rig.fake.delete('pods', 'batch', 'report-28593-q8z4m');
    await waitFor(() => cache.stats().pods.ended === 1, 'the batch pod to end in the cache');

    // A millisecond before 11:00 the window is still open.
    await rig.advanceTo('2024-05-03T10:59:59.999Z');
    before = { log: await rig.log(), allocation: await rig.allocation(`window=${HOUR_10.start},${HOUR_10.end}`) };
    await rig.advanceTo('2024-05-03T11:00:00Z');
    [hour10 = {}] = await rig.allocation(`window=${HOUR_10.start},${HOUR_10.end}`);
    [assets10 = {}] = await rig.assets(`window=${HOUR_10.start},${HOUR_10.end}`);
  });

  afterAll(async () => {
    await rig.close();
  });

  it('builds 10:00–11:00 when the clock reaches 11:00, not before, and logs Saved and Totaled with the window', async () => {
    expect(before.log.allocation.filter((e) => e.kind !== 'AllocationSetLoaded')).toEqual([]);
    expect(before.log.asset.filter((e) => e.kind !== 'AssetSetLoaded')).toEqual([]);
    expect(before.allocation).toEqual([{}]);

    const log = await rig.log(`kind=AllocationSetSaved,AllocationSetTotaled,AssetSetSaved,AssetSetTotaled`);
    // Allocations: web, batch, train, db-0, and one idle per node = 6. Assets: 2 nodes, 1 disk, 1 load balancer = 4.
    expect(log.allocation.map((e) => [e.kind, e.metadata])).toEqual([
      ['AllocationSetSaved', { size: 6, window: HOUR_10 }],
      ['AllocationSetTotaled', { window: HOUR_10 }],
    ]);
    expect(log.asset.map((e) => [e.kind, e.metadata])).toEqual([
      ['AssetSetSaved', { size: 4, window: HOUR_10 }],
      ['AssetSetTotaled', { window: HOUR_10 }],
    ]);
    // Stamped with the clock's time: the run at 11:00.
    expect(log.allocation[0]?.time).toBe('2024-05-03T11:00:00.000000000Z');
    expect(Object.keys(hour10).sort()).toEqual([NAMES.batch, NAMES.db, NAMES.idleA, NAMES.idleB, NAMES.train, NAMES.web].sort());
    for (const a of Object.values(hour10)) expect(a.window).toEqual(HOUR_10);
  });

  it('answers an ETL log, allocations and assets that validate against their response schemas', async () => {
    const app = rig.server!.app;
    const answer = async (url: string): Promise<unknown> => {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      return res.json();
    };
    // The rendered answers skip Fastify's serialiser: only this checks them against what the document promises.
    const log = await answer('/model/etl/log');
    expect(schemaErrors(app, EtlLogResponseSchema, log)).toBe('');
    const window = `window=${HOURS_10_12}`;
    expect(schemaErrors(app, AllocationResponseSchema, await answer(`/model/allocation?${window}`))).toBe('');
    expect(schemaErrors(app, AllocationResponseSchema, await answer(`/model/allocation?${window}&aggregate=namespace&accumulate=true`))).toBe('');
    expect(schemaErrors(app, AssetResponseSchema, await answer(`/model/assets?${window}`))).toBe('');
    // And the check can fail: a size the schema refuses is caught through the $ref to EtlEvent.
    const broken = structuredClone(log) as { data: { allocation: { metadata: { size?: number } }[] } };
    const saved = broken.data.allocation.find((e) => e.metadata.size !== undefined);
    if (saved === undefined) throw new Error('no event with a size');
    saved.metadata.size = -1;
    expect(schemaErrors(app, EtlLogResponseSchema, broken)).toContain('size');
  });

  it('costs the whole-hour pod of a ReplicaSet as its Deployment, with its labels and node', () => {
    const web = hour10[NAMES.web];
    expect(web).toMatchObject({
      properties: {
        cluster: 'cluster-one',
        node: 'node-a',
        namespace: 'shop',
        pod: 'web-7d9f-x2x9k',
        container: 'app',
        controllerKind: 'deployment',
        controller: 'web',
        providerID: NODE_A_PROVIDER_ID,
        labels: { app: 'web', 'pod-template-hash': '7d9f' },
      },
      start: '2024-05-03T10:00:00Z',
      end: '2024-05-03T11:00:00Z',
      minutes: 60,
      cpuCores: 1,
      cpuCoreRequestAverage: 1,
      cpuCoreHours: 1,
      ramByteHours: 2 * GIB,
      gpuHours: 0,
      pvByteHours: 0,
      pvs: null,
    });
    expect(web?.cpuCost).toBeCloseTo(CPU_HOUR, COST_DIGITS); // 0.031616
    expect(web?.ramCost).toBeCloseTo(2 * GIB_HOUR, COST_DIGITS); // 0.008466
    expect(web?.totalCost).toBeCloseTo(WEB_HOUR, COST_DIGITS); // 0.040082
  });

  it('costs the pod of 10:15–10:45 for its 30 minutes', () => {
    const batch = hour10[NAMES.batch];
    expect(batch).toMatchObject({
      properties: { namespace: 'batch', controllerKind: 'job', controller: 'report-28593', labels: { app: 'report' } },
      start: '2024-05-03T10:15:00Z',
      end: '2024-05-03T10:45:00Z',
      minutes: 30,
      cpuCoreHours: 0.5, // 1 core × 0.5 h
      cpuCores: 1,
      ramByteHours: 0.5 * GIB, // 1 GiB × 0.5 h
    });
    expect(batch?.cpuCost).toBeCloseTo(BATCH_CPU, COST_DIGITS); // 0.5 × 23.08/730 = 0.015808
    expect(batch?.ramCost).toBeCloseTo(BATCH_RAM, COST_DIGITS); // 0.5 × 3.09/730 = 0.002116
    expect(batch?.totalCost).toBeCloseTo(BATCH_CPU + BATCH_RAM, COST_DIGITS); // 0.017924
  });

  it('leaves out the Pending pod', () => {
    expect(Object.values(hour10).some((a) => a.properties.pod === 'queued')).toBe(false);
  });

  it('costs GPU-hours at 0.95 per hour', () => {
    const train = hour10[NAMES.train];
    expect(train).toMatchObject({ properties: { namespace: 'ml', pod: 'train', labels: { app: 'train' } }, minutes: 60, gpuHours: 1, gpuCount: 1, cpuCoreHours: 1, ramByteHours: 4 * GIB });
    expect(train?.properties.controllerKind).toBeUndefined();
    expect(train?.gpuCost).toBeCloseTo(GPU_HOUR, COST_DIGITS); // 1 GPU × 1 h × 0.95
    expect(train?.totalCost).toBeCloseTo(TRAIN_HOUR, COST_DIGITS); // 0.998548
  });

  it('charges the mounted volume: 10 GiB × 1 h of byte-hours at 0.04/730 per GiB-hour, and prices the pod on the instance-type node at its scaled prices', () => {
    const db = hour10[NAMES.db];
    expect(db).toMatchObject({
      properties: { node: 'node-b', controllerKind: 'statefulset', controller: 'db' },
      minutes: 60,
      pvByteHours: 10 * GIB, // 10 GiB × 1 h
      pvBytes: 10 * GIB,
      pvs: { 'cluster=cluster-one:name=pv-data': { byteHours: 10 * GIB } },
    });
    expect(db?.properties.providerID).toBeUndefined(); // node-b has none
    expect(db?.pvCost).toBeCloseTo(PV_HOUR, 5); // 10 × 0.04/730 = 0.000548
    expect(db?.pvs?.['cluster=cluster-one:name=pv-data']?.cost).toBeCloseTo(PV_HOUR, 9);
    expect(db?.cpuCost).toBeCloseTo(0.5 * CPU_HOUR * NODE_B_SCALE, COST_DIGITS); // 0.015808 × 0.98871 = 0.015630
    expect(db?.ramCost).toBeCloseTo(1 * GIB_HOUR * NODE_B_SCALE, COST_DIGITS); // 0.004233 × 0.98871 = 0.004185
    expect(db?.totalCost).toBeCloseTo(DB_COMPUTE_HOUR + PV_HOUR, COST_DIGITS); // 0.019815 + 0.000548 = 0.020363
  });

  it('gives each node its idle: the node cost less its allocations', () => {
    const idleA = hour10[NAMES.idleA];
    expect(idleA).toMatchObject({ properties: { node: 'node-a', providerID: NODE_A_PROVIDER_ID }, minutes: 60, cpuCoreHours: 1.5, ramByteHours: 9.5 * GIB, gpuHours: 0 });
    expect(idleA?.totalCost).toBeCloseTo(IDLE_A_10, COST_DIGITS); // 0.087637
    // The same from the other side: node-a 1.144192 − web 0.040082 − batch 0.017924 − train 0.998548.
    expect(idleA?.totalCost).toBeCloseTo(NODE_A_HOUR - WEB_HOUR - (BATCH_CPU + BATCH_RAM) - TRAIN_HOUR, COST_DIGITS);

    const idleB = hour10[NAMES.idleB];
    expect(idleB).toMatchObject({ properties: { node: 'node-b' }, minutes: 60, cpuCoreHours: 3.5, ramByteHours: 15 * GIB });
    expect(idleB?.totalCost).toBeCloseTo(IDLE_B_HOUR, COST_DIGITS); // 0.192 − 0.019815 = 0.172185
    // Allocations and idle of each node sum to the node's price (volume costs aside).
    const onNode = (node: string) => sum(Object.values(hour10).filter((a) => a.properties.node === node), (a) => a.totalCost - a.pvCost);
    expect(onNode('node-a')).toBeCloseTo(NODE_A_HOUR, COST_DIGITS); // 1.144192
    expect(onNode('node-b')).toBeCloseTo(M5_XLARGE_HOUR, COST_DIGITS); // 0.192
  });

  it('lists the assets: nodes at capacity × prices or at the instance price, the disk, the load balancer for the half hour it existed', () => {
    expect(Object.keys(assets10).sort()).toEqual([NAMES.disk, NAMES.lb, NAMES.nodeA, NAMES.nodeB].sort());
    const nodeA = assets10[NAMES.nodeA];
    expect(nodeA).toMatchObject({ type: 'Node', properties: { name: 'node-a', providerID: NODE_A_PROVIDER_ID }, nodeType: '', window: HOUR_10, minutes: 60, cpuCoreHours: 4, ramByteHours: 16 * GIB, GPUHours: 1, adjustment: 0 });
    expect(nodeA?.cpuCost).toBeCloseTo(4 * CPU_HOUR, COST_DIGITS); // 0.126466
    expect(nodeA?.ramCost).toBeCloseTo(16 * GIB_HOUR, COST_DIGITS); // 0.067726
    expect(nodeA?.gpuCost).toBeCloseTo(GPU_HOUR, COST_DIGITS);
    expect(nodeA?.totalCost).toBeCloseTo(NODE_A_HOUR, COST_DIGITS); // 1.144192

    const nodeB = assets10[NAMES.nodeB];
    expect(nodeB).toMatchObject({ type: 'Node', nodeType: 'm5.xlarge', minutes: 60, cpuCoreHours: 4 });
    expect(nodeB?.totalCost).toBeCloseTo(M5_XLARGE_HOUR, COST_DIGITS); // the instance price, 0.192
    expect(nodeB?.cpuCost).toBeCloseTo(4 * CPU_HOUR * NODE_B_SCALE, COST_DIGITS); // 0.192 × 0.126466/0.194192 = 0.125040

    expect(assets10[NAMES.disk]).toMatchObject({ type: 'Disk', properties: { name: 'pv-data', providerID: 'vol-0data' }, minutes: 60, bytes: 10 * GIB, byteHours: 10 * GIB });
    expect(assets10[NAMES.disk]?.totalCost).toBeCloseTo(PV_HOUR, 5); // 10 GiB × 0.04/730 × 1 h = 0.000548

    expect(assets10[NAMES.lb]).toMatchObject({ type: 'LoadBalancer', properties: { name: 'web', namespace: 'shop' }, start: '2024-05-03T10:30:00Z', end: '2024-05-03T11:00:00Z', minutes: 30 });
    expect(assets10[NAMES.lb]?.totalCost).toBeCloseTo(0.5 * LB_HOUR, COST_DIGITS); // 0.025 × 0.5 h = 0.0125
  });

  describe('aggregated over HTTP', () => {
    beforeAll(async () => {
      await rig.advanceTo('2024-05-03T12:00:00Z');
    });

    it('by namespace, with all idle in one __idle__', async () => {
      const [set = {}] = await rig.allocation(`window=${HOUR_10.start},${HOUR_10.end}&aggregate=namespace`);
      expect(Object.keys(set).sort()).toEqual(['__idle__', 'batch', 'ml', 'shop']);
      expect(set['shop']?.totalCost).toBeCloseTo(WEB_HOUR + DB_COMPUTE_HOUR + PV_HOUR, COST_DIGITS); // 0.040082 + 0.019815 + 0.000548
      expect(set['shop']?.cpuCoreHours).toBe(1.5); // web 1 + db-0 0.5
      expect(set['batch']?.totalCost).toBeCloseTo(BATCH_CPU + BATCH_RAM, COST_DIGITS);
      expect(set['ml']?.totalCost).toBeCloseTo(TRAIN_HOUR, COST_DIGITS);
      expect(set['__idle__']?.totalCost).toBeCloseTo(IDLE_A_10 + IDLE_B_HOUR, COST_DIGITS); // 0.087637 + 0.172185
      // Everything the cluster cost in the hour: both nodes and the volume.
      expect(sum(Object.values(set), (a) => a.totalCost)).toBeCloseTo(NODE_A_HOUR + M5_XLARGE_HOUR + PV_HOUR, COST_DIGITS);
    });

    it('by controller, kind:name, a bare pod __unallocated__', async () => {
      const [set = {}] = await rig.allocation(`window=${HOUR_10.start},${HOUR_10.end}&aggregate=controller`);
      expect(Object.keys(set).sort()).toEqual(['__idle__', '__unallocated__', 'deployment:web', 'job:report-28593', 'statefulset:db']);
      expect(set['deployment:web']?.totalCost).toBeCloseTo(WEB_HOUR, COST_DIGITS);
      expect(set['__unallocated__']?.totalCost).toBeCloseTo(TRAIN_HOUR, COST_DIGITS);
      expect(set['statefulset:db']?.totalCost).toBeCloseTo(DB_COMPUTE_HOUR + PV_HOUR, COST_DIGITS);
    });

    it('by label:app', async () => {
      const [set = {}] = await rig.allocation(`window=${HOUR_10.start},${HOUR_10.end}&aggregate=label:app`);
      expect(Object.keys(set).sort()).toEqual(['__idle__', 'db', 'report', 'train', 'web']);
      expect(set['report']?.minutes).toBe(30);
      expect(set['web']?.totalCost).toBeCloseTo(WEB_HOUR, COST_DIGITS);
    });

    it('accumulated over two hours, with and without idle', async () => {
      // 11:00–12:00: web, train and db-0 again, the batch pod gone; node-a idle 2 core-hours and 10 GiB-hours.
      const [both = {}] = await rig.allocation(`window=${HOURS_10_12}&accumulate=true`);
      expect(both[NAMES.web]).toMatchObject({ window: win('2024-05-03T10:00:00Z', '2024-05-03T12:00:00Z'), start: '2024-05-03T10:00:00Z', end: '2024-05-03T12:00:00Z', minutes: 120, cpuCoreHours: 2 });
      expect(both[NAMES.web]?.totalCost).toBeCloseTo(2 * WEB_HOUR, COST_DIGITS); // 0.080164
      expect(both[NAMES.batch]?.minutes).toBe(30);
      expect(both[NAMES.idleA]?.cpuCoreHours).toBe(3.5); // 1.5 + 2
      expect(both[NAMES.idleA]?.totalCost).toBeCloseTo(IDLE_A_10 + 2 * CPU_HOUR + 10 * GIB_HOUR, COST_DIGITS); // 0.087637 + 0.063233 + 0.042329
      expect(sum(Object.values(both), (a) => a.totalCost)).toBeCloseTo(2 * (NODE_A_HOUR + M5_XLARGE_HOUR + PV_HOUR), COST_DIGITS);

      const [noIdle = {}] = await rig.allocation(`window=${HOURS_10_12}&accumulate=true&idle=false`);
      expect(Object.keys(noIdle).sort()).toEqual([NAMES.batch, NAMES.db, NAMES.train, NAMES.web].sort());
      // Both hours' allocations: web 2 × 0.040082, batch 0.017924, train 2 × 0.998548, db-0 2 × 0.020363.
      expect(sum(Object.values(noIdle), (a) => a.totalCost)).toBeCloseTo(2 * WEB_HOUR + BATCH_CPU + BATCH_RAM + 2 * TRAIN_HOUR + 2 * (DB_COMPUTE_HOUR + PV_HOUR), COST_DIGITS);

      // Without accumulate: one set per hour.
      const steps = await rig.allocation(`window=${HOURS_10_12}&aggregate=namespace`);
      expect(steps.map((s) => s['ml']?.window)).toEqual([HOUR_10, HOUR_11]);
    });

    it('assets by type', async () => {
      const [set = {}] = await rig.assets(`window=${HOUR_10.start},${HOUR_10.end}&aggregate=type`);
      expect(Object.keys(set).sort()).toEqual(['Disk', 'LoadBalancer', 'Node']);
      expect(set['Node']).toMatchObject({ count: 2, minutes: 60 });
      expect(set['Node']?.totalCost).toBeCloseTo(NODE_A_HOUR + M5_XLARGE_HOUR, COST_DIGITS); // 1.144192 + 0.192
      expect(set['Node']?.gpuCost).toBeCloseTo(GPU_HOUR, COST_DIGITS);
      expect(set['Disk']?.diskCost).toBeCloseTo(PV_HOUR, 5);
      expect(set['LoadBalancer']?.loadBalancerCost).toBeCloseTo(0.5 * LB_HOUR, COST_DIGITS);

      const [both = {}] = await rig.assets(`window=${HOURS_10_12}&accumulate=true&aggregate=type`);
      expect(both['LoadBalancer']?.totalCost).toBeCloseTo(1.5 * LB_HOUR, COST_DIGITS); // 10:30–12:00
      expect(both['Node']?.totalCost).toBeCloseTo(2 * (NODE_A_HOUR + M5_XLARGE_HOUR), COST_DIGITS);
    });
  });
});

describe('the ETL pipeline end to end: days, restarts, queries', () => {
  let rig: EtlRig | undefined;

  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('rolls the day up after midnight UTC, and serves the day from the roll-up', async () => {
    const r = (rig = await EtlRig.start('2024-05-03T21:00:00Z'));
    r.clock.advance(65 * 60_000); // 22:05
    await r.startServer();
    await r.advanceTo('2024-05-03T23:00:00Z');
    await r.advanceTo('2024-05-04T00:00:00Z');
    const day = win('2024-05-03T00:00:00Z', '2024-05-04T00:00:00Z');
    const log = await r.log();
    // The static cluster: web, train, db-0 and two idle = 5 allocations; 2 nodes and the disk = 3 assets.
    expect(ofWindow(log.allocation, 'AllocationSetAggregated', day).map((e) => e.metadata)).toEqual([{ size: 5, window: day }]);
    expect(ofWindow(log.asset, 'AssetSetAggregated', day).map((e) => e.metadata)).toEqual([{ size: 3, window: day }]);
    expect(ofWindow(log.allocation, 'AllocationSetSaved', day).map((e) => e.metadata.size)).toEqual([5]);
    expect(ofWindow(log.allocation, 'AllocationSetSaved', win('2024-05-03T23:00:00Z', '2024-05-04T00:00:00Z'))).toHaveLength(1);

    const [set = {}] = await r.allocation(`window=${day.start},${day.end}`);
    // The two hours the server saw, 22:00–24:00, summed.
    expect(set[NAMES.web]).toMatchObject({ window: day, start: '2024-05-03T22:00:00Z', end: '2024-05-04T00:00:00Z', minutes: 120, cpuCoreHours: 2 });
    expect(set[NAMES.web]?.totalCost).toBeCloseTo(2 * WEB_HOUR, COST_DIGITS);
    expect(sum(Object.values(set), (a) => a.totalCost)).toBeCloseTo(2 * (NODE_A_HOUR + M5_XLARGE_HOUR + PV_HOUR), COST_DIGITS);
    // Read from the roll-up, not from the hours.
    const loaded = (await r.log('kind=AllocationSetLoaded')).allocation;
    expect(loaded.map((e) => e.metadata)).toEqual([{ size: 5, window: day }]);

    const [assets = {}] = await r.assets(`window=${day.start},${day.end}&aggregate=type`);
    expect(assets['Node']?.totalCost).toBeCloseTo(2 * (NODE_A_HOUR + M5_XLARGE_HOUR), COST_DIGITS);
  });

  it('after a restart on the same SQLite file, loads the stored sets and builds the next window once', async () => {
    const r = (rig = await EtlRig.start('2024-05-03T09:00:00Z'));
    const env = { STORAGE_URL: `sqlite:${join(r.dir, 'etl.db')}` };
    r.clock.advance(65 * 60_000); // 10:05
    await r.startServer(env);
    await r.advanceTo('2024-05-03T11:00:00Z');
    await r.stopServer();

    r.clock = new ManualClock('2024-05-03T11:20:00Z');
    await r.startServer(env);
    await r.settled();
    const log = await r.log();
    // What the first server built (web, train, db-0, two idle; two nodes, the disk), read back.
    expect(ofWindow(log.allocation, 'AllocationSetLoaded', HOUR_10).map((e) => e.metadata)).toEqual([{ size: 5, window: HOUR_10 }]);
    expect(ofWindow(log.asset, 'AssetSetLoaded', HOUR_10).map((e) => e.metadata)).toEqual([{ size: 3, window: HOUR_10 }]);
    expect(ofWindow(log.allocation, 'AllocationSetLoaded', HOUR_10)[0]?.time).toBe('2024-05-03T11:20:00.000000000Z');

    await r.advanceTo('2024-05-03T12:00:00Z');
    const after = await r.log('kind=AllocationSetSaved,AssetSetSaved');
    expect(after.allocation.map((e) => e.metadata.window)).toEqual([HOUR_10, HOUR_11]);
    expect(after.asset.map((e) => e.metadata.window)).toEqual([HOUR_10, HOUR_11]);
    expect(after.counters['AllocationSetSaved']).toBe(2);

    const sets = await r.allocation(`window=${HOURS_10_12}`);
    expect(sets.map((s) => s[NAMES.web]?.cpuCoreHours)).toEqual([1, 1]);
  });

  it('publishes Aggregated for a query that aggregates, and Loaded for a set read from storage the first time only', async () => {
    const r = (rig = await EtlRig.start('2024-05-03T09:00:00Z'));
    r.clock.advance(65 * 60_000);
    await r.startServer();
    await r.advanceTo('2024-05-03T11:00:00Z');
    const query = `window=${HOUR_10.start},${HOUR_10.end}`;
    expect((await r.log('kind=AllocationSetLoaded,AllocationSetAggregated')).allocation).toEqual([]);

    await r.allocation(query);
    await r.allocation(query);
    await r.allocation(`${query}&aggregate=namespace`);
    const log = await r.log('kind=AllocationSetLoaded,AllocationSetAggregated');
    // One read from storage (the later queries hit the decoded set); one aggregation into shop, ml and __idle__.
    expect(log.allocation.map((e) => [e.kind, e.metadata])).toEqual([
      ['AllocationSetLoaded', { size: 5, window: HOUR_10 }],
      ['AllocationSetAggregated', { size: 3, window: HOUR_10 }],
    ]);

    await r.assets(`${query}&aggregate=type`);
    await r.assets(query);
    const assetLog = await r.log('kind=AssetSetLoaded,AssetSetAggregated');
    expect(assetLog.asset.map((e) => [e.kind, e.metadata])).toEqual([
      ['AssetSetLoaded', { size: 3, window: HOUR_10 }],
      ['AssetSetAggregated', { size: 2, window: HOUR_10 }],
    ]);

    // A query that accumulates totals what it accumulated, over the window it answers.
    await r.allocation(`window=${HOURS_10_12}&accumulate=true`);
    const totaled = await r.log('kind=AllocationSetTotaled');
    expect(totaled.allocation.map((e) => e.metadata.window)).toEqual([HOUR_10, win('2024-05-03T10:00:00Z', '2024-05-03T12:00:00Z')]);

    // A new build adds a set; what was decoded stays decoded (its key still says what storage holds).
    await r.advanceTo('2024-05-03T12:00:00Z');
    await r.allocation(query);
    expect(ofWindow((await r.log('kind=AllocationSetLoaded')).allocation, 'AllocationSetLoaded', HOUR_10)).toHaveLength(1);
  });
});
