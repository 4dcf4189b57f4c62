import { once } from 'node:events';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/storage/postgres/pg-store.js';
import { REVISION_MAX_AGE_MS, RevisionFeed, revisionChannel } from '../../src/storage/postgres/pg-revision-feed.js';
import type { StoreLimits, StoreRevision } from '../../src/storage/store.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestSchema, PG_ADMIN_URL, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { audit, etl } from '../support/store-records.js';

// The PostgreSQL revision feed (pg-revision-feed.ts): reads reuse the revision while LISTEN says
// nothing moved; this process's writes are read at once, another replica's once notified; a dropped
// listener falls back to a query per read until it listens again.

const pgOk = await postgresAvailable();
const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 3 };

let schema: TestSchema;
let clock: ManualClock;
const closers: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  if (!pgOk) return;
  schema = await createTestSchema();
  clock = new ManualClock();
});

afterEach(async () => {
  if (!pgOk) return;
  for (const close of closers.splice(0).reverse()) await close();
  await schema.drop();
});

/** Ends the listener's backend as an administrator (or a failover) would. */
async function terminateListener(feed: RevisionFeed): Promise<void> {
  const pid = feed.processId;
  expect(pid).toBeTypeOf('number');
  const rows = await schema.query<{ ended: boolean }>('SELECT pg_terminate_backend($1) AS ended', [pid]);
  expect(rows).toEqual([{ ended: true }]);
}

/** A read that counts how often it ran and answers `value`. */
function countingRead(value: () => StoreRevision) {
  const read = Object.assign(async () => (read.calls++, value()), { calls: 0 });
  return read;
}

const rev = (etl: string): StoreRevision => ({ etl, audit: '0', custom: '0' });

describe.skipIf(!pgOk)('the revision feed', () => {
  const startFeed = async () => {
    const channel = revisionChannel(schema.name);
    const errors: Error[] = [];
    const feed = new RevisionFeed({ url: PG_ADMIN_URL, channel, clock, onError: (err) => errors.push(err) });
    closers.push(() => feed.close());
    await feed.start();
    expect(feed.listening).toBe(true);
    return { feed, channel, errors };
  };

  it('reads once while nothing moves, again after a write of this process, a notification or the maximum age', async () => {
    const { feed, channel } = await startFeed();
    let current = rev('1');
    const read = countingRead(() => current);
    expect(await feed.revision(read)).toEqual(rev('1'));
    expect(await feed.revision(read)).toEqual(rev('1'));
    expect(read.calls).toBe(1);

    current = rev('2');
    feed.invalidate();
    expect(await feed.revision(read)).toEqual(rev('2'));
    expect(read.calls).toBe(2);

    current = rev('3');
    const notified = once(feed, 'notified');
    const other = new pg.Client({ connectionString: PG_ADMIN_URL });
    await other.connect();
    closers.push(() => other.end());
    await other.query("SELECT pg_notify($1, '')", [channel]);
    await notified;
    expect(await feed.revision(read)).toEqual(rev('3'));
    expect(read.calls).toBe(3);

    current = rev('4');
    clock.advance(REVISION_MAX_AGE_MS - 1);
    expect(await feed.revision(read)).toEqual(rev('3'));
    clock.advance(1);
    expect(await feed.revision(read)).toEqual(rev('4'));
    expect(read.calls).toBe(4);
  });

  it('does not keep a revision whose read began before a change it learnt of, and shares one read among concurrent callers', async () => {
    const { feed } = await startFeed();
    let release!: (r: StoreRevision) => void;
    const slow = Object.assign(() => ((slow.calls++, new Promise<StoreRevision>((resolve) => (release = resolve)))), { calls: 0 });
    const first = feed.revision(slow);
    const joined = feed.revision(slow);
    expect(slow.calls).toBe(1);
    // This process commits while the read is under way: the read's answer may predate the commit.
    feed.invalidate();
    release(rev('old'));
    expect(await first).toEqual(rev('old'));
    expect(await joined).toEqual(rev('old'));
    const read = countingRead(() => rev('new'));
    expect(await feed.revision(read)).toEqual(rev('new'));
    expect(read.calls).toBe(1);
  });

  it('queries on every read while its connection is down, and listens again after the retry wait', async () => {
    const { feed, errors } = await startFeed();
    const read = countingRead(() => rev('1'));
    await feed.revision(read);
    await feed.revision(read);
    expect(read.calls).toBe(1);

    const dropped = once(feed, 'dropped');
    await terminateListener(feed);
    await dropped;
    expect(feed.listening).toBe(false);
    expect(errors.length).toBeGreaterThan(0);
    await feed.revision(read);
    await feed.revision(read);
    expect(read.calls).toBe(3);

    const listening = once(feed, 'listening');
    clock.advance(100);
    await listening;
    await feed.revision(read);
    await feed.revision(read);
    expect(read.calls).toBe(4);
  });
});

describe.skipIf(!pgOk)('two stores (replicas) on one PostgreSQL schema', () => {
  const open = async () => {
    const store = await PostgresStore.open(schema.url, LIMITS, { clock });
    closers.push(() => store.close());
    expect(store.revisionFeed.listening).toBe(true);
    return store;
  };

  it('each reads its own writes at once and the other\'s once notified, on the same channel', async () => {
    const [a, b] = [await open(), await open()];
    const r0 = await a.revision();
    expect(await b.revision()).toEqual(r0);

    await a.write([etl('c1', 'AllocationSetSaved', 0)]);
    const r1 = await a.revision();
    expect(r1.etl).not.toBe(r0.etl);

    const notified = once(a.revisionFeed, 'notified');
    await b.write([audit('x')]);
    const r2 = await b.revision();
    expect(r2.audit).not.toBe(r1.audit);
    await notified;
    expect(await a.revision()).toEqual(r2);
  });

  it('after its listener is terminated, sees the other\'s writes on the next read, and listens again', async () => {
    const [a, b] = [await open(), await open()];
    await a.revision();
    const dropped = once(a.revisionFeed, 'dropped');
    await terminateListener(a.revisionFeed);
    await dropped;
    expect(a.revisionFeed.listening).toBe(false);

    await b.write([etl('c1', 'AllocationSetSaved', 1)]);
    expect(await a.revision()).toEqual(await b.revision());

    const listening = once(a.revisionFeed, 'listening');
    clock.advance(100);
    await listening;
    const notified = once(a.revisionFeed, 'notified');
    await b.write([etl('c1', 'AllocationSetSaved', 2)]);
    await notified;
    expect(await a.revision()).toEqual(await b.revision());
  });
});
