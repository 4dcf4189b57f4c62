import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { auditEventId } from '../../src/audit/audit-id.js';
import type { RepairStore } from '../../src/storage/repair-store.js';
import type { AuditGapStore } from '../../src/storage/gap-store.js';
import { auditGap } from '../../src/audit/watch-gap.js';
import { auditMessage } from '../../src/notify/notify-router.js';
import { noticeId } from '../../src/notify/outbox-rows.js';
import { PG_MIGRATIONS } from '../../src/storage/postgres/pg-migrations.js';
import { PostgresStore } from '../../src/storage/postgres/pg-store.js';
import { SQLITE_MIGRATIONS } from '../../src/storage/sqlite/sqlite-migrations.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { auditEvent } from '../support/events.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { keyedAuditEvent } from '../../src/audit/audit-change.js';

// Version 2 of the schema gives audit events a time column for the Cloud Eye queries. A store
// written by version 1 is migrated with the times filled in, and a version-1 server still writing
// during a rolling upgrade (it leaves the column at its default) gets the time filled by a trigger.
// Version 3 counts custom events per name, day and hour; it recounts what version 2 stored.
// Version 4 adds the ETL pipeline's sets; a store of version 3 keeps what it held and takes sets.

const pgOk = await postgresAvailable();
const LIMITS = { etlLogCapacity: 10, auditCapacity: 10 };
const body = (name: string, timestamp: string) => JSON.stringify(auditEvent(name, { cluster: 'c1', timestamp }));
const V1_INSERT = `INSERT INTO audit_events (cluster, event_key, event_type, resource_type, namespace, total_monthly_rate, body)`;
const V2_CUSTOM = `INSERT INTO custom_events (project, event_id, name, source, time_ms, level, state, event_user, dedupe_key, body) VALUES`;
const H = 3_600_000;
const T = Date.parse('2024-05-03T08:00:00Z');
/** Custom events of two names across days, as version 2 stored them (its counts are dropped by version 3). */
const V2_ROWS: [string, number][] = [['a', T - 30 * H], ['a', T], ['a', T + 1], ['b', T + 2 * H]];
const customCounts = async (store: Store) =>
  (await store.summarizeEvents({ project: 'c1', fromMs: T - 48 * H, custom: {} })).custom.map((r) => [r.name, r.count]).sort();

/** A set a version-4 server stores, beside what version 3 held. */
const SET = { cluster: 'c1', category: 'allocation', resolutionMs: H, start: T, end: T + H, size: 2, reconciled: null, payload: Uint8Array.of(0, 1, 254, 255) } as const;

/** What version 3 held is still served, and sets are stored, listed, loaded and deleted. */
async function expectVersion4(store: Store): Promise<void> {
  expect(await customCounts(store)).toEqual([['a', 3], ['b', 1]]);
  expect(await timesOf(store)).toEqual([['add/a', Date.parse('2024-05-03T08:01:04.552Z')]]);
  await store.saveSets([SET]);
  const { payload: _, ...info } = SET;
  expect(await store.listSets({ category: 'allocation', resolutionMs: H })).toEqual([info]);
  expect([...((await store.loadSet(SET))?.payload ?? [])]).toEqual([0, 1, 254, 255]);
  expect(await store.deleteSets({ cluster: 'c1', category: 'allocation', resolutionMs: H, endAtOrBefore: T + H })).toEqual([info]);
}

async function timesOf(store: Store): Promise<[string, number][]> {
  const page = await store.queryOccurrences({ project: 'c1', source: 'audit', eventType: 'add', resourceType: 'deployment', offset: 0, limit: 10 });
  return page.rows.map((r) => (r.source === 'audit' ? [r.key, r.timeMs] : ['', 0]));
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('schema version 2 on SQLite', () => {
  it('fills the time of audit events a version-1 server stored, and of those it still writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    const path = join(dir, 'events.db');
    const v1 = new Database(path);
    v1.exec(SQLITE_MIGRATIONS[0]!.sql);
    v1.pragma('user_version = 1');
    v1.prepare(`${V1_INSERT} VALUES ('c1', 'add/a', 'add', 'deployment', 'ns', 1, ?)`).run(body('a', '2024-05-03T08:01:04.552788548Z'));
    v1.close();
    const store = SqliteStore.open(path, LIMITS);
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    // A version-1 replica, still running, writes without the column.
    const old = new Database(path);
    old.prepare(`${V1_INSERT} VALUES ('c1', 'add/b', 'add', 'deployment', 'ns', 1, ?)`).run(body('b', '2024-05-03T09:00:00.999999999Z'));
    old.close();
    expect(await timesOf(store)).toEqual([
      ['add/b', Date.parse('2024-05-03T09:00:00.999Z')],
      ['add/a', Date.parse('2024-05-03T08:01:04.552Z')],
    ]);
  });
});

describe('schema version 3 on SQLite', () => {
  it('counts the custom events version 2 stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    const path = join(dir, 'events.db');
    const v2 = new Database(path);
    for (const m of SQLITE_MIGRATIONS.slice(0, 2)) v2.exec(m.sql);
    v2.pragma('user_version = 2');
    V2_ROWS.forEach(([name, time], i) => v2.prepare(`${V2_CUSTOM} ('c1', ?, ?, 'a.b', ?, '', '', '', ?, '{}')`).run(`ev${i}`, name, time, `k${i}`));
    v2.close();
    const store = SqliteStore.open(path, LIMITS);
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    expect(await customCounts(store)).toEqual([['a', 3], ['b', 1]]);
    expect((await store.summarizeEvents({ project: 'c1', fromMs: T, toMs: T + 2 * H + 1, custom: {} })).custom.map((r) => r.count).sort()).toEqual([1, 2]);
  });
});

describe('schema version 2 on PostgreSQL', () => {
  it('fills the time of audit events a version-1 server stored, and of those it still writes', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const schema: TestSchema = await createTestSchema();
    const v1 = new pg.Client({ connectionString: schema.url });
    await v1.connect();
    await v1.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    await v1.query(PG_MIGRATIONS[0]!.sql);
    await v1.query('INSERT INTO schema_migrations (version, name) VALUES (1, $1)', [PG_MIGRATIONS[0]!.name]);
    await v1.query(`${V1_INSERT} VALUES ('c1', 'add/a', 'add', 'deployment', 'ns', 1, $1)`, [body('a', '2024-05-03T08:01:04.552788548Z')]);
    const store = await PostgresStore.open(schema.url, LIMITS);
    cleanup = async () => {
      await v1.end();
      await store.close();
      await schema.drop();
    };
    await v1.query(`${V1_INSERT} VALUES ('c1', 'add/b', 'add', 'deployment', 'ns', 1, $1)`, [body('b', '2024-05-03T09:00:00.999999999Z')]);
    expect(await timesOf(store)).toEqual([
      ['add/b', Date.parse('2024-05-03T09:00:00.999Z')],
      ['add/a', Date.parse('2024-05-03T08:01:04.552Z')],
    ]);
  });
});

describe('schema version 3 on PostgreSQL', () => {
  it('counts the custom events version 2 stored', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const schema: TestSchema = await createTestSchema();
    const v2 = new pg.Client({ connectionString: schema.url });
    await v2.connect();
    await v2.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    for (const m of PG_MIGRATIONS.slice(0, 2)) {
      await v2.query(m.sql);
      await v2.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    for (const [i, [name, time]] of V2_ROWS.entries()) await v2.query(`${V2_CUSTOM} ('c1', $1, $2, 'a.b', $3, '', '', '', $4, '{}')`, [`ev${i}`, name, time, `k${i}`]);
    await v2.end();
    const store = await PostgresStore.open(schema.url, LIMITS);
    cleanup = async () => {
      await store.close();
      await schema.drop();
    };
    expect(await customCounts(store)).toEqual([['a', 3], ['b', 1]]);
  });
});

describe('schema version 4 on SQLite', () => {
  it('upgrades a store of version 3, keeping what it held, and stores sets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    const path = join(dir, 'events.db');
    const v3 = new Database(path);
    for (const m of SQLITE_MIGRATIONS.slice(0, 2)) v3.exec(m.sql);
    V2_ROWS.forEach(([name, time], i) => v3.prepare(`${V2_CUSTOM} ('c1', ?, ?, 'a.b', ?, '', '', '', ?, '{}')`).run(`ev${i}`, name, time, `k${i}`));
    v3.prepare(`${V1_INSERT} VALUES ('c1', 'add/a', 'add', 'deployment', 'ns', 1, ?)`).run(body('a', '2024-05-03T08:01:04.552788548Z'));
    v3.exec(SQLITE_MIGRATIONS[2]!.sql);
    v3.pragma('user_version = 3');
    v3.close();
    const store = SqliteStore.open(path, LIMITS);
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    await expectVersion4(store);
  });
});

describe('schema version 4 on PostgreSQL', () => {
  it('upgrades a store of version 3, keeping what it held, and stores sets', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const schema: TestSchema = await createTestSchema();
    const v3 = new pg.Client({ connectionString: schema.url });
    await v3.connect();
    await v3.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const apply = async (m: (typeof PG_MIGRATIONS)[number]) => {
      await v3.query(m.sql);
      await v3.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    };
    for (const m of PG_MIGRATIONS.slice(0, 2)) await apply(m);
    for (const [i, [name, time]] of V2_ROWS.entries()) await v3.query(`${V2_CUSTOM} ('c1', $1, $2, 'a.b', $3, '', '', '', $4, '{}')`, [`ev${i}`, name, time, `k${i}`]);
    await v3.query(`${V1_INSERT} VALUES ('c1', 'add/a', 'add', 'deployment', 'ns', 1, $1)`, [body('a', '2024-05-03T08:01:04.552788548Z')]);
    await apply(PG_MIGRATIONS[2]!);
    await v3.end();
    const store = await PostgresStore.open(schema.url, LIMITS);
    cleanup = async () => {
      await store.close();
      await schema.drop();
    };
    await expectVersion4(store);
  });
});

// Version 7 adds the notifications outbox; a store of version 4 keeps its sets and takes notifications.
const OUTBOX_ROW = { id: 'n1', cluster: 'c1', route: 'r', sink: 's', groupKey: '', createdMs: T, notBeforeMs: T, message: '{}' };

/** Sets of version 4 are still there, and a notification is written, leased and completed. */
async function expectVersion7(store: Store): Promise<void> {
  expect((await store.listSets({ category: 'allocation', resolutionMs: H })).map((s) => s.start)).toEqual([T]);
  await store.write([{ type: 'notification', row: OUTBOX_ROW }]);
  const leased = await store.outbox.lease('me', T, 1000, 10);
  expect(leased.map((r) => [r.id, r.attempts])).toEqual([['n1', 1]]);
  await store.outbox.complete(leased.map((r) => r.seq));
  expect(await store.outbox.stats()).toEqual({ pending: 0, oldestCreatedMs: null, dead: 0 });
}

describe('schema version 7 on SQLite', () => {
  it('upgrades a store of version 4, keeping its sets, and keeps an outbox', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    const path = join(dir, 'events.db');
    const v4 = new Database(path);
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 4)) v4.exec(m.sql);
    v4.pragma('user_version = 4');
    v4.prepare('INSERT INTO etl_sets VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('c1', 'allocation', H, T, T + H, 2, null, Buffer.from([1]));
    v4.close();
    const store = SqliteStore.open(path, LIMITS);
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    await expectVersion7(store);
  });
});

describe('schema version 7 on PostgreSQL', () => {
  it('upgrades a store of version 4, keeping its sets, and keeps an outbox', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const schema: TestSchema = await createTestSchema();
    const v4 = new pg.Client({ connectionString: schema.url });
    await v4.connect();
    await v4.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    for (const m of PG_MIGRATIONS.filter((m) => m.version <= 4)) {
      await v4.query(m.sql);
      await v4.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await v4.query('INSERT INTO etl_sets VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', ['c1', 'allocation', H, T, T + H, 2, null, Buffer.from([1])]);
    await v4.end();
    const store = await PostgresStore.open(schema.url, LIMITS);
    cleanup = async () => {
      await store.close();
      await schema.drop();
    };
    await expectVersion7(store);
  });
});

// Version 5 gives every audit event an id: a store of version 4 is upgraded with the ids of the
// events it held added at the end of their JSON (nothing else of it changes), and each is found by it.
const V4_AUDIT = [
  ['add/a', body('a', '2024-05-03T08:01:04.552788548Z')],
  ['add/b', body('b', '2024-05-03T08:01:04.552999999Z')],
] as const;
const A_MS = Date.parse('2024-05-03T08:01:04.552Z');

async function expectVersion5(store: Store): Promise<void> {
  const served = await store.queryAudit({ clusters: new Set(['c1']) });
  const ids = [auditEventId('c1', 'add/b', A_MS), auditEventId('c1', 'add/a', A_MS)];
  expect(served).toEqual([`${V4_AUDIT[1][1].slice(0, -1)},"id":"${ids[0]}"}`, `${V4_AUDIT[0][1].slice(0, -1)},"id":"${ids[1]}"}`]);
  expect(await store.findAuditEvent(ids[1]!, A_MS)).toBe(served[1]);
  // The id is the Cloud Eye system event's id of the same change.
  const page = await store.queryOccurrences({ project: 'c1', source: 'audit', eventType: 'add', resourceType: 'deployment', offset: 0, limit: 10 });
  expect(page.rows.map((r) => (r.source === 'audit' ? auditEventId(r.cluster, r.key, r.timeMs) : ''))).toEqual(ids);
}

describe('schema version 5 on SQLite', () => {
  it('upgrades a store of version 4, giving the audit events it held their ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    const path = join(dir, 'events.db');
    const v4 = new Database(path);
    for (const m of SQLITE_MIGRATIONS.slice(0, 4)) v4.exec(m.sql);
    for (const [key, b] of V4_AUDIT) v4.prepare(`${V1_INSERT} VALUES ('c1', ?, 'add', 'deployment', 'ns', 1, ?)`).run(key, b);
    v4.pragma('user_version = 4');
    v4.close();
    const store = SqliteStore.open(path, LIMITS);
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    await expectVersion5(store);
  });
});

describe('schema version 5 on PostgreSQL', () => {
  it('upgrades a store of version 4, giving the audit events it held their ids', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const schema: TestSchema = await createTestSchema();
    const v4 = new pg.Client({ connectionString: schema.url });
    await v4.connect();
    await v4.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    for (const m of PG_MIGRATIONS.slice(0, 4)) {
      await v4.query(m.sql);
      await v4.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    for (const [key, b] of V4_AUDIT) await v4.query(`${V1_INSERT} VALUES ('c1', $1, 'add', 'deployment', 'ns', 1, $2)`, [key, b]);
    await v4.end();
    const store = await PostgresStore.open(schema.url, LIMITS);
    cleanup = async () => {
      await store.close();
      await schema.drop();
    };
    await expectVersion5(store);
  });
});

// Version 6 keeps the last ETL repair of each cluster (etl_repairs); a store of the version before
// keeps its sets and takes repairs.
const BEFORE_6 = { sqlite: SQLITE_MIGRATIONS.filter((m) => m.version < 6), pg: PG_MIGRATIONS.filter((m) => m.version < 6) };

async function expectVersion6(store: Store & RepairStore): Promise<void> {
  const { payload: _, ...info } = SET;
  expect(await store.listSets({ category: 'allocation', resolutionMs: H })).toEqual([info]);
  await store.saveRepair('c1', '{"state":"running"}');
  expect([...(await store.loadRepairs())]).toEqual([['c1', '{"state":"running"}']]);
}

describe('schema version 6 on SQLite', () => {
  it('upgrades a store of the version before, keeping its sets, and keeps repairs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    const path = join(dir, 'events.db');
    const before = new Database(path);
    for (const m of BEFORE_6.sqlite) before.exec(m.sql);
    before.pragma(`user_version = ${BEFORE_6.sqlite.at(-1)?.version ?? 0}`);
    before
      .prepare('INSERT INTO etl_sets (cluster, category, resolution_ms, start_ms, end_ms, size, reconciled, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(SET.cluster, SET.category, SET.resolutionMs, SET.start, SET.end, SET.size, SET.reconciled, Buffer.from(SET.payload));
    before.close();
    const store = SqliteStore.open(path, LIMITS);
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    await expectVersion6(store);
  });
});

describe('schema version 6 on PostgreSQL', () => {
  it('upgrades a store of the version before, keeping its sets, and keeps repairs', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const schema: TestSchema = await createTestSchema();
    const before = new pg.Client({ connectionString: schema.url });
    await before.connect();
    await before.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    for (const m of BEFORE_6.pg) {
      await before.query(m.sql);
      await before.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await before.query('INSERT INTO etl_sets (cluster, category, resolution_ms, start_ms, end_ms, size, reconciled, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      SET.cluster,
      SET.category,
      SET.resolutionMs,
      SET.start,
      SET.end,
      SET.size,
      SET.reconciled,
      Buffer.from(SET.payload),
    ]);
    await before.end();
    const store = await PostgresStore.open(schema.url, LIMITS);
    cleanup = async () => {
      await store.close();
      await schema.drop();
    };
    await expectVersion6(store);
  });
});

// Version 8 adds the audit's gaps: a store of version 7 keeps the audit events it held (and finds
// them by id) and stores and lists gaps.
const BEFORE_8 = { sqlite: SQLITE_MIGRATIONS.filter((m) => m.version < 8), pg: PG_MIGRATIONS.filter((m) => m.version < 8) };
const V7_EVENT = auditEvent('kept', { cluster: 'c1', timestamp: '2024-05-03T08:01:04.552788548Z' });
const V8_GAP = auditGap({ cluster: 'c1', kinds: ['deployment', 'statefulset'], cause: 'restart', startNs: BigInt(T) * 1_000_000n, endNs: BigInt(T + H) * 1_000_000n, changes: 3 });

async function expectVersion8(store: Store & AuditGapStore): Promise<void> {
  const [served] = await store.queryAudit({ clusters: new Set(['c1']) });
  expect(JSON.parse(served ?? '{}')).toMatchObject({ properties: { name: 'kept' } });
  await store.write([{ type: 'gap', gap: V8_GAP }]);
  expect(await store.queryGaps({ window: { start: T, end: T + 1 } })).toEqual([JSON.stringify(V8_GAP)]);
}

describe('schema version 8 on SQLite', () => {
  it('upgrades a store of version 7, keeping its audit events, and stores gaps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    const path = join(dir, 'events.db');
    const before = new Database(path);
    for (const m of BEFORE_8.sqlite) before.exec(m.sql);
    before.pragma(`user_version = ${BEFORE_8.sqlite.at(-1)?.version ?? 0}`);
    before
      .prepare('INSERT INTO audit_events (cluster, event_key, event_type, resource_type, namespace, total_monthly_rate, time_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run('c1', 'add/kept', 'add', 'deployment', 'kubecost', 2.4, Date.parse(V7_EVENT.timestamp), JSON.stringify(V7_EVENT));
    before.close();
    const store = SqliteStore.open(path, LIMITS);
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    await expectVersion8(store);
  });
});

describe('schema version 8 on PostgreSQL', () => {
  it('upgrades a store of version 7, keeping its audit events, and stores gaps', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const schema: TestSchema = await createTestSchema();
    const before = new pg.Client({ connectionString: schema.url });
    await before.connect();
    await before.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    for (const m of BEFORE_8.pg) {
      await before.query(m.sql);
      await before.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await before.query(
      'INSERT INTO audit_events (cluster, event_key, event_type, resource_type, namespace, total_monthly_rate, time_ms, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      ['c1', 'add/kept', 'add', 'deployment', 'kubecost', 2.4, Date.parse(V7_EVENT.timestamp), JSON.stringify(V7_EVENT)],
    );
    await before.end();
    const store = await PostgresStore.open(schema.url, LIMITS);
    cleanup = async () => {
      await store.close();
      await schema.drop();
    };
    await expectVersion8(store);
  });
});

// Version 9 makes an audit notification refer to its stored event instead of copying it. The rows
// a version-8 server left in the outbox (pending, leased, dead) keep their copies, ids, attempts
// and leases, and new notifications follow them in order.
const BEFORE_9 = { sqlite: SQLITE_MIGRATIONS.filter((m) => m.version < 9), pg: PG_MIGRATIONS.filter((m) => m.version < 9) };
const V8_MESSAGE = (id: string) => JSON.stringify({ kind: 'audit', id, cluster: 'c1', summary: `summary of ${id}`, type: 'io.cost-events.audit.add', time: '2024-05-03T08:00:00Z' });
/** id, lease owner, lease end, attempts, dead at: a due row, a row leased until T + H, a dead letter. */
const V8_ROWS = [
  ['due', null, 0, 0, null],
  ['leased', 'old-pod', T + H, 1, null],
  ['dead', null, 0, 3, T],
] as const;
const V8_INSERT = `INSERT INTO notify_outbox (id, cluster, route, sink, group_key, created_ms, not_before_ms, lease_owner, lease_until_ms, attempts, dead_ms, message)`;
const V9_EVENT = auditEvent('after', { cluster: 'c1' });

async function expectVersion9(store: Store): Promise<void> {
  expect(await store.outbox.stats()).toEqual({ pending: 2, oldestCreatedMs: T, dead: 1 });
  expect((await store.outbox.deadLetters(10)).map((d) => [d.id, d.attempts, d.message?.summary])).toEqual([['dead', 3, 'summary of dead']]);
  await store.write([{ type: 'audit', audit: keyedAuditEvent(V9_EVENT, 'add/after'), notify: [{ route: 'r', sink: 's', groupKey: '', createdMs: T, notBeforeMs: T }] }]);
  // The leased row stays with its owner until its lease ends; the due row comes before the new notice.
  const now = await store.outbox.lease('new-pod', T, 2 * H, 10);
  expect(now.map((r) => [r.id, r.attempts, r.message?.summary])).toEqual([
    ['due', 1, 'summary of due'],
    [noticeId('c1', 'add/after', 'r', 's'), 1, auditMessage(V9_EVENT, 'add/after').summary],
  ]);
  expect((now[0]?.seq ?? 0) < (now[1]?.seq ?? 0)).toBe(true);
  expect((await store.outbox.lease('new-pod', T + H, 1000, 10)).map((r) => [r.id, r.attempts])).toEqual([['leased', 2]]);
}

describe('schema version 9 on SQLite', () => {
  it('upgrades a store of version 8 with rows in its outbox, keeping them as they were', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-'));
    const path = join(dir, 'events.db');
    const before = new Database(path);
    for (const m of BEFORE_9.sqlite) before.exec(m.sql);
    before.pragma(`user_version = ${BEFORE_9.sqlite.at(-1)?.version ?? 0}`);
    const insert = before.prepare(`${V8_INSERT} VALUES (?, 'c1', 'r', 's', '', ?, ?, ?, ?, ?, ?, ?)`);
    for (const [id, owner, until, attempts, dead] of V8_ROWS) insert.run(id, T, T, owner, until, attempts, dead, V8_MESSAGE(id));
    before.close();
    const store = SqliteStore.open(path, LIMITS);
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    await expectVersion9(store);
  });
});

describe('schema version 9 on PostgreSQL', () => {
  it('upgrades a store of version 8 with rows in its outbox, keeping them as they were', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const schema: TestSchema = await createTestSchema();
    const before = new pg.Client({ connectionString: schema.url });
    await before.connect();
    await before.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    for (const m of BEFORE_9.pg) {
      await before.query(m.sql);
      await before.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    for (const [id, owner, until, attempts, dead] of V8_ROWS) {
      await before.query(`${V8_INSERT} VALUES ($1, 'c1', 'r', 's', '', $2, $3, $4, $5, $6, $7, $8)`, [id, T, T, owner, until, attempts, dead, V8_MESSAGE(id)]);
    }
    await before.end();
    const store = await PostgresStore.open(schema.url, LIMITS);
    cleanup = async () => {
      await store.close();
      await schema.drop();
    };
    await expectVersion9(store);
  });
});
