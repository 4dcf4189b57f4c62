import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store, StoreRecord } from '../../src/storage/store.js';
import { guardedReader } from '../../src/storage/store-reader.js';
import { StoreWriter, type StorageLogger, type StoreWriterOptions } from '../../src/storage/store-writer.js';
import { etlEvent } from '../support/events.js';
import { ManualClock } from '../support/manual-clock.js';
import { delegate, switchableStore } from '../support/stores.js';

const LIMITS = { etlLogCapacity: 100, auditCapacity: 100 };

/** One ETL record of `cluster`, its size saying which it was. */
const rec = (size: number, cluster = 'c1'): StoreRecord => ({ type: 'etl', event: etlEvent(cluster, 'AllocationSetSaved', BigInt(size), { size }) });
const sizesIn = async (store: Store) => (await store.queryEtl({})).allocation.map((j) => (JSON.parse(j) as { metadata: { size: number } }).metadata.size);

let clock: ManualClock;
let logs: string[];
const log: StorageLogger = {
  info: (_o, m) => logs.push(`info ${m}`),
  warn: (_o, m) => logs.push(`warn ${m}`),
  error: (_o, m) => logs.push(`error ${m}`),
};
const writers: StoreWriter[] = [];
const writer = (store: Store, o: Partial<StoreWriterOptions> = {}) => {
  const w = new StoreWriter({ store, clock, capacity: 100, log, ...o });
  writers.push(w);
  return w;
};

beforeEach(() => {
  clock = new ManualClock();
  logs = [];
});

afterEach(async () => {
  for (const w of writers.splice(0)) await w.close();
});

describe('StoreWriter', () => {
  it('commits what arrives during one turn of the event loop as one transaction', async () => {
    const db = switchableStore(new MemoryStore(LIMITS));
    const w = writer(db.store);
    for (let i = 1; i <= 5; i++) w.submit([rec(i)]);
    expect(db.batches).toEqual([]);
    await w.idle();
    expect(db.batches).toEqual([5]);
    expect(await sizesIn(db.store)).toEqual([1, 2, 3, 4, 5]);
  });

  it('commits at most maxBatch records per transaction, and never splits a unit', async () => {
    const db = switchableStore(new MemoryStore(LIMITS));
    const w = writer(db.store, { maxBatch: 3 });
    w.submit([rec(1), rec(2)]);
    w.submit([rec(3), rec(4)]);
    for (let i = 5; i <= 8; i++) w.submit([rec(i)]);
    await w.idle();
    expect(db.batches).toEqual([2, 3, 3]);
  });

  it('has a synchronous backend commit each full batch at once and the rest at the end of the turn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writer-'));
    const sqlite = SqliteStore.open(join(dir, 'events.db'), LIMITS);
    const commits: number[] = [];
    const counted = delegate(sqlite, { writeSync: (r) => (commits.push(r.length), sqlite.writeSync(r)) });
    const w = writer(counted, { maxBatch: 3 });
    for (let i = 1; i <= 7; i++) w.submit([rec(i)]);
    expect(commits).toEqual([3, 3]);
    await w.idle();
    expect(commits).toEqual([3, 3, 1]);
    expect(await sizesIn(sqlite)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await w.close();
    await sqlite.close();
    rmSync(dir, { recursive: true });
  });

  it('writes through at once to the memory backend', async () => {
    const memory = new MemoryStore(LIMITS);
    writer(memory).submit([rec(1)]);
    expect(await sizesIn(memory)).toEqual([1]);
  });

  it('holds records while storage is down, retries on the clock with backoff, and writes them in order when it returns', async () => {
    const inner = new MemoryStore(LIMITS);
    const db = switchableStore(inner);
    const w = writer(db.store);
    db.setDown(true);
    for (let i = 1; i <= 3; i++) w.submit([rec(i)]);
    await w.idle();
    expect(w.status()).toEqual({
      ready: false,
      state: 'unavailable',
      detail: 'postgres://postgres:***@db/test: connect ECONNREFUSED 127.0.0.1:5432 (since 2024-05-03T08:01:04.000000000Z); 3 records queued, 0 dropped since start',
    });
    expect(logs).toEqual(['error storage unavailable; holding records until it returns']);
    clock.advance(250); // first retry: still down, the next waits twice as long
    await w.idle();
    db.setDown(false);
    clock.advance(499);
    await w.idle();
    expect(w.available).toBe(false);
    clock.advance(1);
    await w.idle();
    expect(w.status()).toEqual({ ready: true, state: 'ready', detail: 'postgres://postgres:***@db/test' });
    expect(await sizesIn(inner)).toEqual([1, 2, 3]);
    expect(logs.at(-1)).toBe('info storage available again; writing what was held');
  });

  it('past its bound drops the oldest records, counts them and says so once', async () => {
    const inner = new MemoryStore(LIMITS);
    const db = switchableStore(inner);
    const w = writer(db.store, { capacity: 3 });
    db.setDown(true);
    w.submit([rec(1)]);
    await w.idle();
    for (let i = 2; i <= 6; i++) w.submit([rec(i)]);
    expect(w.stats()).toEqual({ available: false, queued: 3, written: 0, dropped: { etl: 3, audit: 0, workload: 0, notification: 0, gap: 0 }, errors: { transient: 1, refused: 0 } });
    expect(logs.filter((l) => l.startsWith('warn'))).toEqual(['warn storage queue full; dropping the oldest records']);
    db.setDown(false);
    clock.advance(250);
    await w.idle();
    expect(await sizesIn(inner)).toEqual([4, 5, 6]);
    expect(w.status().detail).toBe('postgres://postgres:***@db/test; 0 records queued, 3 dropped since start');
  });

  it('drops a record the database refuses for good and writes the rest of its batch', async () => {
    const inner = new MemoryStore(LIMITS);
    const refusing = delegate(inner, {
      backend: 'postgres',
      writeSync: undefined,
      write: async (r) => {
        if (r.some((x) => x.type === 'etl' && x.event.cluster === 'poison')) throw Object.assign(new Error('value too long for type'), { code: '22001' });
        await inner.write(r);
      },
    });
    const w = writer(refusing);
    w.submit([rec(1)]);
    w.submit([rec(2, 'poison')]);
    w.submit([rec(3)]);
    await w.idle();
    expect(await sizesIn(inner)).toEqual([1, 3]);
    expect(w.stats()).toMatchObject({ available: true, dropped: { etl: 1, audit: 0, workload: 0, notification: 0 }, errors: { transient: 0, refused: 1 } });
    expect(logs).toEqual(['error storage refused a record; dropped']);
  });

  it('starts no timer until it is started, and probes only a store that can fail', async () => {
    const db = switchableStore(new MemoryStore(LIMITS));
    const w = writer(db.store, { probeIntervalMs: 10_000 });
    expect(clock.pendingTimers).toBe(0);
    w.start();
    expect(clock.pendingTimers).toBe(1);
    writer(new MemoryStore(LIMITS)).start();
    expect(clock.pendingTimers).toBe(1);
  });

  it('notices an outage while idle through its probe, and the return likewise', async () => {
    const db = switchableStore(new MemoryStore(LIMITS));
    const w = writer(db.store, { probeIntervalMs: 10_000 });
    w.start();
    db.setDown(true);
    clock.advance(10_000);
    await w.idle();
    expect(w.available).toBe(false);
    db.setDown(false);
    clock.advance(250);
    await w.idle();
    expect(w.available).toBe(true);
  });

  it('writes what is queued at close, and logs what is lost when storage stays down', async () => {
    const inner = new MemoryStore(LIMITS);
    const db = switchableStore(inner);
    const w = writer(db.store);
    w.submit([rec(1)]);
    await w.close();
    expect(await sizesIn(inner)).toEqual([1]);

    const down = switchableStore(new MemoryStore(LIMITS));
    const w2 = writer(down.store);
    down.setDown(true);
    w2.submit([rec(2)]);
    await w2.close();
    expect(logs.at(-1)).toBe('error storage unavailable at shutdown; queued records are lost');
    expect(w2.stats()).toMatchObject({ queued: 0, dropped: { etl: 1, audit: 0, workload: 0, notification: 0 } });
  });
});

describe('the guarded reader', () => {
  it('answers STORAGE_UNAVAILABLE when a read fails, and fails fast until storage is back', async () => {
    const db = switchableStore(new MemoryStore(LIMITS));
    let reads = 0;
    const counting = delegate(db.store, { revision: () => (reads++, db.store.revision()) });
    const w = writer(counting);
    const reader = guardedReader(counting, w);
    db.setDown(true);
    const failure = await reader.revision().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({
      code: 'STORAGE_UNAVAILABLE',
      statusCode: 503,
      message: 'storage (postgres) is unavailable; events produced meanwhile are held and written when it returns; /readyz has the details',
    });
    expect(w.available).toBe(false);
    await expect(reader.revision()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(reads).toBe(1);
    db.setDown(false);
    clock.advance(250);
    await w.idle();
    expect(await reader.revision()).toEqual({ etl: '0', audit: '0', custom: '0' });
  });
});
