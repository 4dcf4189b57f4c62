import { beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { deploymentObject, type NewFakeObject } from '../support/fake-kube/index.js';
import { auditEvents, settleAudit } from '../support/audit-events.js';
import { waitFor } from '../support/wait-for.js';
import { useFakeCluster } from '../support/fake-cluster-fixture.js';

// Who made each change and which tool owns the workload, end to end: the fake API server writes
// managedFields and markers as each tool would, the server watches it, and the route says. Every
// scale is its own event here (AUDIT_SCALE_GROUP_INTERVAL=0); scale-groups-e2e.test.ts groups them.

const e2e = useFakeCluster({ now: '2026-12-06T10:00:00.250Z', creationClock: true });

beforeEach(async () => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', KUBECONFIG: e2e.kubeconfig.path, COST_EVENTS_AUDIT_ENABLED: 'true', AUDIT_RESOURCE_TYPES: 'deployment', AUDIT_SCALE_GROUP_INTERVAL: '0' });
  if (r.help) throw new Error('unexpected help');
  e2e.server = await startServer(r.config, { clock: e2e.clock, env: {}, serviceAccountDir: '/nonexistent' });
  const s = e2e.server;
  await waitFor(() => s.watchers?.readiness().ready === true, 'the watchers to sync');
});

const settle = (n: number) => settleAudit(e2e.server!, n);
const events = (query = '') => auditEvents(e2e.server!, query);

const withMarkers = (name: string, labels: Record<string, string>, annotations: Record<string, string>): NewFakeObject => {
  const d = deploymentObject('shop', name);
  return { ...d, metadata: { ...d.metadata, labels: { ...d.metadata.labels, ...labels }, annotations } };
};

const who = (e: AuditEvent) => [e.eventType, e.properties.name, e.changedBy, e.source];

describe('changedBy and source, end to end', () => {
  it('names the creator of each add as its managedFields do, and the tool from its markers', async () => {
    e2e.fake.create('deployments', withMarkers('chart', { 'app.kubernetes.io/managed-by': 'Helm' }, { 'meta.helm.sh/release-name': 'shop', 'meta.helm.sh/release-namespace': 'apps' }), { manager: 'helm' });
    e2e.fake.apply('deployments', withMarkers('argo', {}, { 'argocd.argoproj.io/tracking-id': 'storefront:apps/Deployment:shop/argo' }), 'argocd-controller');
    e2e.fake.create('deployments', withMarkers('kust', { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' }, {}), { manager: 'kustomize-controller' });
    e2e.fake.create(
      'deployments',
      withMarkers('fluxhelm', { 'helm.toolkit.fluxcd.io/name': 'redis', 'helm.toolkit.fluxcd.io/namespace': 'flux-system' }, { 'meta.helm.sh/release-name': 'shop-redis' }),
      { manager: 'helm-controller' },
    );
    e2e.fake.clientSideApply('deployments', deploymentObject('shop', 'applied'));
    e2e.fake.create('deployments', deploymentObject('shop', 'created'), { manager: 'kubectl-create' });
    e2e.fake.create('deployments', deploymentObject('shop', 'bare'));
    const got = await settle(7);
    expect(got.map(who)).toEqual([
      ['add', 'bare', { manager: 'unknown' }, { tool: 'unknown' }],
      ['add', 'created', { manager: 'kubectl-create', operation: 'Update', time: '2026-12-06T10:00:00Z' }, { tool: 'unknown' }],
      ['add', 'applied', { manager: 'kubectl-client-side-apply', operation: 'Update', time: '2026-12-06T10:00:00Z' }, { tool: 'kubectl' }],
      ['add', 'fluxhelm', { manager: 'helm-controller', operation: 'Update', time: '2026-12-06T10:00:00Z' }, { tool: 'flux', name: 'redis', namespace: 'flux-system' }],
      ['add', 'kust', { manager: 'kustomize-controller', operation: 'Update', time: '2026-12-06T10:00:00Z' }, { tool: 'flux', name: 'apps', namespace: 'flux-system' }],
      ['add', 'argo', { manager: 'argocd-controller', operation: 'Apply', time: '2026-12-06T10:00:00Z' }, { tool: 'argocd', name: 'storefront' }],
      ['add', 'chart', { manager: 'helm', operation: 'Update', time: '2026-12-06T10:00:00Z' }, { tool: 'helm', name: 'shop', namespace: 'apps' }],
    ]);
    expect((await events('?filterSources=flux')).map((e) => e.properties.name)).toEqual(['fluxhelm', 'kust']);
    expect((await events('?filterChangedBy=helm,argocd-controller')).map((e) => e.properties.name)).toEqual(['argo', 'chart']);
  });

  it('names the manager of the fields an update moved: kubectl scale, an HPA (autoscaler), an edit of the requests', async () => {
    e2e.fake.create('deployments', withMarkers('api', {}, { 'meta.helm.sh/release-name': 'shop' }), { manager: 'helm' });
    await settle(1);
    e2e.clock.advance(60_000);
    e2e.fake.scale('deployments', 'shop', 'api', 3, 'kubectl');
    await settle(2);
    e2e.clock.advance(60_000);
    e2e.fake.scale('deployments', 'shop', 'api', 5, 'kube-controller-manager');
    await settle(3);
    e2e.clock.advance(60_000);
    e2e.fake.update(
      'deployments',
      'shop',
      'api',
      (d) => {
        const c = (d.spec as { template: { spec: { containers: { resources: { requests: Record<string, string> } }[] } } }).template.spec.containers[0]!;
        c.resources.requests.cpu = '200m';
      },
      { manager: 'kubectl-edit' },
    );
    await settle(4);
    e2e.fake.delete('deployments', 'shop', 'api');
    const got = await settle(5);
    expect(got.map(who)).toEqual([
      ['delete', 'api', { manager: 'unknown' }, { tool: 'helm', name: 'shop' }],
      ['update', 'api', { manager: 'kubectl-edit', operation: 'Update', time: '2026-12-06T10:03:00Z' }, { tool: 'helm', name: 'shop' }],
      ['update', 'api', { manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', time: '2026-12-06T10:02:00Z' }, { tool: 'autoscaler' }],
      ['update', 'api', { manager: 'kubectl', operation: 'Update', subresource: 'scale', time: '2026-12-06T10:01:00Z' }, { tool: 'helm', name: 'shop' }],
      ['add', 'api', { manager: 'helm', operation: 'Update', time: '2026-12-06T10:00:00Z' }, { tool: 'helm', name: 'shop' }],
    ]);
    // One event by its id, with the same attribution (and its realized cost: none, no ETL window is built yet).
    const scaled = got[2]!;
    const one = await e2e.server!.app.inject(`/model/audit/events/${scaled.id ?? ''}`);
    expect(one.json<{ data: AuditEvent }>().data).toEqual({ ...scaled, realized: null });
  });
});
