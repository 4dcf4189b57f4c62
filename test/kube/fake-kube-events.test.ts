import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RESOURCES, EVENT_RESOURCES, EVENTS_RESOURCE, FakeKubeServer, type NewFakeObject } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { readWatch } from './support/read-watch.js';

// The fake serves Events as the apiserver does: one stored set, seen through events.k8s.io/v1 and
// through core v1 with the field mapping of pkg/apis/events/v1's conversion.

let fake: FakeKubeServer;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock('2024-05-03T08:10:00.000Z');
  fake = await FakeKubeServer.start({ clock, resources: [...DEFAULT_RESOURCES, ...EVENT_RESOURCES] });
});

afterEach(async () => {
  await fake.close();
});

const NEW_STYLE: NewFakeObject = {
  metadata: { name: 'web.1', namespace: 'shop' },
  eventTime: '2024-05-03T08:00:00.000000Z',
  reportingController: 'cost-events.io/notifier',
  reportingInstance: 'cost-events-a',
  action: 'Update',
  reason: 'CostIncrease',
  regarding: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web', uid: 'u-1' },
  note: '+$43.89/month (helm: release shop)',
  type: 'Normal',
};

/** An Event written the old way (by a kubelet through core v1), as events.k8s.io/v1 holds it. */
const OLD_STYLE: NewFakeObject = {
  metadata: { name: 'web.2', namespace: 'shop' },
  reason: 'Pulled',
  regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web-abc', fieldPath: 'spec.containers{app}' },
  note: 'Container image already present',
  type: 'Normal',
  deprecatedSource: { component: 'kubelet', host: 'node-a' },
  deprecatedFirstTimestamp: '2024-05-03T07:00:00Z',
  deprecatedLastTimestamp: '2024-05-03T08:00:00Z',
  deprecatedCount: 3,
};

/** The body of a GET, after checking its status. */
async function getJson(path: string, accept = 'application/json', status = 200): Promise<unknown> {
  const res = await fetch(fake.url + path, { headers: { accept } });
  expect(res.status).toBe(status);
  return res.json();
}

interface Table {
  columnDefinitions: { name: string; priority: number }[];
  rows: { cells: unknown[] }[];
}
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

describe('Events in the fake API server', () => {
  it('shows a stored events.k8s.io/v1 Event through core v1 with the apiserver field mapping', async () => {
    const stored = fake.store.create(EVENTS_RESOURCE, OLD_STYLE);
    expect(await getJson('/api/v1/namespaces/shop/events/web.2')).toEqual({
      kind: 'Event',
      apiVersion: 'v1',
      metadata: stored.metadata,
      involvedObject: OLD_STYLE['regarding'],
      reason: 'Pulled',
      message: 'Container image already present',
      type: 'Normal',
      source: { component: 'kubelet', host: 'node-a' },
      firstTimestamp: '2024-05-03T07:00:00Z',
      lastTimestamp: '2024-05-03T08:00:00Z',
      count: 3,
      eventTime: null,
      reportingComponent: '',
      reportingInstance: '',
    });
  });

  it('lists Events of both versions, as an EventList of each group version', async () => {
    fake.store.create(EVENTS_RESOURCE, NEW_STYLE);
    type List = { kind: string; apiVersion: string; items: Record<string, unknown>[] };
    const core = (await getJson('/api/v1/events')) as List;
    const v1 = (await getJson('/apis/events.k8s.io/v1/namespaces/shop/events')) as List;
    expect([core.kind, core.apiVersion, v1.kind, v1.apiVersion]).toEqual(['EventList', 'v1', 'EventList', 'events.k8s.io/v1']);
    expect(core.items.map((e) => [e['message'], e['reportingComponent'], e['eventTime']])).toEqual([[NEW_STYLE['note'], 'cost-events.io/notifier', '2024-05-03T08:00:00.000000Z']]);
    expect(v1.items[0]).toMatchObject({ note: NEW_STYLE['note'], deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null });
  });

  it('filters core v1 Events by involvedObject field selectors, as kubectl describe asks', async () => {
    fake.store.create(EVENTS_RESOURCE, NEW_STYLE);
    fake.store.create(EVENTS_RESOURCE, OLD_STYLE);
    const names = async (selector: string) =>
      ((await getJson(`/api/v1/namespaces/shop/events?fieldSelector=${encodeURIComponent(selector)}`)) as { items: { metadata: { name: string } }[] }).items.map((e) => e.metadata.name);
    expect(await names('involvedObject.name=web,involvedObject.namespace=shop,involvedObject.kind=Deployment,involvedObject.uid=u-1')).toEqual(['web.1']);
    expect(await names('involvedObject.kind=Pod')).toEqual(['web.2']);
    expect(await names('involvedObject.uid=other')).toEqual([]);
    expect(((await getJson('/apis/events.k8s.io/v1/events?fieldSelector=regarding.name%3Dweb')) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('prints the apiserver Event columns in a Table, counting a new-style singleton once', async () => {
    fake.store.create(EVENTS_RESOURCE, NEW_STYLE);
    fake.store.create(EVENTS_RESOURCE, OLD_STYLE);
    const body = (await getJson('/api/v1/namespaces/shop/events', TABLE)) as Table;
    expect(body.columnDefinitions.map((c) => `${c.name}${c.priority > 0 ? '*' : ''}`)).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Subobject*', 'Source*', 'Message', 'First Seen*', 'Count*', 'Name*']);
    expect(body.rows.map((r) => r.cells)).toEqual([
      ['10m', 'Normal', 'CostIncrease', 'deployment/web', '', 'cost-events.io/notifier, cost-events-a', NEW_STYLE['note'], '10m', 1, 'web.1'],
      ['10m', 'Normal', 'Pulled', 'pod/web-abc', 'spec.containers{app}', 'kubelet, node-a', 'Container image already present', '70m', 3, 'web.2'],
    ]);
    const v1 = (await getJson('/apis/events.k8s.io/v1/namespaces/shop/events', TABLE)) as Table;
    expect(v1.rows.map((r) => r.cells)).toEqual(body.rows.map((r) => r.cells));
  });

  it('takes Last Seen and Count from a series', async () => {
    fake.store.create(EVENTS_RESOURCE, { ...NEW_STYLE, series: { count: 4, lastObservedTime: '2024-05-03T08:09:00.000000Z' } });
    const body = (await getJson('/api/v1/namespaces/shop/events', TABLE)) as Table;
    const [row] = body.rows;
    expect([row?.cells[0], row?.cells[7], row?.cells[8]]).toEqual(['60s', '10m', 4]);
  });

  it('streams core v1 Events created through events.k8s.io/v1 to a core watch', async () => {
    const w = await readWatch(`${fake.url}/api/v1/namespaces/shop/events?watch=1`);
    fake.store.create(EVENTS_RESOURCE, NEW_STYLE);
    const [event] = await w.next(1);
    expect(event).toMatchObject({ type: 'ADDED', object: { kind: 'Event', apiVersion: 'v1', message: NEW_STYLE['note'], involvedObject: { name: 'web' } } });
    w.close();
  });

  it('answers a missing Event with the NotFound of its own group', async () => {
    expect(await getJson('/api/v1/namespaces/shop/events/nope', 'application/json', 404)).toMatchObject({ reason: 'NotFound', message: 'events "nope" not found' });
    expect(await getJson('/apis/events.k8s.io/v1/namespaces/shop/events/nope', 'application/json', 404)).toMatchObject({ reason: 'NotFound', message: 'events.events.k8s.io "nope" not found' });
  });

  it('lists Events in discovery of both groups, creatable only through events.k8s.io', async () => {
    const verbs = async (path: string) => ((await getJson(path)) as { resources: { name: string; verbs: string[] }[] }).resources.find((r) => r.name === 'events')?.verbs;
    expect(await verbs('/api/v1')).toEqual(['get', 'list', 'watch']);
    expect(await verbs('/apis/events.k8s.io/v1')).toEqual(['create', 'get', 'list', 'watch']);
  });
});
