import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PG_MIGRATIONS } from '../../src/storage/postgres/pg-migrations.js';
import { PostgresStore } from '../../src/storage/postgres/pg-store.js';
import { SQLITE_MIGRATIONS } from '../../src/storage/sqlite/sqlite-migrations.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { auditEvent } from '../support/events.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';

// Version 2 of the schema gives audit events a time column for the Cloud Eye queries. A store
// written by version 1 is migrated with the times filled in, and a version-1 server still writing
// during a rolling upgrade (it leaves the column at its default) gets the time filled by a trigger.

const pgOk = await postgresAvailable();
const LIMITS = { etlLogCapacity: 10, auditCapacity: 10 };
const body = (name: string, timestamp: string) => JSON.stringify(auditEvent(name, { cluster: 'c1', timestamp }));
const V1_INSERT = `INSERT INTO audit_events (cluster, event_key, event_type, resource_type, namespace, total_monthly_rate, body)`;

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
