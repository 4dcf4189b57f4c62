import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditEventType } from '../../src/audit/audit-event.js';
import { predictionOff, realizedWindows } from '../../src/audit/realized-cost.js';
import { RealizedCosts } from '../../src/audit/realized-costs.js';
import { encodeAllocationSet } from '../../src/etl/allocation-set-codec.js';
import type { Allocation, AllocationSet } from '../../src/etl/sets.js';
import type { SetStore, StoreLimits } from '../../src/storage/store.js';
import { allocation } from '../support/etl-records.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// What a change really cost, from hand-built allocation sets stored in every backend. Amounts are
// binary fractions, so every expected figure is exact: 0.375 an hour × 730 hours is 273.75.

const backends = storeBackends(await postgresAvailable());
const LIMITS: StoreLimits = { etlLogCapacity: 10, auditCapacity: 10 };
const H = 3_600_000;
const MIN = 60_000;
/** 2024-05-03T10:00:00Z; the changes happen at 10:30, so the windows are 09:00–10:00 and 11:00–12:00. */
const T10 = Date.UTC(2024, 4, 3, 10);
const BEFORE = { start: T10 - H, end: T10 };
const DURING = { start: T10, end: T10 + H };
const AFTER = { start: T10 + H, end: T10 + 2 * H };
const DAY = 24 * H;
/** The UTC days before and after the changes' day (2024-05-02 and 2024-05-04): the windows once the hourly sets are pruned. */
const DAY_BEFORE = { start: Date.UTC(2024, 4, 2), end: Date.UTC(2024, 4, 3) };
const DAY_AFTER = { start: Date.UTC(2024, 4, 4), end: Date.UTC(2024, 4, 5) };

/** A container of shop/`controller` (a Deployment) running the whole of `w` unless told otherwise. */
function pod(controller: string, pod: string, w: { start: number; end: number }, over: Partial<Allocation> = {}): Allocation {
  return allocation(`c1/node-a/shop/${pod}/app`, {
    properties: { cluster: 'c1', node: 'node-a', namespace: 'shop', controllerKind: 'deployment', controller, pod, container: 'app' },
    start: w.start,
    end: w.end,
    ...over,
  });
}

/** What both sides hold besides the workload: another Deployment, node-a's idle and a volume, none of which counts. */
function others(w: { start: number; end: number }): Allocation[] {
  return [
    pod('other', 'other-1', w, { cpuCost: 8 }),
    allocation('c1/node-a/__idle__', { properties: { cluster: 'c1', node: 'node-a' }, start: w.start, end: w.end, cpuCost: 16, ramCost: 4 }),
  ];
}

const set = (w: { start: number; end: number }, allocations: Allocation[]): AllocationSet => ({ cluster: 'c1', window: w, allocations: [...allocations, ...others(w)] });
/** One replica: 0.25 CPU + 0.125 RAM an hour (and a volume, which the predictor does not price and the realized cost leaves out). */
const one = (w: { start: number; end: number }, name = 'api-1', over: Partial<Allocation> = {}) => pod('api', name, w, { cpuCost: 0.25, ramCost: 0.125, pvCost: 2, ...over });

function event(type: AuditEventType, predicted: number, o: { name?: string; at?: number; id?: string } = {}): AuditEvent {
  const at = o.at ?? T10 + 30 * MIN;
  return {
    eventType: type,
    resourceType: 'deployment',
    timestamp: new Date(at).toISOString().replace('Z', '000000Z'),
    properties: { cluster: 'c1', name: o.name ?? 'api', namespace: 'shop' },
    totalRequests: { cpu: '1', memory: '1Gi' },
    resourceCosts: { costPerCPUCoreHour: 0.031616438356164386, costPerRAMByteHour: 3.94217363775593e-12, costPerGPUHour: 0.95 },
    costPrediction: { totalMonthlyRate: Math.abs(predicted), cpuMonthlyRate: 0, ramMonthlyRate: 0, gpuMonthlyRate: 0 },
    monthlyCostDelta: predicted,
    uid: `uid-${o.name ?? 'api'}`,
    predictor: 'requests',
    id: o.id ?? `ev${at}${type.padEnd(9, 'x')}`,
  };
}

const W = (w: { start: number; end: number }) => ({ start: new Date(w.start).toISOString().replace('.000Z', 'Z'), end: new Date(w.end).toISOString().replace('.000Z', 'Z') });

describe('the windows a change is measured over', () => {
  it('are the whole window before the one it happened in and the whole window after it', () => {
    expect(realizedWindows(T10 + 30 * MIN, H)).toEqual({ before: BEFORE, after: AFTER });
    // A change on a boundary happened in the window it starts.
    expect(realizedWindows(T10, H)).toEqual({ before: BEFORE, after: AFTER });
  });
});

describe('a prediction off by more than a factor of 2', () => {
  it('is marked when the realized delta is more than twice the predicted one', () => expect(predictionOff(100, 201)).toBe(true));
  it('is marked when the realized delta is less than half the predicted one', () => expect(predictionOff(100, 49)).toBe(true));
  it('is marked when the realized delta has the other sign', () => expect(predictionOff(-10, 12)).toBe(true));
  it('is not marked within the factor, either way', () => {
    expect(predictionOff(100, 199)).toBe(false);
    expect(predictionOff(-100, -51)).toBe(false);
  });
  it('is not marked when both are under a cent a month', () => expect(predictionOff(0, 0.004)).toBe(false));
  it('is marked when nothing was predicted and the change cost something', () => expect(predictionOff(0, 5)).toBe(true));
});

describe.each(backends)('realized cost over the $name store', (backend) => {
  const t = useStores(backend, ['sets'], LIMITS);
  const saveAt = async (resolutionMs: number, sets: AllocationSet[]) => {
    for (const s of sets) {
      await t.store.saveSets([{ cluster: s.cluster, category: 'allocation', resolutionMs, start: s.window.start, end: s.window.end, size: s.allocations.length, reconciled: null, payload: encodeAllocationSet(s) }]);
    }
  };
  const save = (...sets: AllocationSet[]) => saveAt(H, sets);
  const saveDaily = (...sets: AllocationSet[]) => saveAt(DAY, sets);
  /** What the pruning does once HOURLY_RETENTION has passed the window before: deletes the hourly sets up to the change's hour. */
  const pruneHourly = () => t.store.deleteSets({ cluster: 'c1', category: 'allocation', resolutionMs: H, endAtOrBefore: T10 });
  const realized = (store: SetStore = t.store) => new RealizedCosts({ sets: store, resolutionMs: H, hoursPerMonth: 730 });

  it('is the controller\'s cost an hour before and after a resize, idle, volumes and other controllers left out', async () => {
    // One replica before; two after, one with a reconciliation adjustment of 0.125.
    await save(set(BEFORE, [one(BEFORE)]), set(DURING, [one(DURING)]), set(AFTER, [one(AFTER), one(AFTER, 'api-2', { cpuCostAdjustment: 0.125 })]));
    const [r] = await realized().of([event('update', 273.75)]);
    expect(r).toEqual({
      predictedMonthlyDelta: 273.75,
      // (0.875 − 0.375) × 730
      realizedMonthlyDelta: 365,
      before: { window: W(BEFORE), costPerHour: 0.375, coverage: 1 },
      after: { window: W(AFTER), costPerHour: 0.875, coverage: 1 },
      coverage: 1,
      predictionOff: false,
    });
  });

  it('is null until the whole window after the one the change happened in is stored', async () => {
    await save(set(BEFORE, [one(BEFORE)]), set(DURING, [one(DURING)]));
    expect(await realized().of([event('update', 273.75)])).toEqual([null]);
  });

  it('is null when the window before the change is not stored', async () => {
    await save(set(DURING, [one(DURING)]), set(AFTER, [one(AFTER)]));
    expect(await realized().of([event('add', 273.75)])).toEqual([null]);
  });

  it('has a coverage below 1 when the controller ran only part of a window, and its rate while it ran', async () => {
    // Added at 10:30, its pod starts only at 11:15: 0.375 for 45 minutes is 0.5 an hour.
    const late = { start: AFTER.start + 15 * MIN, end: AFTER.end };
    await save(set(BEFORE, []), set(AFTER, [one(late)]));
    const [r] = await realized().of([event('add', 365)]);
    expect(r).toEqual({
      predictedMonthlyDelta: 365,
      realizedMonthlyDelta: 365,
      before: { window: W(BEFORE), costPerHour: 0, coverage: 0 },
      after: { window: W(AFTER), costPerHour: 0.5, coverage: 0.75 },
      coverage: 0.75,
      predictionOff: false,
    });
  });

  it('counts a delete from the window before, and marks a prediction off by more than twice either way', async () => {
    await save(set(BEFORE, [one(BEFORE)]), set(AFTER, []));
    const [close, tooHigh, tooLow] = await realized().of([event('delete', -273.75, { id: 'a' }), event('delete', -600, { id: 'b' }), event('delete', -100, { id: 'c' })]);
    expect(close).toMatchObject({ realizedMonthlyDelta: -273.75, coverage: 1, predictionOff: false });
    expect(tooHigh).toMatchObject({ predictedMonthlyDelta: -600, realizedMonthlyDelta: -273.75, predictionOff: true });
    expect(tooLow).toMatchObject({ predictedMonthlyDelta: -100, realizedMonthlyDelta: -273.75, predictionOff: true });
  });

  it('is kept per revision of its sets: a set stored since gives a new answer, an unchanged one reads nothing', async () => {
    let loads = 0;
    const counted: SetStore = { ...pick(t.store), loadSet: (k) => ((loads += 1), t.store.loadSet(k)) };
    const costs = realized(counted);
    await save(set(BEFORE, [one(BEFORE)]), set(AFTER, [one(AFTER)]));
    const e = event('update', 0);
    expect((await costs.of([e]))[0]?.realizedMonthlyDelta).toBe(0);
    expect(loads).toBe(2);
    expect((await costs.of([e]))[0]?.realizedMonthlyDelta).toBe(0);
    expect(loads).toBe(2);
    // The window after is rebuilt with a second replica.
    await save(set(AFTER, [one(AFTER), one(AFTER, 'api-2')]));
    expect((await costs.of([e]))[0]).toMatchObject({ realizedMonthlyDelta: 273.75, predictionOff: true });
    expect(loads).toBe(4);
  });

  describe('once the hourly window before is pruned', () => {
    it('uses the hourly sets while the window before is held, then the daily roll-ups of the day before and the day after', async () => {
      // One replica all along; from 12:00 on 2024-05-04 a second one (the day after: 9 + 4.5 over 24 hours).
      await save(set(BEFORE, [one(BEFORE)]), set(AFTER, [one(AFTER), one(AFTER, 'api-2')]));
      await saveDaily(set(DAY_BEFORE, [one(DAY_BEFORE, 'api-1', { cpuCost: 6, ramCost: 3 })]));
      await saveDaily(set(DAY_AFTER, [one(DAY_AFTER, 'api-1', { cpuCost: 6, ramCost: 3 }), one({ start: DAY_AFTER.start + 12 * H, end: DAY_AFTER.end }, 'api-2', { cpuCost: 3, ramCost: 1.5 })]));
      const costs = realized();
      const e = event('update', 136.875);
      expect((await costs.of([e]))[0]).toMatchObject({ before: { window: W(BEFORE) }, after: { window: W(AFTER) }, realizedMonthlyDelta: 273.75 });
      await pruneHourly();
      expect((await costs.of([e]))[0]).toEqual({
        predictedMonthlyDelta: 136.875,
        // (13.5 / 24 − 9 / 24) × 730
        realizedMonthlyDelta: 136.875,
        before: { window: W(DAY_BEFORE), costPerHour: 0.375, coverage: 1 },
        after: { window: W(DAY_AFTER), costPerHour: 0.5625, coverage: 1 },
        coverage: 1,
        predictionOff: false,
      });
    });

    it('has a coverage over the whole day: the share of it in which one of the controller\'s pods ran', async () => {
      // Added at 10:30 on the 3rd, it ran 06:00–18:00 on the 4th: 4.5 over 12 hours.
      await saveDaily(set(DAY_BEFORE, []), set(DAY_AFTER, [one({ start: DAY_AFTER.start + 6 * H, end: DAY_AFTER.start + 18 * H }, 'api-1', { cpuCost: 3, ramCost: 1.5 })]));
      expect((await realized().of([event('add', 273.75)]))[0]).toEqual({
        predictedMonthlyDelta: 273.75,
        realizedMonthlyDelta: 273.75,
        before: { window: W(DAY_BEFORE), costPerHour: 0, coverage: 0 },
        after: { window: W(DAY_AFTER), costPerHour: 0.375, coverage: 0.5 },
        coverage: 0.5,
        predictionOff: false,
      });
    });

    it('is null when the day after is not rolled up yet', async () => {
      await save(set(AFTER, [one(AFTER)]));
      await saveDaily(set(DAY_BEFORE, [one(DAY_BEFORE)]));
      expect(await realized().of([event('update', 0)])).toEqual([null]);
    });

    it('does not look for the daily sets while the hourly window before is held (the window after is only not built yet)', async () => {
      await save(set(BEFORE, [one(BEFORE)]));
      await saveDaily(set(DAY_BEFORE, [one(DAY_BEFORE)]), set(DAY_AFTER, [one(DAY_AFTER)]));
      const listed: number[] = [];
      const counted: SetStore = { ...pick(t.store), listSets: (q) => (listed.push(q.resolutionMs), t.store.listSets(q)) };
      expect(await realized(counted).of([event('update', 0)])).toEqual([null]);
      expect(listed).toEqual([H]);
    });

    it('has a stamp, from listings alone, that changes when it moves to the daily sets and when one of them is rebuilt', async () => {
      await save(set(BEFORE, [one(BEFORE)]), set(AFTER, [one(AFTER)]));
      await saveDaily(set(DAY_BEFORE, [one(DAY_BEFORE)]), set(DAY_AFTER, [one(DAY_AFTER)]));
      let loads = 0;
      const costs = realized({ ...pick(t.store), loadSet: (k) => ((loads += 1), t.store.loadSet(k)) });
      const e = event('update', 0);
      const hourly = (await costs.plan([e])).stamp;
      expect((await costs.plan([e])).stamp).toBe(hourly);
      await pruneHourly();
      const daily = (await costs.plan([e])).stamp;
      expect(daily).not.toBe(hourly);
      await saveDaily(set(DAY_AFTER, [one(DAY_AFTER), one(DAY_AFTER, 'api-2')]));
      expect((await costs.plan([e])).stamp).not.toBe(daily);
      expect(loads).toBe(0);
    });
  });
});

function pick(s: SetStore): SetStore {
  return { saveSets: (x) => s.saveSets(x), listSets: (q) => s.listSets(q), loadSet: (k) => s.loadSet(k), deleteSets: (q) => s.deleteSets(q) };
}
