import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PostgresStore } from '../../src/storage/postgres/pg-store.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { audit, etl } from '../support/store-records.js';

// How PostgreSQL runs the reads of the most recent events (the ETL log's and the audit's), when
// its statistics are stale: a log pruned from 100,000 rows to 2,000 before autovacuum has run.
// The floor of each cluster and category (the id past which its most recent events lie) must be
// one index seek, computed once: once planned per joined row instead, a read of 2,000 events took
// 2.4 s, and reads past the pool's 30 s query timeout reported the store down. What is checked is
// the plan's own count of how often the floor's subquery ran (EXPLAIN ANALYZE's loops), not a time.

const pgOk = await postgresAvailable();

let schema: TestSchema | undefined;
let store: PostgresStore | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await store?.close();
  await schema?.drop();
  store = undefined;
  schema = undefined;
});

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Parent Relationship'?: string;
  readonly 'Actual Loops': number;
  readonly Plans?: readonly PlanNode[];
}

/** The largest number of times any subquery (SubPlan) of the plan ran. */
function mostSubPlanLoops(root: PlanNode): number {
  let most = 0;
  const stack: PlanNode[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node['Parent Relationship'] === 'SubPlan') most = Math.max(most, node['Actual Loops']);
    stack.push(...(node.Plans ?? []));
  }
  return most;
}

/** Runs `read` against the store, then EXPLAIN ANALYZE of the one statement it sent that reads `table`'s floors. */
async function planOf(s: TestSchema, read: () => Promise<unknown>, table: string): Promise<PlanNode> {
  const query = vi.spyOn(pg.Pool.prototype, 'query');
  await read();
  const sent = query.mock.calls.map(([text, values]) => ({ text, values })).find((c) => typeof c.text === 'string' && c.text.includes('floors') && c.text.includes(table));
  query.mockRestore();
  if (sent === undefined || typeof sent.text !== 'string') throw new Error(`no statement reading ${table}'s floors was sent`);
  const [row] = await s.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sent.text}`, Array.isArray(sent.values) ? sent.values : []);
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  if (plan === undefined) throw new Error('EXPLAIN gave no plan');
  return plan;
}

describe.skipIf(!pgOk)('PostgreSQL reads of the most recent events, with stale statistics', () => {
  it('computes the ETL log floor once per cluster and category', async () => {
    const s = (schema = await createTestSchema());
    const opened = (store = await PostgresStore.open(s.url, { etlLogCapacity: 1000, auditCapacity: 1000 }));
    await opened.write([etl('c1', 'AllocationSetSaved', 0)]);
    await s.query('ALTER TABLE etl_events SET (autovacuum_enabled = false)');
    await s.query(
      `INSERT INTO etl_events (cluster, category, kind, time_ns, metadata)
       SELECT 'c1', CASE WHEN g % 2 = 0 THEN 'allocation' ELSE 'asset' END, 'AllocationSetSaved', g, '{}' FROM generate_series(1, 100000) g`,
    );
    await s.query('ANALYZE etl_events');
    await s.query('DELETE FROM etl_events WHERE id <= (SELECT max(id) - 2000 FROM etl_events)');
    const plan = await planOf(s, () => opened.queryEtl({}), 'etl_events');
    expect(mostSubPlanLoops(plan)).toBeLessThanOrEqual(2);
  });

  it('computes the audit log floor once per cluster', async () => {
    const s = (schema = await createTestSchema());
    const opened = (store = await PostgresStore.open(s.url, { etlLogCapacity: 1000, auditCapacity: 1000 }));
    await opened.write([audit('a')]);
    await s.query('ALTER TABLE audit_events SET (autovacuum_enabled = false)');
    // 100,000 copies of the row the store wrote, each with a key of its own.
    const columns = (await s.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'audit_events' AND is_identity = 'NO' ORDER BY ordinal_position`,
      [s.name],
    )).map((c) => c.column_name);
    const copied = columns.map((c) => (c === 'event_key' ? `event_key || '-' || g` : c));
    await s.query(`INSERT INTO audit_events (${columns.join(', ')}) SELECT ${copied.join(', ')} FROM audit_events, generate_series(1, 100000) g`);
    await s.query('ANALYZE audit_events');
    await s.query('DELETE FROM audit_events WHERE id <= (SELECT max(id) - 2000 FROM audit_events)');
    const plan = await planOf(s, () => opened.queryAudit({}), 'audit_events');
    expect(mostSubPlanLoops(plan)).toBeLessThanOrEqual(1);
  });
});
