import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { DEFAULT_RESOURCES, deploymentObject, EVENTS_RESOURCE } from '../support/fake-kube/index.js';
import { Receiver } from '../support/receiver.js';
import { waitFor } from '../support/wait-for.js';
import { useFakeCluster } from '../support/fake-cluster-fixture.js';

// The whole path through the composition root: a Deployment created in the fake API server is
// priced by the audit, routed by NOTIFY_CONFIG, written to the outbox with its event, and
// delivered to a webhook, Slack, Teams and a CloudEvents receiver on loopback and as a
// Kubernetes Event through the fake's events.k8s.io/v1 API.

const e2e = useFakeCluster({ now: '2024-05-03T08:00:00.000Z', resources: [...DEFAULT_RESOURCES, EVENTS_RESOURCE], tempDir: 'notify-server-' });

const receivers: Record<'webhook' | 'slack' | 'teams' | 'cloudevents', Receiver> = {
  webhook: new Receiver(),
  slack: new Receiver(),
  teams: new Receiver(),
  cloudevents: new Receiver(),
};

beforeEach(async () => {
  for (const r of Object.values(receivers)) {
    r.received.length = 0;
    await r.start();
  }
});

afterEach(async () => {
  for (const r of Object.values(receivers)) await r.stop();
});

function notifyFile(): string {
  const path = join(e2e.dir, 'notify.yaml');
  writeFileSync(join(e2e.dir, 'slack-url'), `${receivers.slack.url}\n`);
  writeFileSync(
    path,
    `sinks:
  - {name: ops, type: webhook, url: "${receivers.webhook.url}", hmacSecretEnv: OPS_HMAC}
  - {name: chat, type: slack, urlFile: ${join(e2e.dir, 'slack-url')}}
  - {name: teams, type: teams, url: "${receivers.teams.url}"}
  - {name: bus, type: cloudevents, url: "${receivers.cloudevents.url}"}
  - {name: cluster, type: kubernetes-events}
routes:
  - name: expensive
    match: {eventTypes: [add, update], namespaces: ["team-*"], minMonthlyCostDelta: 10}
    sinks: [ops, chat, teams, bus, cluster]
`,
  );
  return path;
}

const config = (env: Record<string, string> = {}): Config => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', KUBECONFIG: e2e.kubeconfig.path, COST_EVENTS_AUDIT_ENABLED: 'true', ...env });
  if (r.help) throw new Error('unexpected help');
  return r.config;
};

async function start(): Promise<ServerHandle> {
  e2e.server = await startServer(config({ NOTIFY_CONFIG: notifyFile() }), { clock: e2e.clock, env: { OPS_HMAC: 'hmac-secret-value' }, serviceAccountDir: '/nonexistent' });
  const s = e2e.server;
  await waitFor(() => s.watchers?.readiness().ready === true, 'the watchers to sync');
  return s;
}

/** Runs the notifier's timers until `done`, as time would. */
async function deliverUntil(done: () => boolean, what: string): Promise<void> {
  await waitFor(() => {
    e2e.clock.advance(0);
    return done();
  }, what);
}

describe('notifications through the server', () => {
  it('delivers an expensive change to every sink, and records it as a Kubernetes Event on the Deployment', async () => {
    const s = await start();
    // 10 replicas × (1 CPU, 1 GiB): 230.80 + 30.90 = $261.70 a month.
    e2e.fake.create('deployments', deploymentObject('team-shop', 'web', 10, { cpu: '1', memory: '1Gi' }));
    e2e.fake.create('deployments', deploymentObject('kube-system', 'dns', 10, { cpu: '1', memory: '1Gi' }));
    const delivered = () => [...(s.notifications?.notifier.activity().values() ?? [])].reduce((n, a) => n + a.delivered, 0);
    await deliverUntil(() => delivered() === 5, 'every sink');
    expect(Object.values(receivers).map((r) => r.received.length)).toEqual([1, 1, 1, 1]);
    expect(e2e.fake.store.list(EVENTS_RESOURCE)).toHaveLength(1);
    const summary = 'add deployment team-shop/web: +$261.70/month';
    expect(receivers.webhook.bodies()[0]).toMatchObject({ summary, type: 'io.cost-events.audit.add', cluster: 'cluster-one', route: 'expensive' });
    expect(receivers.webhook.received[0]?.headers['x-cost-events-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(receivers.slack.bodies()[0]).toMatchObject({ text: summary });
    expect(receivers.teams.bodies<{ attachments: { content: { body: { text?: string }[] } }[] }>()[0]?.attachments[0]?.content.body[0]?.text).toBe(summary);
    expect(receivers.cloudevents.received[0]?.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(receivers.cloudevents.bodies()[0]).toMatchObject({ specversion: '1.0', source: 'cluster-one', type: 'io.cost-events.audit.add', subject: 'deployment/team-shop/web' });
    const [event] = e2e.fake.store.list(EVENTS_RESOURCE);
    expect(event).toMatchObject({
      reason: 'CostIncrease',
      note: '+$261.70/month',
      action: 'Create',
      type: 'Normal',
      reportingController: 'cost-events.io/notifier',
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-shop', name: 'web' },
    });
    const status = (await s.app.inject('/model/notify/status')).json<{ data: { sinks: { name: string; url: string | null; delivered: number }[]; outbox: unknown } }>().data;
    expect(status.sinks.map((k) => [k.name, k.url, k.delivered])).toEqual([
      ['ops', `${new URL(receivers.webhook.url).origin}/***`, 1],
      ['chat', `${new URL(receivers.slack.url).origin}/***`, 1],
      ['teams', `${new URL(receivers.teams.url).origin}/***`, 1],
      ['bus', `${new URL(receivers.cloudevents.url).origin}/***`, 1],
      ['cluster', null, 1],
    ]);
    expect(status.outbox).toEqual({ pending: 0, oldestPendingSeconds: null, deadLetters: 0 });
    const metrics = (await s.app.inject('/metrics')).body;
    expect(metrics).toContain('cost_events_notifications_total{sink="ops",route="expensive",outcome="delivered"} 1');
    expect(metrics).toContain('cost_events_notify_outbox_pending 0');
    expect(metrics).not.toContain('secret-token');
    const report = (await s.app.inject('/model/bugreport')).body;
    expect(report).toContain('"notifications":{');
    expect(report).not.toContain('secret-token');
    expect(report).not.toContain('hmac-secret-value');
  });

  it('sends a sample through a route, and names the routes when asked for another', async () => {
    const s = await start();
    const ok = await s.app.inject({ method: 'POST', url: '/model/notify/test?route=expensive' });
    expect(ok.json()).toEqual({ code: 200, data: { route: 'expensive', sinks: ['ops', 'chat', 'teams', 'bus', 'cluster'] } });
    await deliverUntil(() => receivers.webhook.received.length === 1, 'the sample');
    expect(receivers.webhook.bodies()[0]).toMatchObject({ type: 'io.cost-events.test', summary: 'test notification from cost-events on cluster-one through route expensive' });
    const bad = await s.app.inject({ method: 'POST', url: '/model/notify/test?route=nope' });
    expect([bad.statusCode, bad.json()]).toEqual([400, { code: 400, data: null, message: 'invalid parameter \'route\': got "nope"; accepts one of expensive' }]);
  });

  it('stops the start naming NOTIFY_CONFIG when the file does not parse', async () => {
    const path = join(e2e.dir, 'broken.yaml');
    writeFileSync(path, 'sinks: [{name: x, type: pager}]\nroutes: []\n');
    const err = await startServer(config({ NOTIFY_CONFIG: path }), { clock: e2e.clock, env: {}, serviceAccountDir: '/nonexistent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('NOTIFY_CONFIG');
  });

  it('answers 404 saying how to turn notifications on when NOTIFY_CONFIG is unset', async () => {
    e2e.server = await startServer(config(), { clock: e2e.clock, env: {}, serviceAccountDir: '/nonexistent' });
    const res = await e2e.server.app.inject('/model/notify/status');
    expect([res.statusCode, res.json<{ message: string }>().message]).toEqual([404, 'notifications are off: set NOTIFY_CONFIG to a notifications file (see docs/notifications.md)']);
  });
});
