import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoredSet, StoredSetInfo, StoreLimits } from '../../src/storage/store.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// The ETL pipeline's sets in the storage seam: opaque payloads saved (upserted by key) in one
// transaction, listed without payloads, loaded, deleted by retention. Every test runs against
// memory, SQLite and PostgreSQL and expects the same answers.

const backends = storeBackends(await postgresAvailable());

const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 3 };
const H = 3_600_000;
const DAY = 24 * H;
/** A whole hour (2024-05-03T08:00:00Z). */
const T = 1_714_723_200_000;

const bytes = (text: string) => new TextEncoder().encode(text);
/** Every byte value, twice, so NUL, high bytes and what looks like escapes all travel. */
const ALL_BYTES = Uint8Array.from({ length: 512 }, (_, i) => (i * 7 + 3) % 256);

/** An hourly allocation set of `cluster` starting `hour` hours after T; its payload names it. */
function set(cluster: string, hour: number, o: Partial<StoredSet> = {}): StoredSet {
  const resolutionMs = o.resolutionMs ?? H;
  const start = o.start ?? T + hour * H;
  return { cluster, category: 'allocation', resolutionMs, start, end: start + resolutionMs, size: hour + 1, reconciled: null, payload: bytes(`${cluster}@${hour}`), ...o };
}

const info = (s: StoredSet): StoredSetInfo => ({
  cluster: s.cluster,
  category: s.category,
  resolutionMs: s.resolutionMs,
  start: s.start,
  end: s.end,
  size: s.size,
  reconciled: s.reconciled,
});
/** Rows as `cluster@hour`, in the order given. */
const names = (rows: readonly StoredSetInfo[]) => rows.map((r) => `${r.cluster}@${(r.start - T) / H}`);
const hex = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
const hourly = { category: 'allocation', resolutionMs: H } as const;

describe.each(backends)('the $name store, ETL sets', (backend) => {
  const t = useStores(backend, ['sets', 'catalogue'], LIMITS);

  it('lists what it saved without payloads and loads every byte back exactly', async () => {
    // A view into a larger buffer: only its own bytes are stored.
    const framed = new Uint8Array([0xff, ...ALL_BYTES, 0xee]).subarray(1, 1 + ALL_BYTES.length);
    const a = set('c1', 0, { payload: framed, reconciled: 'sha256:0123abcd', size: 20_000 });
    const empty = set('c1', 1, { payload: new Uint8Array(0), size: 0 });
    await t.store.saveSets([a, empty]);
    const rows = await t.store.listSets(hourly);
    expect(rows).toEqual([info(a), info(empty)]);
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['category', 'cluster', 'end', 'reconciled', 'resolutionMs', 'size', 'start']);
    const loaded = await t.store.loadSet({ cluster: 'c1', category: 'allocation', resolutionMs: H, start: a.start });
    expect(loaded?.payload).toBeInstanceOf(Uint8Array);
    expect(hex(loaded?.payload)).toBe(hex(ALL_BYTES));
    expect(loaded && info(loaded)).toEqual(info(a));
    const none = await t.store.loadSet({ cluster: 'c1', category: 'allocation', resolutionMs: H, start: empty.start });
    expect(none?.payload.byteLength).toBe(0);
    expect(none && info(none)).toEqual(info(empty));
  });

  it('round-trips a 5 MB payload', async () => {
    const payload = randomBytes(5 * 1024 * 1024);
    await t.store.saveSets([set('big', 0, { payload })]);
    const loaded = await t.store.loadSet({ cluster: 'big', ...hourly, start: T });
    expect(loaded?.payload.byteLength).toBe(payload.byteLength);
    expect(Buffer.compare(Buffer.from(loaded!.payload), payload)).toBe(0);
  });

  it('keeps what it stored when the caller changes its bytes, before or after', async () => {
    const payload = bytes('original');
    await t.store.saveSets([set('c1', 0, { payload })]);
    payload.fill(0);
    const first = await t.store.loadSet({ cluster: 'c1', ...hourly, start: T });
    first?.payload.fill(0);
    const again = await t.store.loadSet({ cluster: 'c1', ...hourly, start: T });
    expect(new TextDecoder().decode(again?.payload)).toBe('original');
  });

  it('answers undefined for a set it does not hold', async () => {
    await t.store.saveSets([set('c1', 0)]);
    expect(await t.store.loadSet({ cluster: 'c1', ...hourly, start: T + H })).toBeUndefined();
    expect(await t.store.loadSet({ cluster: 'c2', ...hourly, start: T })).toBeUndefined();
    expect(await t.store.listSets({ category: 'asset', resolutionMs: H })).toEqual([]);
  });

  it('replaces a set saved again under its key: a rebuild or a reconciliation', async () => {
    await t.store.saveSets([set('c1', 0), set('c1', 1)]);
    const rebuilt = set('c1', 0, { end: T + H / 2, size: 99, reconciled: 'digest-1', payload: bytes('rebuilt') });
    await t.store.saveSets([rebuilt]);
    expect(await t.store.listSets(hourly)).toEqual([info(rebuilt), info(set('c1', 1))]);
    expect(new TextDecoder().decode((await t.store.loadSet({ cluster: 'c1', ...hourly, start: T }))?.payload)).toBe('rebuilt');
    // Twice in one batch: the later wins.
    await t.store.saveSets([set('c1', 1, { payload: bytes('first') }), set('c1', 1, { payload: bytes('second'), reconciled: 'digest-2' })]);
    const loaded = await t.store.loadSet({ cluster: 'c1', ...hourly, start: T + H });
    expect(new TextDecoder().decode(loaded?.payload)).toBe('second');
    expect(loaded?.reconciled).toBe('digest-2');
    expect(await t.store.listSets(hourly)).toHaveLength(2);
  });

  it('lists by start then cluster, sets with q.start <= start and end <= q.end', async () => {
    await t.store.saveSets([set('c2', 2), set('c1', 1), set('c2', 0), set('c1', 2), set('c1', 0), set('c2', 1)]);
    expect(names(await t.store.listSets(hourly))).toEqual(['c1@0', 'c2@0', 'c1@1', 'c2@1', 'c1@2', 'c2@2']);
    expect(names(await t.store.listSets({ ...hourly, start: T + H }))).toEqual(['c1@1', 'c2@1', 'c1@2', 'c2@2']);
    expect(names(await t.store.listSets({ ...hourly, start: T + 1 }))).toEqual(['c1@1', 'c2@1', 'c1@2', 'c2@2']);
    // The end bound takes a set ending exactly there, not one ending a millisecond later.
    expect(names(await t.store.listSets({ ...hourly, end: T + 2 * H }))).toEqual(['c1@0', 'c2@0', 'c1@1', 'c2@1']);
    expect(names(await t.store.listSets({ ...hourly, end: T + 2 * H - 1 }))).toEqual(['c1@0', 'c2@0']);
    expect(names(await t.store.listSets({ ...hourly, start: T + H, end: T + 2 * H }))).toEqual(['c1@1', 'c2@1']);
    expect(names(await t.store.listSets({ ...hourly, start: T + H, end: T + 2 * H - 1 }))).toEqual([]);
    expect(names(await t.store.listSets({ ...hourly, start: T + 3 * H }))).toEqual([]);
  });

  it('orders clusters as JavaScript sorts their names', async () => {
    const clusters = ['b', 'B', 'a-2', 'a10', 'a2', 'A'];
    await t.store.saveSets(clusters.map((c) => set(c, 0)));
    expect((await t.store.listSets(hourly)).map((r) => r.cluster)).toEqual([...clusters].sort());
  });

  it('lists only the clusters asked for', async () => {
    await t.store.saveSets([set('c1', 0), set('c2', 0), set('c3', 0), set('c2', 1)]);
    expect(names(await t.store.listSets({ ...hourly, clusters: new Set(['c2']) }))).toEqual(['c2@0', 'c2@1']);
    expect(names(await t.store.listSets({ ...hourly, clusters: new Set(['c3', 'c1', 'nowhere']) }))).toEqual(['c1@0', 'c3@0']);
    expect(await t.store.listSets({ ...hourly, clusters: new Set() })).toEqual([]);
  });

  it('keeps categories and resolutions apart', async () => {
    const alloc = set('c1', 0, { payload: bytes('allocation hourly') });
    const asset = set('c1', 0, { category: 'asset', payload: bytes('asset hourly') });
    const daily = set('c1', 0, { resolutionMs: DAY, payload: bytes('allocation daily') });
    await t.store.saveSets([alloc, asset, daily]);
    expect(await t.store.listSets(hourly)).toEqual([info(alloc)]);
    expect(await t.store.listSets({ category: 'asset', resolutionMs: H })).toEqual([info(asset)]);
    expect(await t.store.listSets({ category: 'allocation', resolutionMs: DAY })).toEqual([info(daily)]);
    expect(await t.store.listSets({ category: 'asset', resolutionMs: DAY })).toEqual([]);
    for (const s of [alloc, asset, daily]) {
      expect(new TextDecoder().decode((await t.store.loadSet(s))?.payload)).toBe(new TextDecoder().decode(s.payload));
    }
    expect(await t.store.deleteSets({ cluster: 'c1', category: 'allocation', resolutionMs: H, endAtOrBefore: T + DAY })).toEqual([info(alloc)]);
    expect(await t.store.listSets({ category: 'asset', resolutionMs: H })).toEqual([info(asset)]);
    expect(await t.store.listSets({ category: 'allocation', resolutionMs: DAY })).toEqual([info(daily)]);
  });

  it('deletes the sets of one cluster, category and resolution ending by a time, and returns exactly those, by start', async () => {
    const c1 = [3, 0, 2, 1].map((h) => set('c1', h));
    await t.store.saveSets([...c1, set('c2', 0), set('c1', 0, { category: 'asset' }), set('c1', 0, { resolutionMs: DAY })]);
    const deleted = await t.store.deleteSets({ cluster: 'c1', ...hourly, endAtOrBefore: T + 2 * H });
    expect(deleted).toEqual([info(set('c1', 0)), info(set('c1', 1))]);
    expect(names(await t.store.listSets(hourly))).toEqual(['c2@0', 'c1@2', 'c1@3']);
    expect(await t.store.loadSet({ cluster: 'c1', ...hourly, start: T })).toBeUndefined();
    expect(await t.store.listSets({ category: 'asset', resolutionMs: H })).toHaveLength(1);
    expect(await t.store.listSets({ category: 'allocation', resolutionMs: DAY })).toHaveLength(1);
    // Nothing more ends by then; a millisecond before an end keeps that set.
    expect(await t.store.deleteSets({ cluster: 'c1', ...hourly, endAtOrBefore: T + 2 * H })).toEqual([]);
    expect(await t.store.deleteSets({ cluster: 'c1', ...hourly, endAtOrBefore: T + 4 * H - 1 })).toEqual([info(set('c1', 2))]);
    expect(await t.store.deleteSets({ cluster: 'nowhere', ...hourly, endAtOrBefore: T + DAY })).toEqual([]);
  });

  it('knows a cluster that holds sets, until they are deleted', async () => {
    expect(await t.store.hasCluster('sets-only')).toBe(false);
    await t.store.saveSets([set('sets-only', 0, { category: 'asset', resolutionMs: DAY })]);
    expect(await t.store.hasCluster('sets-only')).toBe(true);
    expect(await t.store.hasCluster('other')).toBe(false);
    await t.store.deleteSets({ cluster: 'sets-only', category: 'asset', resolutionMs: DAY, endAtOrBefore: T + DAY });
    expect(await t.store.hasCluster('sets-only')).toBe(false);
  });

  const invalid: [string, Partial<StoredSet>][] = [
    ['an end not after its start', { end: T + H }],
    ['no payload', { payload: null as unknown as Uint8Array }],
    ['an unknown category', { category: 'network' as unknown as StoredSet['category'] }],
    ['a negative size', { size: -1 }],
    ['a zero resolution', { resolutionMs: 0, end: T + 2 * H }],
    ['a fractional start', { start: T + H + 0.5 }],
  ];
  it.each(invalid)('stores no set of a batch that holds one with %s', async (_, bad) => {
    const held = set('c1', 0, { payload: bytes('held') });
    await t.store.saveSets([held]);
    await expect(t.store.saveSets([set('c1', 0, { payload: bytes('replaced'), size: 7 }), set('c2', 1), set('c2', 1, bad)])).rejects.toThrow();
    expect(await t.store.listSets(hourly)).toEqual([info(held)]);
    expect(new TextDecoder().decode((await t.store.loadSet(held))?.payload)).toBe('held');
    expect(await t.store.hasCluster('c2')).toBe(false);
    // The store is still usable.
    await t.store.saveSets([set('c2', 1)]);
    expect(names(await t.store.listSets(hourly))).toEqual(['c1@0', 'c2@1']);
  });

  it('saves an empty batch as nothing', async () => {
    await t.store.saveSets([]);
    expect(await t.store.listSets(hourly)).toEqual([]);
  });
});

describe.each(backends.filter((b) => b.name !== 'memory'))('the durable $name store, ETL sets', (backend) => {
  const t = useStores(backend, ['sets', 'catalogue'], LIMITS);

  it('keeps sets, payloads byte for byte, across a close and a reopen', async () => {
    const sets = [set('c1', 0, { payload: ALL_BYTES, reconciled: 'digest' }), set('c1', 0, { category: 'asset' }), set('c2', 1, { resolutionMs: DAY })];
    await t.store.saveSets(sets);
    await t.store.close();
    const again = await t.open();
    expect(await again.listSets(hourly)).toEqual([info(sets[0]!)]);
    expect(await again.listSets({ category: 'allocation', resolutionMs: DAY })).toEqual([info(sets[2]!)]);
    for (const s of sets) expect(hex((await again.loadSet(s))?.payload)).toBe(hex(s.payload));
    expect(await again.hasCluster('c2')).toBe(true);
  });
});
