import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/server.js';
import { auditConfig, startAuditServer } from '../support/audit-events.js';
import { DEFAULT_RESOURCES, deploymentObject, EVENT_RESOURCES, EVENTS_RESOURCE, FakeKubeServer, REPLICASETS_RESOURCE, writeKubeconfig, type FakeKubeconfig, type FakeObject } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { kubectl as runKubectl, kubectlAvailable } from '../support/kubectl.js';
import { waitFor } from '../support/wait-for.js';

// What people see of the kubernetes-events sink, read with the real kubectl: the notifier creates
// an events.k8s.io/v1 Event on a Deployment a Helm upgrade resized, and `kubectl get events`
// (core v1, server-side printed), `kubectl get events.v1.events.k8s.io -o json` and
// `kubectl describe deployment` (core v1 Events by field selector) show it. The fake API server
// stands in for the cluster; the kubectl is the real one.

const haveKubectl = kubectlAvailable();

let fake: FakeKubeServer;
let kubeconfig: FakeKubeconfig;
let server: ServerHandle;
let dir: string;
let deployment: FakeObject;

/** Runs the real kubectl against the fake, asynchronously (the fake answers from this process), and returns its stdout. */
async function kubectl(...args: string[]): Promise<string> {
  const r = await runKubectl(kubeconfig.path, join(dir, 'cache'), args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed with ${r.code}\n${r.stderr}`);
  return r.stdout;
}

/** A table's lines split into cells at runs of two or more spaces, as kubectl pads its columns. */
const cells = (out: string): string[][] =>
  out
    .trimEnd()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));

beforeAll(async () => {
  if (!haveKubectl) return;
  fake = await FakeKubeServer.start({ resources: [...DEFAULT_RESOURCES, REPLICASETS_RESOURCE, ...EVENT_RESOURCES] });
  kubeconfig = await writeKubeconfig(fake.url);
  dir = mkdtempSync(join(tmpdir(), 'kube-events-kubectl-'));
  const notify = join(dir, 'notify.yaml');
  writeFileSync(
    notify,
    `sinks:
  - {name: cluster, type: kubernetes-events}
routes:
  - name: resized
    match: {eventTypes: [update], minMonthlyCostDelta: 10}
    sinks: [cluster]
`,
  );
  const clock = new ManualClock('2024-05-03T08:00:00.000Z');
  server = await startAuditServer(auditConfig(kubeconfig.path, { NOTIFY_CONFIG: notify }), clock);
  // A Helm release's Deployment: 2 replicas of (1 CPU, 1 GiB), then an upgrade to 4.
  const d = deploymentObject('team-shop', 'web', 2, { cpu: '1', memory: '1Gi' });
  const helm = { manager: 'helm' };
  fake.create('deployments', { ...d, metadata: { ...d.metadata, labels: { ...d.metadata.labels, 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'shop' } } }, helm);
  await waitFor(() => server.watchers?.readiness().ready === true, 'the watchers');
  await server.watchers!.idle();
  clock.advance(60_000);
  deployment = fake.update('deployments', 'team-shop', 'web', (draft) => void ((draft.spec as { replicas: number }).replicas = 4), helm);
  await waitFor(() => {
    clock.advance(0);
    return fake.store.list(EVENTS_RESOURCE).length === 1;
  }, 'the Kubernetes Event');
});

afterAll(async () => {
  if (!haveKubectl) return;
  await server.close();
  await fake.close();
  await kubeconfig.remove();
  rmSync(dir, { recursive: true, force: true });
});

// 2 more replicas × (1 CPU, 1 GiB): 2 × (23.08 + 3.09) = $52.34 a month.
const NOTE = '+$52.34/month (helm: release shop)';

describe.runIf(haveKubectl)('the kubernetes-events sink, as the real kubectl shows it', () => {
  it('kubectl get events lists the Event with its reason, object and note', async () => {
    const [header, ...rows] = cells(await kubectl('get', 'events', '-n', 'team-shop'));
    expect(header).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(rows.map((r) => r.slice(1))).toEqual([['Normal', 'CostIncrease', 'deployment/web', NOTE]]);
  });

  it('kubectl get events -o wide names the notifier as the source, and counts the Event once', async () => {
    const [header, ...rows] = cells(await kubectl('get', 'events', '-n', 'team-shop', '-o', 'wide'));
    expect(header).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
    // The empty SUBOBJECT cell leaves one wide gap between OBJECT and SOURCE.
    const [row] = rows;
    expect([row?.[3], row?.[4], row?.[5], row?.[7], row?.[8]?.replace(/\..*/, '')]).toEqual(['deployment/web', `cost-events.io/notifier, cost-events-${hostname()}`, NOTE, '1', 'web']);
  });

  it('kubectl get events.v1.events.k8s.io -o json shows the fields the sink wrote', async () => {
    const list = JSON.parse(await kubectl('get', 'events.v1.events.k8s.io', '-n', 'team-shop', '-o', 'json')) as { items: Record<string, unknown>[] };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { namespace: 'team-shop', name: expect.stringMatching(/^web\.[a-z0-9]+$/) as unknown },
      reason: 'CostIncrease',
      note: NOTE,
      action: 'Update',
      type: 'Normal',
      reportingController: 'cost-events.io/notifier',
      reportingInstance: `cost-events-${hostname()}`,
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-shop', name: 'web', uid: deployment.metadata.uid },
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/) as unknown,
      deprecatedSource: {},
      deprecatedFirstTimestamp: null,
      deprecatedLastTimestamp: null,
    });
  });

  it('kubectl get events -o json shows the same Event through core v1, converted field by field', async () => {
    const [v1] = (JSON.parse(await kubectl('get', 'events.v1.events.k8s.io', '-n', 'team-shop', '-o', 'json')) as { items: Record<string, unknown>[] }).items;
    const [core] = (JSON.parse(await kubectl('get', 'events', '-n', 'team-shop', '-o', 'json')) as { items: Record<string, unknown>[] }).items;
    expect(core).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: v1?.['metadata'],
      involvedObject: v1?.['regarding'],
      reason: 'CostIncrease',
      message: NOTE,
      action: 'Update',
      type: 'Normal',
      eventTime: v1?.['eventTime'],
      reportingComponent: 'cost-events.io/notifier',
      reportingInstance: `cost-events-${hostname()}`,
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
    });
  });

  it('kubectl describe deployment ends with the Event in its Events section', async () => {
    const out = await kubectl('describe', 'deployment', 'web', '-n', 'team-shop');
    expect(out).toMatch(/^Name:\s+web$/m);
    const events = cells(out.slice(out.indexOf('\nEvents:') + 1));
    expect(events[0]).toEqual(['Events:']);
    expect(events[1]).toEqual(['Type', 'Reason', 'Age', 'From', 'Message']);
    expect(events.slice(3).map((r) => [r[0], r[1], r[3], r[4]])).toEqual([['Normal', 'CostIncrease', 'cost-events.io/notifier', NOTE]]);
  });
});
