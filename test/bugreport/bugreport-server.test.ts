import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { deploymentObject, FakeKubeServer } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { eventually, waitFor } from '../support/wait-for.js';

// The dump through a real composition root: a fake API server behind a kubeconfig holding a
// token, settings holding passwords, a log collected from the real logger. Every secret is
// distinctive, so finding it anywhere in the dump's bytes is a leak.

const KUBE_TOKEN = 'kc-T0ken-5ecret-8d1f6a2b';
const KUBECOST_PASSWORD = 'kubecost-Pa55-3e9c';
const PG_PASSWORD = 'Pg-S3cret-Pa55-71b0';
const BUILD = { version: '0.1.0', commit: '9fcbd3b', builtAt: '2024-05-03T08:00:00.000Z' };

const pgOk = await postgresAvailable();

let fake: FakeKubeServer;
let dir: string;
let kubeconfig: string;
let server: ServerHandle | undefined;
let schema: TestSchema | undefined;
let clock: ManualClock;
let logged: string[];

beforeEach(async () => {
  fake = await FakeKubeServer.start();
  dir = await mkdtemp(join(tmpdir(), 'bugreport-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: fake, cluster: {server: "' + fake.url + '", insecure-skip-tls-verify: true}}]',
      `users: [{name: fake, user: {token: ${KUBE_TOKEN}}}]`,
      'contexts: [{name: fake, context: {cluster: fake, user: fake}}]',
      'current-context: fake',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  clock = new ManualClock('2024-05-03T08:01:04Z');
  logged = [];
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await fake.close();
  await rm(dir, { recursive: true, force: true });
  await schema?.drop();
  schema = undefined;
});

const config = (env: Record<string, string>): Config => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', KUBECONFIG: kubeconfig, COST_EVENTS_AUDIT_ENABLED: 'true', ...env });
  if (r.help) throw new Error('unexpected help');
  return r.config;
};

const start = async (env: Record<string, string> = {}) => {
  server = await startServer(config(env), {
    clock,
    env: {},
    serviceAccountDir: '/nonexistent',
    build: BUILD,
    logger: { level: 'info' },
    logDestination: { write: (line: string) => logged.push(line) },
  });
  const s = server;
  await waitFor(() => s.watchers?.readiness().ready === true && s.etl?.cache.synced === true, 'the watchers to sync');
  return s;
};

const auditEventStored = (s: ServerHandle) =>
  eventually(async () => ((await s.app.inject('/model/audit/events')).json<{ data: unknown[] }>().data.length > 0 ? true : undefined), 'the audit event to be stored');

interface Dump {
  code: number;
  data: {
    version: string;
    build: { commit: string | null; builtAt: string | null };
    startedAt: string;
    generatedAt: string;
    settings: Record<string, unknown>;
    readiness: { ready: boolean; components: Record<string, { ready: boolean; state: string }> };
    watchers: { consumer: string; kind: string; synced: boolean; state: string }[];
    storage: { backend: string; location: string; written: number };
    etl: { pipeline: { nextWindowStart: string; lastBuiltEnd: string | null; lastError: string | null }; cache: Record<string, { live: number; ended: number; droppedEnded: number }> } | null;
    metrics: Record<string, { labels: Record<string, string>; value: number }[]>;
    logs: { dropped: number; lines: { level: number; msg: string }[] };
    etlLog: unknown;
    auditEvents: unknown;
  };
}

const dumpOf = async (s: ServerHandle) => {
  const res = await s.app.inject('/model/bugreport');
  expect(res.statusCode).toBe(200);
  return { raw: res.payload, dump: res.json<Dump>(), headers: res.headers };
};

describe('GET /model/bugreport', () => {
  it('carries build, start, settings, readiness, watchers, storage, counters, warnings, the whole ETL log and the audit events', async () => {
    const s = await start();
    fake.create('deployments', deploymentObject('kubecost', 'sample-deployment'));
    await auditEventStored(s);
    clock.advance(1_500);
    s.bus.publish('etl', { kind: 'AllocationSetSaved', metadata: { size: 97 }, time: clock.nowNs(), cluster: 'cluster-one' });
    s.bus.publish('etl', { kind: 'AssetSetReconcileError', metadata: { error: 'billing export not found' }, time: clock.nowNs(), cluster: 'cluster-one' });
    s.app.log.warn({ component: 'test' }, 'a warning the maintainer should see');
    s.app.log.info('routine, not kept');

    const { dump, headers } = await dumpOf(s);
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers['content-disposition']).toBe('attachment; filename="cost-events-bugreport.json"');
    const d = dump.data;
    expect(d).toMatchObject({ version: '0.1.0', build: { commit: '9fcbd3b', builtAt: '2024-05-03T08:00:00.000Z' } });
    expect(d.startedAt).toBe('2024-05-03T08:01:04.000000000Z');
    expect(d.generatedAt).toBe('2024-05-03T08:01:05.500000000Z');
    expect(d.settings).toMatchObject({ PORT: 0, CLUSTER_ID: 'cluster-one', COST_EVENTS_AUDIT_ENABLED: true, KUBECONFIG: kubeconfig, STORAGE_URL: 'memory:', PRICING_CONFIG: null });
    expect(d.readiness).toMatchObject({ ready: true, components: { audit: { ready: true, state: 'synced' }, storage: { ready: true } } });
    // Both consumers' loops, each saying whose it is: the audit's and the ETL cluster cache's.
    expect(d.watchers.map((w) => [w.consumer, w.kind, w.synced])).toEqual([
      ['audit', 'Deployment', true],
      ['audit', 'StatefulSet', true],
      ['etl', 'Node', true],
      ['etl', 'Pod', true],
      ['etl', 'PersistentVolume', true],
      ['etl', 'PersistentVolumeClaim', true],
      ['etl', 'Service', true],
    ]);
    expect(d.storage).toMatchObject({ backend: 'memory', location: 'memory:' });
    // The pipeline has built nothing yet: the first window, 08:00 to 09:00, has not closed.
    expect(d.etl?.pipeline).toEqual({ nextWindowStart: '2024-05-03T08:00:00Z', lastBuiltEnd: null, lastError: null });
    expect(Object.keys(d.etl?.cache ?? {})).toEqual(['nodes', 'pods', 'volumes', 'claims', 'loadBalancers']);
    expect(d.etl?.cache['pods']).toEqual({ live: 0, ended: 0, droppedEnded: 0 });
    expect(d.metrics['cost_events_watch_synced']).toContainEqual({ labels: { consumer: 'audit', kind: 'Deployment' }, value: 1 });
    expect(d.metrics['cost_events_watch_synced']).toContainEqual({ labels: { consumer: 'etl', kind: 'Pod' }, value: 1 });
    expect(d.metrics['cost_events_etl_cache_records']).toContainEqual({ labels: { kind: 'pods', state: 'live' }, value: 0 });
    expect(d.metrics['kubecost_etl_events_total']).toContainEqual({ labels: { etl: 'allocation', event: 'AllocationSetSaved' }, value: 1 });
    expect(d.metrics['cost_events_audit_events_total']).toContainEqual({ labels: { event_type: 'add', resource_type: 'deployment' }, value: 1 });
    expect(d.logs.lines.map((l) => l.msg)).toContain('a warning the maintainer should see');
    expect(d.logs.lines.every((l) => l.level >= 40)).toBe(true);
    // The two Kubecost sections are exactly what their routes answer.
    expect(d.etlLog).toEqual((await s.app.inject('/model/etl/log')).json<{ data: unknown }>().data);
    expect(d.auditEvents).toEqual((await s.app.inject('/model/audit/events')).json<{ data: unknown }>().data);
    expect(d.auditEvents).toHaveLength(1);
    // The log line of the route itself still goes to the output.
    expect(logged.some((l) => l.includes('"url":"/model/bugreport"'))).toBe(true);
  });

  it('shows no secret of the settings or the kubeconfig, even one that reached the log', async () => {
    const kubecostUrl = `http://admin:${KUBECOST_PASSWORD}@127.0.0.1:1`;
    const s = await start({ COST_PREDICTOR: 'kubecost', KUBECOST_URL: kubecostUrl });
    // A careless log line quoting both secrets; the dump must still not carry them.
    s.app.log.error({ url: kubecostUrl, auth: `Bearer ${KUBE_TOKEN}` }, `cannot reach ${kubecostUrl}`);
    fake.create('deployments', deploymentObject('shop', 'web'));
    await auditEventStored(s);

    const { raw, dump } = await dumpOf(s);
    expect(raw).not.toContain(KUBECOST_PASSWORD);
    expect(raw).not.toContain(KUBE_TOKEN);
    expect(dump.data.settings['KUBECOST_URL']).toBe('http://admin:***@127.0.0.1:1');
    expect(dump.data.logs.lines.find((l) => l.msg.startsWith('cannot reach'))?.msg).toBe('cannot reach http://admin:***@127.0.0.1:1');
  });

  it.runIf(pgOk)('shows no password of a PostgreSQL STORAGE_URL', async () => {
    schema = await createTestSchema();
    const url = new URL(schema.url);
    url.password = PG_PASSWORD;
    const s = await start({ STORAGE_URL: url.toString() });
    const { raw, dump } = await dumpOf(s);
    expect(dump.data.storage.backend).toBe('postgres');
    expect(dump.data.settings['STORAGE_URL']).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/test\?options=/);
    expect(dump.data.storage.location).not.toContain(PG_PASSWORD);
    expect(raw).not.toContain(PG_PASSWORD);
    expect(raw).not.toContain(KUBE_TOKEN);
  });
});
