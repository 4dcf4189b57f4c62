import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inCi } from './ci.js';

/** The PostgreSQL the suites use: `.ci/run` starts it on 127.0.0.1:5432 (trust auth, user postgres, database test). */
export const PG_ADMIN_URL = process.env['COST_EVENTS_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether the PostgreSQL suites can run. In CI they must: an unreachable server fails the run.
 * Locally, an unreachable server skips them, with a message nobody can miss.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (inCi()) throw new Error(`PostgreSQL at ${PG_ADMIN_URL} is unreachable (${reason}); in CI the PostgreSQL suites must run, never skip`);
    const line = '!'.repeat(100);
    process.stderr.write(`\n${line}\n!! SKIPPING the PostgreSQL suites: ${PG_ADMIN_URL} is unreachable (${reason}).\n!! Start it (.ci/run does) to run them; in CI (CI=true) this fails instead.\n${line}\n\n`);
    return false;
  }
}

/** A schema of its own for one test, reached through `url` (its search_path), dropped by `drop()`. */
export interface TestSchema {
  readonly name: string;
  /** A STORAGE_URL whose connections use only this schema. */
  readonly url: string;
  /** Runs SQL in the schema, for assertions on rows. */
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/** Creates a fresh schema, so tests (and test files running in parallel) never see each other's rows. */
export async function createTestSchema(): Promise<TestSchema> {
  const name = `cost_events_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: url.toString(),
    query: async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
      await admin.query(`SET search_path TO ${name}`);
      return (await admin.query<R>(sql, params)).rows;
    },
    drop: async () => {
      await admin.query(`DROP SCHEMA ${name} CASCADE`);
      await admin.end();
    },
  };
}
