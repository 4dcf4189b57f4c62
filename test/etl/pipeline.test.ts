import { afterEach, describe, expect, it } from 'vitest';
import type { EtlEvent } from '../../src/events/etl-event.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import type { ClusterSnapshot, NodeRecord, PodRecord } from '../../src/etl/cluster-state.js';
import { EtlPublisher } from '../../src/etl/etl-publisher.js';
import { EtlPipeline, type BillingSource, type EtlSource, type PipelineDeps } from '../../src/etl/pipeline.js';
import { SetRepository } from '../../src/etl/set-repository.js';
import type { ComponentStatus } from '../../src/readiness.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Store } from '../../src/storage/store.js';
import type { Window } from '../../src/window.js';
import { ManualClock } from '../support/manual-clock.js';
import { delegate } from '../support/stores.js';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.parse('2024-05-03T10:05:00Z');

const node: NodeRecord = { uid: 'n1', name: 'node-a', labels: {}, cpuCores: 4, ramBytes: 16 * 2 ** 30, gpus: 0, start: T0 - 30 * DAY };
const pod = (name: string, start: number, end?: number): PodRecord => ({
  uid: name,
  namespace: 'web',
  name,
  node: 'node-a',
  labels: { app: 'web' },
  controllerKind: 'deployment',
  controller: 'web',
  containers: [{ name: 'app', cpuCores: 1, ramBytes: 2 * 2 ** 30, gpus: 0 }],
  claims: [],
  start,
  ...(end !== undefined && { end }),
});

/** A cluster cache stand-in: fixed records, a switch for sync, and a record of what was forgotten. */
class FakeSource implements EtlSource {
  ready = true;
  current = true;
  pods: PodRecord[] = [pod('web-1', Date.parse('2024-05-03T10:15:00Z'), Date.parse('2024-05-03T10:45:00Z'))];
  forgotten: number[] = [];
  readiness(): ComponentStatus {
    return this.ready ? { ready: true, state: 'synced' } : { ready: false, state: 'not synced', detail: 'Pod: listing (connect ECONNREFUSED)' };
  }
  currency(): ComponentStatus {
    return this.current ? { ready: true, state: 'current' } : { ready: false, state: 'not current', detail: 'Pod: backoff (watch: socket hang up)' };
  }
  snapshot(w: Window): ClusterSnapshot {
    const overlaps = (r: { start: number; end?: number }) => r.start < w.end && (r.end === undefined || r.end > w.start);
    return { cluster: 'cluster-one', nodes: [node].filter(overlaps), pods: this.pods.filter(overlaps), volumes: [], claims: [], loadBalancers: [] };
  }
  forgetEndedBefore(ms: number): void {
    this.forgotten.push(ms);
  }
}

interface Rig {
  clock: ManualClock;
  source: FakeSource;
  store: Store;
  events: EtlEvent[];
  pipeline: EtlPipeline;
}

const running: EtlPipeline[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

function rig(o: { store?: Store; clock?: ManualClock; source?: FakeSource; deps?: Partial<PipelineDeps> } = {}): Rig {
  const clock = o.clock ?? new ManualClock(T0);
  const source = o.source ?? new FakeSource();
  const store = o.store ?? new MemoryStore({ etlLogCapacity: 100, auditCapacity: 10 });
  const events: EtlEvent[] = [];
  const pipeline = new EtlPipeline({
    cluster: 'cluster-one',
    clock,
    resolutionMs: H,
    hourlyRetentionMs: 49 * H,
    dailyRetentionMs: 91 * DAY,
    source,
    sheet: DEFAULT_PRICE_SHEET,
    repository: new SetRepository(store),
    publisher: new EtlPublisher({ cluster: 'cluster-one', clock, publish: (e) => events.push(e) }),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    settleMs: 0,
    ...o.deps,
  });
  running.push(pipeline);
  return { clock, source, store, events, pipeline };
}

/** Moves the clock to `iso` an hour boundary at a time, waiting at each for the run it started (as real time would). */
async function at(r: Rig, iso: string): Promise<void> {
  const target = Date.parse(iso);
  while (r.clock.nowMs() < target) {
    const next = Math.min(target, Math.floor(r.clock.nowMs() / H) * H + H);
    r.clock.advance(next - r.clock.nowMs());
    await r.pipeline.idle();
  }
}

const brief = (events: readonly EtlEvent[]) =>
  events.map((e) => `${e.kind} ${e.metadata.window?.start ?? ''}${e.metadata.size === undefined ? '' : ` size=${e.metadata.size}`}${e.metadata.error === undefined ? '' : ` error=${e.metadata.error}`}`);

describe('the ETL pipeline', () => {
  it('builds the window that just closed, aligned to the resolution, and saves both sets', async () => {
    const r = rig();
    r.pipeline.start();
    await r.pipeline.idle();
    expect(r.events).toEqual([]);
    await at(r, '2024-05-03T11:00:00Z');
    expect(brief(r.events)).toEqual([
      'AllocationSetSaved 2024-05-03T10:00:00Z size=2',
      'AssetSetSaved 2024-05-03T10:00:00Z size=1',
      'AllocationSetTotaled 2024-05-03T10:00:00Z',
      'AssetSetTotaled 2024-05-03T10:00:00Z',
    ]);
    expect(r.events[0]?.metadata.window).toEqual({ start: '2024-05-03T10:00:00Z', end: '2024-05-03T11:00:00Z' });
    expect(r.events[0]?.dedupeKey).toBe(`AllocationSetSaved/${H}/${Date.parse('2024-05-03T10:00:00Z')}`);
    expect(r.events.every((e) => e.time === BigInt(Date.parse('2024-05-03T11:00:00Z')) * 1_000_000n)).toBe(true);
    const stored = await new SetRepository(r.store).load({ cluster: 'cluster-one', category: 'allocation', resolutionMs: H, start: Date.parse('2024-05-03T10:00:00Z') });
    expect(stored?.allocations.map((a) => a.name)).toEqual(['cluster-one/node-a/__idle__', 'cluster-one/node-a/web/web-1/app']);
    expect(r.source.forgotten).toEqual([Date.parse('2024-05-03T11:00:00Z')]);
    expect(r.pipeline.state().lastTotals.asset?.byCluster['cluster-one']?.totalCost).toBeCloseTo(4 * (23.08 / 730) + 16 * (3.09 / 730), 10);
  });

  it('waits the settle time after a window closes before building it', async () => {
    const r = rig({ deps: { settleMs: 10_000 } });
    r.pipeline.start();
    await at(r, '2024-05-03T11:00:09Z');
    expect(r.events).toEqual([]);
    await at(r, '2024-05-03T11:00:10Z');
    expect(r.events.map((e) => e.kind)).toContain('AllocationSetSaved');
  });

  it('publishes ComputeError while the cache is not synced and builds the window at the next run', async () => {
    const r = rig();
    r.source.ready = false;
    r.pipeline.start();
    await at(r, '2024-05-03T11:00:00Z');
    expect(brief(r.events)).toEqual([
      'AllocationSetComputeError 2024-05-03T10:00:00Z error=the cluster cache is not synced (Pod: listing (connect ECONNREFUSED))',
      'AssetSetComputeError 2024-05-03T10:00:00Z error=the cluster cache is not synced (Pod: listing (connect ECONNREFUSED))',
    ]);
    r.source.ready = true;
    r.events.length = 0;
    await at(r, '2024-05-03T12:00:00Z');
    expect(brief(r.events).filter((e) => e.includes('Saved'))).toEqual([
      'AllocationSetSaved 2024-05-03T10:00:00Z size=2',
      'AssetSetSaved 2024-05-03T10:00:00Z size=1',
      'AllocationSetSaved 2024-05-03T11:00:00Z size=1',
      'AssetSetSaved 2024-05-03T11:00:00Z size=1',
    ]);
  });

  it('waits for a cache that is not current (a watch failing) and builds once it is, without an error', async () => {
    const r = rig();
    r.pipeline.start();
    r.source.current = false;
    await at(r, '2024-05-03T11:00:00Z');
    expect(r.events).toEqual([]);
    // Checked again every 30 s: the watch is back after a minute.
    r.clock.advance(30_000);
    await r.pipeline.idle();
    expect(r.events).toEqual([]);
    r.source.current = true;
    r.clock.advance(30_000);
    await r.pipeline.idle();
    expect(brief(r.events).filter((e) => e.includes('Saved'))).toEqual(['AllocationSetSaved 2024-05-03T10:00:00Z size=2', 'AssetSetSaved 2024-05-03T10:00:00Z size=1']);
    expect(r.events[0]?.time).toBe(BigInt(Date.parse('2024-05-03T11:01:00Z')) * 1_000_000n);
  });

  it('publishes ComputeError once the cache has not been current for the grace period, and retries at the next run', async () => {
    const r = rig({ deps: { currencyGraceMs: 120_000 } });
    r.pipeline.start();
    r.source.current = false;
    await at(r, '2024-05-03T11:00:00Z');
    for (let i = 0; i < 4; i++) {
      r.clock.advance(30_000);
      await r.pipeline.idle();
    }
    expect(brief(r.events)).toEqual([
      'AllocationSetComputeError 2024-05-03T10:00:00Z error=the cluster cache is not current (Pod: backoff (watch: socket hang up))',
      'AssetSetComputeError 2024-05-03T10:00:00Z error=the cluster cache is not current (Pod: backoff (watch: socket hang up))',
    ]);
    // No more checks every 30 s: the next attempt is the next run.
    r.events.length = 0;
    r.clock.advance(30 * 60_000);
    await r.pipeline.idle();
    expect(r.events).toEqual([]);
    r.source.current = true;
    await at(r, '2024-05-03T12:00:00Z');
    expect(brief(r.events).filter((e) => e.includes('Saved')).map((e) => e.split(' ')[1])).toEqual([
      '2024-05-03T10:00:00Z',
      '2024-05-03T10:00:00Z',
      '2024-05-03T11:00:00Z',
      '2024-05-03T11:00:00Z',
    ]);
  });

  it('publishes ComputeError when storage cannot write, keeps running, and retries the window', async () => {
    const inner = new MemoryStore({ etlLogCapacity: 100, auditCapacity: 10 });
    let failing = true;
    const store = delegate(inner, {
      saveSets: (s) => (failing ? Promise.reject(new Error('disk I/O error')) : inner.saveSets(s)),
    });
    const r = rig({ store });
    r.pipeline.start();
    await at(r, '2024-05-03T11:00:00Z');
    expect(brief(r.events)).toEqual([
      'AllocationSetComputeError 2024-05-03T10:00:00Z error=storage write failed: disk I/O error',
      'AssetSetComputeError 2024-05-03T10:00:00Z error=storage write failed: disk I/O error',
    ]);
    failing = false;
    await at(r, '2024-05-03T12:00:00Z');
    expect((await inner.listSets({ category: 'allocation', resolutionMs: H })).map((s) => new Date(s.start).toISOString())).toEqual([
      '2024-05-03T10:00:00.000Z',
      '2024-05-03T11:00:00.000Z',
    ]);
  });

  it('rolls a UTC day up into a daily set when its last window closes', async () => {
    const r = rig({ clock: new ManualClock(Date.parse('2024-05-03T21:30:00Z')) });
    r.pipeline.start();
    await at(r, '2024-05-04T00:00:00Z');
    expect(brief(r.events)).toEqual([
      'AllocationSetSaved 2024-05-03T21:00:00Z size=1',
      'AssetSetSaved 2024-05-03T21:00:00Z size=1',
      'AllocationSetTotaled 2024-05-03T21:00:00Z',
      'AssetSetTotaled 2024-05-03T21:00:00Z',
      'AllocationSetSaved 2024-05-03T22:00:00Z size=1',
      'AssetSetSaved 2024-05-03T22:00:00Z size=1',
      'AllocationSetTotaled 2024-05-03T22:00:00Z',
      'AssetSetTotaled 2024-05-03T22:00:00Z',
      'AllocationSetSaved 2024-05-03T23:00:00Z size=1',
      'AssetSetSaved 2024-05-03T23:00:00Z size=1',
      'AllocationSetTotaled 2024-05-03T23:00:00Z',
      'AssetSetTotaled 2024-05-03T23:00:00Z',
      'AllocationSetAggregated 2024-05-03T00:00:00Z size=1',
      'AssetSetAggregated 2024-05-03T00:00:00Z size=1',
      'AllocationSetSaved 2024-05-03T00:00:00Z size=1',
      'AssetSetSaved 2024-05-03T00:00:00Z size=1',
      'AllocationSetTotaled 2024-05-03T00:00:00Z',
      'AssetSetTotaled 2024-05-03T00:00:00Z',
    ]);
    const daily = await new SetRepository(r.store).load({ cluster: 'cluster-one', category: 'asset', resolutionMs: DAY, start: Date.parse('2024-05-03T00:00:00Z') });
    const nodeAsset = daily?.assets[0];
    expect(nodeAsset?.type).toBe('Node');
    // 21:00 to 24:00: the three hours this server saw.
    expect(nodeAsset && nodeAsset.type === 'Node' ? nodeAsset.cpuCoreHours : undefined).toBeCloseTo(12, 9);
    expect([nodeAsset?.start, nodeAsset?.end]).toEqual([Date.parse('2024-05-03T21:00:00Z'), Date.parse('2024-05-04T00:00:00Z')]);
  });

  it('loads the stored sets at start-up and continues after the last one instead of rebuilding it', async () => {
    const store = new MemoryStore({ etlLogCapacity: 100, auditCapacity: 10 });
    const first = rig({ store });
    first.pipeline.start();
    await at(first, '2024-05-03T12:00:00Z');
    await first.pipeline.stop();

    const second = rig({ store, clock: new ManualClock(Date.parse('2024-05-03T12:20:00Z')) });
    second.pipeline.start();
    await second.pipeline.idle();
    expect(brief(second.events)).toEqual([
      'AllocationSetLoaded 2024-05-03T10:00:00Z size=2',
      'AssetSetLoaded 2024-05-03T10:00:00Z size=1',
      'AllocationSetTotaled 2024-05-03T10:00:00Z',
      'AssetSetTotaled 2024-05-03T10:00:00Z',
      'AllocationSetLoaded 2024-05-03T11:00:00Z size=1',
      'AssetSetLoaded 2024-05-03T11:00:00Z size=1',
      'AllocationSetTotaled 2024-05-03T11:00:00Z',
      'AssetSetTotaled 2024-05-03T11:00:00Z',
    ]);
    expect(second.events.every((e) => e.dedupeKey === undefined)).toBe(true);
    second.events.length = 0;
    await at(second, '2024-05-03T13:00:00Z');
    expect(brief(second.events).filter((e) => e.includes('Saved'))).toEqual(['AllocationSetSaved 2024-05-03T12:00:00Z size=1', 'AssetSetSaved 2024-05-03T12:00:00Z size=1']);
  });

  it('after a restart across window ends, builds the windows since the last stored set', async () => {
    const store = new MemoryStore({ etlLogCapacity: 100, auditCapacity: 10 });
    const first = rig({ store });
    first.pipeline.start();
    await at(first, '2024-05-03T11:00:00Z');
    await first.pipeline.stop();

    // Down from 11:50 to 13:10: the 11:00 and 12:00 windows closed while no server ran.
    const second = rig({ store, clock: new ManualClock(Date.parse('2024-05-03T13:10:00Z')) });
    second.pipeline.start();
    await second.pipeline.idle();
    expect(brief(second.events).filter((e) => e.includes('Saved'))).toEqual([
      'AllocationSetSaved 2024-05-03T11:00:00Z size=1',
      'AssetSetSaved 2024-05-03T11:00:00Z size=1',
      'AllocationSetSaved 2024-05-03T12:00:00Z size=1',
      'AssetSetSaved 2024-05-03T12:00:00Z size=1',
    ]);
    second.events.length = 0;
    await at(second, '2024-05-03T14:00:00Z');
    expect(brief(second.events).filter((e) => e.includes('Saved'))).toEqual(['AllocationSetSaved 2024-05-03T13:00:00Z size=1', 'AssetSetSaved 2024-05-03T13:00:00Z size=1']);
  });

  it('reports a stored set it cannot read as a ComputeError and goes on', async () => {
    const inner = new MemoryStore({ etlLogCapacity: 100, auditCapacity: 10 });
    const first = rig({ store: inner });
    first.pipeline.start();
    await at(first, '2024-05-03T11:00:00Z');
    await first.pipeline.stop();
    const store = delegate(inner, {
      loadSet: async (k) => {
        const row = await inner.loadSet(k);
        return row && { ...row, payload: new Uint8Array([0xff, 1, 2, 3]) };
      },
    });
    const second = rig({ store, clock: new ManualClock(Date.parse('2024-05-03T11:10:00Z')) });
    second.pipeline.start();
    await second.pipeline.idle();
    expect(second.events.map((e) => e.kind)).toEqual(['AllocationSetComputeError', 'AssetSetComputeError']);
    expect(second.events[0]?.metadata.error).toMatch(/^stored allocation set cluster-one 2024-05-03T10:00:00.000Z \(3600s\) cannot be read: /);
  });

  it('deletes sets past retention and says which', async () => {
    const r = rig({ deps: { hourlyRetentionMs: 2 * H } });
    r.pipeline.start();
    await at(r, '2024-05-03T13:00:00Z');
    expect(brief(r.events.filter((e) => e.kind.endsWith('Deleted')))).toEqual([
      'AllocationSetDeleted 2024-05-03T10:00:00Z size=2',
      'AssetSetDeleted 2024-05-03T10:00:00Z size=1',
    ]);
    expect((await r.store.listSets({ category: 'asset', resolutionMs: H })).map((s) => new Date(s.start).toISOString())).toEqual([
      '2024-05-03T11:00:00.000Z',
      '2024-05-03T12:00:00.000Z',
    ]);
  });

  it('reports a billing export it cannot read as ReconcileError once per run and saves the computed sets', async () => {
    const billing: BillingSource = { load: () => ({ ok: false, error: 'BILLING_EXPORT /data/focus.csv: no such file' }) };
    const r = rig({ deps: { billing } });
    r.pipeline.start();
    await at(r, '2024-05-03T12:00:00Z');
    expect(brief(r.events).filter((e) => !e.includes('Totaled'))).toEqual([
      'AllocationSetReconcileError 2024-05-03T10:00:00Z error=BILLING_EXPORT /data/focus.csv: no such file',
      'AssetSetReconcileError 2024-05-03T10:00:00Z error=BILLING_EXPORT /data/focus.csv: no such file',
      'AllocationSetSaved 2024-05-03T10:00:00Z size=2',
      'AssetSetSaved 2024-05-03T10:00:00Z size=1',
      'AllocationSetReconcileError 2024-05-03T11:00:00Z error=BILLING_EXPORT /data/focus.csv: no such file',
      'AssetSetReconcileError 2024-05-03T11:00:00Z error=BILLING_EXPORT /data/focus.csv: no such file',
      'AllocationSetSaved 2024-05-03T11:00:00Z size=1',
      'AssetSetSaved 2024-05-03T11:00:00Z size=1',
    ]);
  });

  it('stops between runs: nothing is built after stop()', async () => {
    const r = rig();
    r.pipeline.start();
    await r.pipeline.stop();
    r.clock.advance(2 * H);
    await r.pipeline.idle();
    expect(r.events).toEqual([]);
    expect(r.clock.pendingTimers).toBe(0);
  });
});
