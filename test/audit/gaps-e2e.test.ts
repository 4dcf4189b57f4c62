import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import type { AuditGap } from '../../src/audit/watch-gap.js';
import type { Config } from '../../src/config.js';
import { deploymentObject, statefulSetObject } from '../support/fake-kube/index.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { auditConfig, auditEvents, settleAudit, startAuditServer } from '../support/audit-events.js';
import { waitFor } from '../support/wait-for.js';
import { useFakeCluster } from '../support/fake-cluster-fixture.js';

// Gaps said out loud, end to end: the fake API server drops the audit's watch and forgets the
// history it would resume from (410), changes happen meanwhile, the relist finds them. The events
// it finds are inferred, with the span they happened in; the gap is listed, counted in /metrics
// and carried by the bug report. An outage of the whole API server is one gap of every kind (on
// every backend). A restart is a gap too, and survives in SQLite.

const e2e = useFakeCluster({ now: '2023-02-28T13:58:44.552Z', tempDir: 'gaps-e2e-' });

const T0 = '2023-02-28T13:58:44.552000000Z';
const pgOk = await postgresAvailable();

const config = (env: Record<string, string> = {}): Config => auditConfig(e2e.kubeconfig.path, { AUDIT_RESOURCE_TYPES: 'deployment', ...env });

const start = async (env: Record<string, string> = {}) => (e2e.server = await startAuditServer(config(env), e2e.clock));

const gaps = async (query = ''): Promise<AuditGap[]> => {
  const res = await e2e.server!.app.inject(`/model/audit/gaps${query}`);
  expect(res.statusCode).toBe(200);
  return res.json<{ data: AuditGap[] }>().data;
};

/** Waits until `n` gaps are stored (a gap is written after the events its list found). */
const settleGaps = async (n: number): Promise<AuditGap[]> => {
  let got: AuditGap[] = [];
  await waitFor(() => {
    void gaps().then((g) => (got = g));
    return got.length >= n;
  }, `${n} gaps`);
  return got;
};

/** Breaks the audit's watch now: its stream is dropped before any event (a failure), so it backs off until the clock moves. */
const breakWatch = async () => {
  await waitFor(() => e2e.fake.openWatches('deployments') > 0, 'the watch to open');
  e2e.fake.dropWatches('deployments');
  await waitFor(() => e2e.server!.watchers!.statuses().some((s) => s.state === 'backoff'), 'the watch to back off');
};

const inferred = (e: AuditEvent) => [e.eventType, e.properties.name, e.inferred ?? false, e.span];

describe('a watch outage with changes during it', () => {
  it('marks what the relist found as inferred within the outage, and lists the gap with the changes it found', async () => {
    e2e.fake.create('deployments', deploymentObject('shop', 'web'));
    e2e.fake.create('deployments', deploymentObject('shop', 'api'));
    await start();
    await breakWatch();
    e2e.fake.delete('deployments', 'shop', 'web');
    e2e.fake.create('deployments', deploymentObject('shop', 'new'));
    e2e.fake.compact();
    e2e.clock.advance(30_000); // past the reconnect backoff: the watch finds its history gone and relists
    const got = await settleAudit(e2e.server!, 2);
    const span = { start: T0, end: '2023-02-28T13:59:14.552000000Z' };
    expect(got.map(inferred).sort()).toEqual([
      ['add', 'new', true, span],
      ['delete', 'web', true, span],
    ]);
    const [gap] = await settleGaps(1);
    expect(gap).toEqual({
      id: expect.stringMatching(/^gp1677592754552[A-Za-z0-9]{9}$/) as unknown,
      cluster: 'cluster-one',
      kinds: ['deployment'],
      cause: 'watch',
      start: T0,
      end: '2023-02-28T13:59:14.552000000Z',
      seconds: 30,
      changes: 2,
      lastError: expect.stringContaining('410') as unknown,
    });
    // The same under the cost-model layout, filtered by cluster and window.
    expect(await gaps('?filterClusters=cluster-one&window=2023-02-28T13:00:00Z,2023-02-28T14:00:00Z')).toEqual([gap]);
    expect(await gaps('?filterClusters=cluster-two')).toEqual([]);
    expect(await gaps('?window=2023-02-28T14:00:00Z,2023-02-28T15:00:00Z')).toEqual([]);
    expect((await e2e.server!.app.inject('/audit/gaps')).json<{ data: AuditGap[] }>().data).toEqual([gap]);

    const metrics = (await e2e.server!.app.inject('/metrics')).body;
    expect(metrics).toContain('cost_events_audit_gaps_total{resource_type="deployment",cause="watch"} 1');
    expect(metrics).toContain('cost_events_audit_gap_seconds_total{resource_type="deployment",cause="watch"} 30');
    expect(metrics).toContain('cost_events_audit_gap_changes_total{resource_type="deployment",cause="watch"} 2');
    const report = (await e2e.server!.app.inject('/model/bugreport')).json<{ data: { auditGaps: AuditGap[] } }>();
    expect(report.data.auditGaps).toEqual([gap]);
  });

  it('lists an outage the relist found nothing in, with no changes', async () => {
    e2e.fake.create('deployments', deploymentObject('shop', 'web'));
    await start();
    await breakWatch();
    // Nothing changed, yet the history is gone: the reconnect of the Deployment watch gets 410 Gone
    // (only that one: the ETL's Service and Pod lists are often still in flight when the Deployment
    // watch breaks, so their first watch opens after this line and would take a 410 meant for any).
    e2e.fake.failNext(1, 410, 'watch', 'deployments');
    e2e.clock.advance(30_000);
    expect((await settleGaps(1)).map((g) => [g.cause, g.changes, g.seconds])).toEqual([['watch', 0, 30]]);
    expect(await auditEvents(e2e.server!)).toEqual([]);
  });

  it('lists no gap when the watch resumes without losing its history', async () => {
    e2e.fake.create('deployments', deploymentObject('shop', 'web'));
    await start();
    await breakWatch();
    e2e.fake.create('deployments', deploymentObject('shop', 'new'));
    e2e.clock.advance(30_000);
    const [added] = await settleAudit(e2e.server!, 1);
    expect(added).toMatchObject({ eventType: 'add', properties: { name: 'new' } });
    expect(added?.inferred).toBeUndefined();
    expect(await gaps()).toEqual([]);
  });
});

describe.each(['memory', 'sqlite', 'postgres'] as const)('an outage of the API server, %s storage', (backend) => {
  let schema: TestSchema | undefined;
  afterEach(async () => {
    // The server writes until it is closed: closed before its schema goes.
    await e2e.server?.close();
    e2e.server = undefined;
    await schema?.drop();
    schema = undefined;
  });
  const storageUrl = async (): Promise<string> => {
    if (backend === 'memory') return 'memory:';
    if (backend === 'sqlite') return `sqlite:${join(e2e.dir, 'ce.db')}`;
    schema = await createTestSchema();
    return schema.url;
  };

  it.skipIf(backend === 'postgres' && !pgOk)('is one gap listing every audited kind, with the changes all their relists found', async () => {
    e2e.fake.create('deployments', deploymentObject('shop', 'web'));
    e2e.fake.create('statefulsets', statefulSetObject('shop', 'db'));
    await start({ AUDIT_RESOURCE_TYPES: 'deployment,statefulset', STORAGE_URL: await storageUrl() });
    await waitFor(() => e2e.fake.openWatches('deployments') > 0 && e2e.fake.openWatches('statefulsets') > 0, 'both watches to open');
    // The API server goes away: both watches drop, and their reconnects are refused once (503).
    e2e.fake.failNext(1, 503, 'watch', 'deployments');
    e2e.fake.failNext(1, 503, 'watch', 'statefulsets');
    e2e.fake.dropWatches('deployments');
    e2e.fake.dropWatches('statefulsets');
    const bothBackingOff = () => e2e.server!.watchers!.statuses().filter((s) => s.state === 'backoff').length === 2;
    await waitFor(bothBackingOff, 'both watches to back off');
    // Meanwhile: a Deployment deleted, one created, the StatefulSet scaled; the history is lost.
    e2e.fake.delete('deployments', 'shop', 'web');
    e2e.fake.create('deployments', deploymentObject('shop', 'new'));
    e2e.fake.scale('statefulsets', 'shop', 'db', 3);
    e2e.fake.compact();
    e2e.clock.advance(30_000); // the reconnects are refused
    await waitFor(() => e2e.fake.faults.pending === 0 && bothBackingOff(), 'both reconnects to be refused');
    e2e.clock.advance(30_000); // the server is back: both watches find their history gone and relist
    const found = await settleAudit(e2e.server!, 3);
    expect(found.map((e) => [e.eventType, e.resourceType, e.properties.name, e.inferred]).sort()).toEqual([
      ['add', 'deployment', 'new', true],
      ['delete', 'deployment', 'web', true],
      ['update', 'statefulset', 'db', true],
    ]);
    let listed: AuditGap[] = [];
    await waitFor(() => {
      void gaps().then((g) => (listed = g));
      return listed[0]?.kinds.length === 2;
    }, 'the gap of both kinds');
    expect(listed).toEqual([
      {
        id: expect.stringMatching(/^gp1677592784552[A-Za-z0-9]{9}$/) as unknown,
        cluster: 'cluster-one',
        kinds: ['deployment', 'statefulset'],
        cause: 'watch',
        start: T0,
        end: '2023-02-28T13:59:44.552000000Z',
        seconds: 60,
        changes: 3,
        lastError: expect.stringContaining('410') as unknown,
      },
    ]);
    // Counted as one with count, carried so by the bug report; the metrics still count each kind.
    expect(await gaps('?count=1')).toEqual(listed);
    expect((await e2e.server!.app.inject('/model/bugreport')).json<{ data: { auditGaps: AuditGap[] } }>().data.auditGaps).toEqual(listed);
    const metrics = (await e2e.server!.app.inject('/metrics')).body;
    expect(metrics).toContain('cost_events_audit_gaps_total{resource_type="deployment",cause="watch"} 1');
    expect(metrics).toContain('cost_events_audit_gaps_total{resource_type="statefulset",cause="watch"} 1');
  });
});

describe('a restart', () => {
  it('is a gap from the previous run\'s last mark to the first list, stored with the events it found', async () => {
    const env = { STORAGE_URL: `sqlite:${join(e2e.dir, 'ce.db')}` };
    e2e.fake.create('deployments', deploymentObject('shop', 'web'));
    e2e.fake.create('deployments', deploymentObject('shop', 'api'));
    await start(env);
    await e2e.server!.close();
    e2e.server = undefined;
    e2e.fake.delete('deployments', 'shop', 'web');
    e2e.clock.advance(600_000);
    await start(env);
    const [deleted] = await settleAudit(e2e.server!, 1);
    const span = { start: T0, end: '2023-02-28T14:08:44.552000000Z' };
    expect(deleted).toMatchObject({ eventType: 'delete', properties: { name: 'web' }, inferred: true, span });
    expect((await settleGaps(1)).map((g) => [g.cause, g.kinds, g.start, g.end, g.seconds, g.changes])).toEqual([['restart', ['deployment'], span.start, span.end, 600, 1]]);
  });
});
