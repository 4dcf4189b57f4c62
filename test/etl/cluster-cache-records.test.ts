import { describe, expect, it } from 'vitest';
import type { Observed } from '../../src/etl/cluster-objects.js';
import { RecordTracker } from '../../src/etl/record-tracker.js';
import type { KubeLogger } from '../../src/kube/watch-types.js';
import { ManualClock } from '../support/manual-clock.js';

interface Rec {
  readonly uid: string;
  readonly tag?: string;
  readonly start: number;
  readonly end?: number;
}

const T0 = Date.parse('2024-05-03T00:00:00Z');
const MIN = 60_000;

function logger(): KubeLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`), error: () => undefined };
}

function setup(opts: { maxEnded?: number; startsWhenSeen?: boolean } = {}) {
  const clock = new ManualClock(T0 + 60 * MIN);
  const log = logger();
  const tracker = new RecordTracker<Rec>({ kind: 'Thing', clock, log, maxEnded: opts.maxEnded ?? 100, startsWhenSeen: opts.startsWhenSeen ?? false });
  return { clock, log, tracker };
}

const seen = (uid: string, record?: Omit<Rec, 'uid'>, problems?: string[]): Observed<Rec> => ({
  uid,
  ref: `ns/${uid}`,
  record: record === undefined ? undefined : { uid, ...record },
  ...(problems !== undefined && { problems }),
});

const uids = (rs: readonly Rec[]) => rs.map((r) => r.uid).sort();

describe('RecordTracker', () => {
  it('answers what overlaps a half-open window: ending at its start or starting at its end is outside', () => {
    const { tracker, clock } = setup();
    tracker.onSync(
      [
        seen('before', { start: T0, end: T0 + 10 * MIN }),
        seen('ends-at-start', { start: T0, end: T0 + 20 * MIN }),
        seen('ends-inside', { start: T0, end: T0 + 20 * MIN + 1 }),
        seen('inside', { start: T0 + 25 * MIN, end: T0 + 26 * MIN }),
        seen('starts-at-end', { start: T0 + 30 * MIN }),
        seen('starts-inside', { start: T0 + 30 * MIN - 1 }),
        seen('spans', { start: T0 }),
        seen('later', { start: T0 + 40 * MIN }),
      ],
      { initial: true },
    );
    expect(clock.nowMs()).toBeGreaterThan(T0 + 40 * MIN);
    expect(uids(tracker.overlapping({ start: T0 + 20 * MIN, end: T0 + 30 * MIN }))).toEqual(['ends-inside', 'inside', 'spans', 'starts-inside']);
    expect(tracker.stats()).toEqual({ live: 4, ended: 4, droppedEnded: 0 });
  });

  it('ends a deleted record when its delete is seen, and one missing from a relist at the relist', () => {
    const { tracker, clock } = setup();
    tracker.onSync([seen('a', { start: T0 }), seen('b', { start: T0 }), seen('c', { start: T0 })], { initial: true });
    clock.advance(MIN);
    tracker.onDeleted(seen('a', { start: T0 }));
    clock.advance(MIN);
    tracker.onSync([seen('c', { start: T0 })], { initial: false });
    const all = tracker.overlapping({ start: T0, end: T0 + 1000 * MIN });
    expect(all.map((r) => `${r.uid}:${r.end === undefined ? '-' : (r.end - T0) / MIN}`).sort()).toEqual(['a:61', 'b:62', 'c:-']);
  });

  it('never ends a record before it started', () => {
    const { tracker } = setup();
    const future = T0 + 120 * MIN; // a creation time ahead of this clock (skew)
    tracker.onAdded(seen('a', { start: future }));
    tracker.onDeleted(seen('a', { start: future }));
    expect(tracker.overlapping({ start: future - 1, end: future + 1 })).toEqual([{ uid: 'a', start: future, end: future }]);
  });

  it('keeps the first start, applies the latest version otherwise, and ignores versions after a final end', () => {
    const { tracker } = setup();
    tracker.onAdded(seen('p', { start: T0, tag: 'v1' }));
    tracker.onModified(seen('p', { start: T0 + 5 * MIN, tag: 'v2' }));
    expect(tracker.overlapping({ start: T0, end: T0 + 1 })).toEqual([{ uid: 'p', start: T0, tag: 'v2' }]);
    tracker.onModified(seen('p', { start: T0, tag: 'v3', end: T0 + 30 * MIN }));
    tracker.onModified(seen('p', { start: T0, tag: 'v4', end: T0 + 50 * MIN }));
    tracker.onDeleted(seen('p', { start: T0, tag: 'v5', end: T0 + 50 * MIN }));
    expect(tracker.overlapping({ start: T0, end: T0 + 1000 * MIN })).toEqual([{ uid: 'p', start: T0, tag: 'v3', end: T0 + 30 * MIN }]);
    expect(tracker.stats()).toMatchObject({ live: 0, ended: 1 });
  });

  it('with startsWhenSeen, starts a record that appears on a known object when that is seen, and may hold it twice', () => {
    const { tracker, clock } = setup({ startsWhenSeen: true });
    tracker.onSync([seen('svc'), seen('lb', { start: T0 })], { initial: true });
    clock.advance(MIN); // T0+61
    tracker.onModified(seen('svc', { start: T0 }));
    clock.advance(MIN); // T0+62
    tracker.onModified(seen('svc', { start: T0, tag: 'ingress' }));
    clock.advance(MIN); // T0+63
    tracker.onModified(seen('svc'));
    clock.advance(MIN); // T0+64: turned back while nothing watched, found by a relist
    tracker.onSync([seen('svc', { start: T0 }), seen('lb', { start: T0 })], { initial: false });
    const all = tracker.overlapping({ start: T0, end: T0 + 1000 * MIN });
    expect(all.map((r) => `${r.uid}:${(r.start - T0) / MIN}-${r.end === undefined ? '' : (r.end - T0) / MIN}`)).toEqual(['lb:0-', 'svc:64-', 'svc:61-63']);
  });

  it('sorts ended records by end however they arrive, and forgets those ending at or before a time', () => {
    const { tracker } = setup();
    const ends = [30, 10, 50, 20, 40, 20];
    ends.forEach((e, i) => tracker.onAdded(seen(`p${i}`, { start: T0, end: T0 + e * MIN })));
    tracker.forgetEndedBefore(T0 + 20 * MIN);
    expect(tracker.stats()).toMatchObject({ ended: 3 });
    expect(uids(tracker.overlapping({ start: T0, end: T0 + 1 }))).toEqual(['p0', 'p2', 'p4']);
    expect(uids(tracker.overlapping({ start: T0 + 40 * MIN, end: T0 + 41 * MIN }))).toEqual(['p2']);
  });

  it('drops the oldest-ended records past the cap, counts them and warns once per burst', () => {
    const { tracker, log } = setup({ maxEnded: 3 });
    for (let i = 0; i < 5; i++) tracker.onAdded(seen(`p${i}`, { start: T0, end: T0 + (10 - i) * MIN }));
    expect(uids(tracker.overlapping({ start: T0, end: T0 + 1 }))).toEqual(['p0', 'p1', 'p2']);
    expect(tracker.stats()).toEqual({ live: 0, ended: 3, droppedEnded: 2 });
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/dropping the oldest-ended.*"kind":"Thing","maxEnded":3,"droppedEnded":1/);
    // Still at the cap: the same burst.
    tracker.forgetEndedBefore(T0);
    tracker.onAdded(seen('p5', { start: T0, end: T0 + 20 * MIN }));
    expect(log.warnings).toHaveLength(1);
    // Forgotten below the cap, the next drop is a new burst.
    tracker.forgetEndedBefore(T0 + 9 * MIN);
    for (let i = 6; i < 9; i++) tracker.onAdded(seen(`p${i}`, { start: T0, end: T0 + 30 * MIN }));
    expect(tracker.stats()).toEqual({ live: 0, ended: 3, droppedEnded: 5 });
    expect(log.warnings).toHaveLength(2);
  });

  it("logs an object's problems once per change of them, not on every relist", () => {
    const { tracker, log } = setup();
    tracker.onSync([seen('a', { start: T0 }, ['bad cpu'])], { initial: true });
    tracker.onSync([seen('a', { start: T0 }, ['bad cpu'])], { initial: false });
    tracker.onModified(seen('a', { start: T0 }, ['bad cpu', 'bad memory']));
    tracker.onModified(seen('a', { start: T0 }));
    tracker.onModified(seen('a', { start: T0 }, ['bad cpu']));
    expect(log.warnings.map((w) => JSON.parse(w.slice(w.indexOf('{'))) as { problems: string[] }).map((w) => w.problems.join(','))).toEqual(['bad cpu', 'bad cpu,bad memory', 'bad cpu']);
    expect(log.warnings[0]).toMatch(/"kind":"Thing","object":"ns\/a"/);
  });

  it('answers a snapshot of 20,000 live and 100,000 ended records with exactly those overlapping the window', () => {
    const { tracker } = setup({ maxEnded: 100_000 });
    const live: Observed<Rec>[] = [];
    for (let i = 0; i < 20_000; i++) live.push(seen(`live-${i}`, { start: T0 - 1 - i * 1000 }));
    tracker.onSync(live, { initial: true });
    for (let i = 0; i < 100_000; i++) tracker.onAdded(seen(`ended-${i}`, { start: T0 - 86_400_000, end: T0 - 86_400_000 + i * 1000 }));
    expect(tracker.stats()).toEqual({ live: 20_000, ended: 100_000, droppedEnded: 0 });
    const window = { start: T0 - 3_600_000, end: T0 };
    // Every live record started before T0; ended ones ending after T0-1h: 100,000 - 82,800 - 1.
    // (Its speed is measured by `npm run bench -- etl`, never asserted here.)
    expect(tracker.overlapping(window).length).toBe(20_000 + 100_000 - 82_801);
  });
});
