import type { PoolClient } from 'pg';
import type { KnownWorkload, WorkloadStateChange } from '../../audit/workload-state.js';
import { auditRow, etlRow, wellFormed } from '../rows.js';
import { gapRow } from '../gap-store.js';
import type { NewOutboxRow } from '../../notify/outbox.js';
import type { StoreRecord } from '../store.js';
import { insertOutboxRows } from './pg-outbox.js';

/**
 * The end of a statement whose CTE `bumped` moved revisions: notifies `$1` (the schema's revision
 * channel, delivered at commit; several notifications of one transaction are folded into one).
 */
const NOTIFY_BUMPED = "SELECT pg_notify($1, '') FROM (SELECT 1 FROM bumped LIMIT 1) b";

/**
 * Writes one batch inside the caller's transaction in few round trips: all ETL events in one
 * statement (with their counters, the revision and its notification on `channel`), all audit
 * events in another (the same, and the notices of the events it inserted), then the rows that carry
 * their message, then the workload changes in order, consecutive changes of one kind merged into
 * one statement.
 * Reordering across those groups is safe because the transaction commits them together.
 */
export async function writeBatch(client: PoolClient, records: readonly StoreRecord[], channel: string): Promise<void> {
  const etl = [];
  const audit = [];
  const workloads: WorkloadStateChange[] = [];
  const notifications: NewOutboxRow[] = [];
  const gaps = [];
  /**
   * Each notice as [the ordinal of its event's row, route, sink, group key, created, not before],
   * for one JSON parameter; both times relative to the batch's first notice (`noticesFromMs`):
   * small integers, where printing two epoch milliseconds per notice was most of the parameter's cost.
   */
  const notices: [number, string, string, string, number, number][] = [];
  let noticesFromMs: number | undefined;
  /** The keys whose notices are taken, by cluster: a key twice in one batch is inserted once, its notices once too. */
  const noticed = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.type === 'etl') etl.push(etlRow(r.event));
    else if (r.type === 'audit') {
      const row = auditRow(r.audit.event, r.audit.key);
      audit.push(row);
      if (r.notify !== undefined) {
        let keys = noticed.get(row.cluster);
        if (keys === undefined) noticed.set(row.cluster, (keys = new Set()));
        if (!keys.has(row.key)) {
          keys.add(row.key);
          for (const n of r.notify) {
            noticesFromMs ??= n.createdMs;
            notices.push([audit.length, wellFormed(n.route), wellFormed(n.sink), wellFormed(n.groupKey), n.createdMs - noticesFromMs, n.notBeforeMs - noticesFromMs]);
          }
        }
      }
    }
    else if (r.type === 'notification') notifications.push(r.row);
    else if (r.type === 'gap') gaps.push(gapRow(r.gap));
    else workloads.push(r.change);
  }
  if (gaps.length > 0) {
    await client.query(
      `INSERT INTO audit_gaps (cluster, id, start_ms, end_ms, body)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) ON CONFLICT DO NOTHING`,
      [gaps.map((g) => g.cluster), gaps.map((g) => g.id), gaps.map((g) => g.startMs), gaps.map((g) => g.endMs), gaps.map((g) => g.body)],
    );
  }
  if (etl.length > 0) {
    await client.query(
      `WITH rows AS (
         SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
           WITH ORDINALITY AS r(cluster, category, kind, time_ns, metadata, dedupe_key, ord)
       ), ins AS (
         INSERT INTO etl_events (cluster, category, kind, time_ns, metadata, dedupe_key)
         SELECT cluster, category, kind, time_ns, metadata, dedupe_key FROM rows ORDER BY ord
         ON CONFLICT DO NOTHING RETURNING cluster, kind
       ), counted AS (
         INSERT INTO etl_counters (cluster, kind, n) SELECT cluster, kind, count(*) FROM ins GROUP BY cluster, kind
         ON CONFLICT (cluster, kind) DO UPDATE SET n = etl_counters.n + excluded.n RETURNING cluster
       ), bumped AS (
         INSERT INTO revisions (cluster, etl) SELECT DISTINCT cluster, 1 FROM counted
         ON CONFLICT (cluster) DO UPDATE SET etl = revisions.etl + 1 RETURNING 1
       )
       ${NOTIFY_BUMPED}`,
      [
        channel,
        etl.map((r) => r.cluster),
        etl.map((r) => r.category),
        etl.map((r) => r.kind),
        etl.map((r) => String(r.timeNs)),
        etl.map((r) => r.metadata),
        etl.map((r) => r.dedupeKey),
      ],
    );
  }
  if (audit.length > 0) {
    // The bodies and the notices go as one JSON parameter each, the bodies last: JSON.stringify
    // escapes them natively where `pg` escapes each array element in JavaScript, and `pg` grows its
    // message buffer by copies, so a large value with others after it was copied once more. (A body
    // is JSON.stringify's output: no NUL and no lone surrogate, which the json type would refuse.)
    // A notice names its event by the row's ordinal, not by cluster and key again.
    await client.query(
      `WITH rows AS (
         SELECT u.*, b.body FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::bigint[], $9::text[], $10::text[])
           WITH ORDINALITY AS u(cluster, event_key, event_type, resource_type, namespace, rate, time_ms, changed_by, source, ord)
           JOIN json_array_elements_text($12::json) WITH ORDINALITY AS b(body, ord) USING (ord)
       ), ins AS (
         INSERT INTO audit_events (cluster, event_key, event_type, resource_type, namespace, total_monthly_rate, body, time_ms, changed_by, source)
         SELECT cluster, event_key, event_type, resource_type, namespace, rate, body, time_ms, changed_by, source FROM rows ORDER BY ord
         ON CONFLICT DO NOTHING RETURNING cluster, event_key
       ), bumped AS (
         INSERT INTO revisions (cluster, audit) SELECT DISTINCT cluster, 1 FROM ins
         ON CONFLICT (cluster) DO UPDATE SET audit = revisions.audit + 1 RETURNING 1
       ), noticed AS (
         -- The notices of the events this statement inserted (a key already held: whoever stored it wrote them).
         INSERT INTO notify_outbox (cluster, event_key, route, sink, group_key, created_ms, not_before_ms)
         SELECT r.cluster, r.event_key, n.value ->> 1, n.value ->> 2, n.value ->> 3, $13::bigint + (n.value ->> 4)::bigint, $13::bigint + (n.value ->> 5)::bigint
           FROM json_array_elements($11::json) WITH ORDINALITY AS n(value, at)
           JOIN rows r ON r.ord = (n.value ->> 0)::bigint
           JOIN ins ON ins.cluster = r.cluster AND ins.event_key = r.event_key
           ORDER BY n.at
       )
       ${NOTIFY_BUMPED}`,
      [
        channel,
        audit.map((r) => r.cluster),
        audit.map((r) => r.key),
        audit.map((r) => r.eventType),
        audit.map((r) => r.resourceType),
        audit.map((r) => r.namespace),
        audit.map((r) => r.rate),
        audit.map((r) => r.timeMs),
        audit.map((r) => r.changedBy),
        audit.map((r) => r.source),
        JSON.stringify(notices),
        JSON.stringify(audit.map((r) => r.body)),
        noticesFromMs ?? 0,
      ],
    );
  }
  await insertOutboxRows(client, notifications);
  for (let i = 0; i < workloads.length; ) {
    const first = workloads[i] as WorkloadStateChange;
    let j = i + 1;
    while (j < workloads.length && sameRun(first, workloads[j] as WorkloadStateChange)) j++;
    await applyRun(client, workloads.slice(i, j));
    i = j;
  }
}

/** Puts, removes or marks of one cluster and kind in a row can share a statement. */
function sameRun(a: WorkloadStateChange, b: WorkloadStateChange): boolean {
  return a.op === b.op && a.op !== 'replace' && a.cluster === b.cluster && a.resourceType === b.resourceType;
}

async function applyRun(client: PoolClient, run: readonly WorkloadStateChange[]): Promise<void> {
  const first = run[0];
  if (first === undefined) return;
  const { cluster, resourceType } = first;
  switch (first.op) {
    case 'put': {
      // The last put of a UID wins, and one statement may not touch a row twice.
      const latest = new Map<string, KnownWorkload>();
      for (const c of run) if (c.op === 'put') latest.set(c.workload.uid, c.workload);
      await upsertWorkloads(client, cluster, resourceType, [...latest.values()]);
      return;
    }
    case 'remove':
      await client.query('DELETE FROM workloads WHERE cluster = $1 AND resource_type = $2 AND uid = ANY($3::text[])', [
        cluster,
        resourceType,
        run.map((c) => (c.op === 'remove' ? c.uid : '')),
      ]);
      return;
    case 'replace':
      await client.query('DELETE FROM workloads WHERE cluster = $1 AND resource_type = $2', [cluster, resourceType]);
      await upsertWorkloads(client, cluster, resourceType, first.workloads);
      await mark(client, cluster, resourceType, first.atNs);
      return;
    case 'seen': {
      // Each mark replaces the one before: the run's last is what they would leave.
      const last = run[run.length - 1] as typeof first;
      await mark(client, cluster, resourceType, last.atNs);
      return;
    }
  }
}

/** Rows per statement, so a list of 100,000 workloads does not become one enormous message. */
const CHUNK = 5_000;

async function upsertWorkloads(client: PoolClient, cluster: string, resourceType: string, list: readonly KnownWorkload[]): Promise<void> {
  for (let i = 0; i < list.length; i += CHUNK) {
    const chunk = list.slice(i, i + CHUNK);
    await client.query(
      `INSERT INTO workloads (cluster, resource_type, uid, name, namespace, resource_version, spec, last_seen_ns)
       SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
       ON CONFLICT (cluster, resource_type, uid) DO UPDATE SET name = excluded.name, namespace = excluded.namespace,
         resource_version = excluded.resource_version, spec = excluded.spec, last_seen_ns = excluded.last_seen_ns`,
      [
        cluster,
        resourceType,
        chunk.map((w) => w.uid),
        chunk.map((w) => w.name),
        chunk.map((w) => w.namespace),
        chunk.map((w) => w.resourceVersion),
        chunk.map((w) => JSON.stringify(w.spec)),
        chunk.map((w) => String(w.lastSeenNs)),
      ],
    );
  }
}

async function mark(client: PoolClient, cluster: string, resourceType: string, atNs: bigint): Promise<void> {
  await client.query(
    `INSERT INTO workload_marks (cluster, resource_type, seen_until_ns) VALUES ($1, $2, $3)
     ON CONFLICT (cluster, resource_type) DO UPDATE SET seen_until_ns = excluded.seen_until_ns`,
    [cluster, resourceType, String(atNs)],
  );
}
