import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { EVENT_ID_PATTERN } from '../../src/cloud-eye/event-id.js';
import { auditEvent } from '../support/events.js';
import { buildCloudEyeTestApp, NOW, type CloudEyeTestApp } from '../support/cloud-eye.js';
import { auditChangeOf } from '../../src/audit/audit-change.js';

// The three calls against the examples Cloud Eye documents (ces_03_0074, ces_03_0075,
// en-us_topic_0109034020): the same fields, in the same order, of the same JSON types, and the
// exact values this server's events map to.

/** The documented example of GET /V1.0/{project_id}/events, abridged to two rows. */
const DOC_SUMMARY = {
  events: [
    { event_name: 'rebootServer', event_type: 'EVENT.SYS', event_count: 5, latest_occur_time: 1606302400000, latest_event_source: 'SYS.ECS' },
    { event_name: 'event_001', event_type: 'EVENT.CUSTOM', event_count: 4, latest_occur_time: 1606499035522, latest_event_source: 'TEST.System' },
  ],
  meta_data: { total: 10 },
};

/** The documented example of GET /V1.0/{project_id}/event/{event_name}. */
const DOC_DETAILS = {
  event_name: 'rebootServer',
  event_type: 'EVENT.SYS',
  event_users: [''],
  event_sources: ['SYS.ECS'],
  event_info: [
    {
      event_id: 'ev1606302402256R6doP5YeZ',
      event_name: 'rebootServer',
      event_source: 'SYS.ECS',
      time: 1606302400000,
      detail: {
        content: '{"resourceSpecCode":"kc1.4xlarge.2.linux","enterpriseProjectId":"6efb"}',
        group_id: '',
        resource_id: 'ef8dad27-0488-4de7-bb43-1a0df9806d90',
        resource_name: 'CES-POROS-0001',
        event_state: 'normal',
        event_level: 'Minor',
        event_user: '',
        event_type: 'EVENT.SYS',
        dimensions: [{ name: 'instance_id', value: 'fddad01f-e3b6-420d-8fdc-a42451de7c34' }],
      },
    },
  ],
  meta_data: { total: 5 },
};

/** The documented request and answer of POST /V1.0/{project_id}/events (its time moved to now). */
const DOC_REPORT = [
  {
    event_name: 'systemInvaded',
    event_source: 'financial.System',
    time: NOW - 7_000,
    detail: {
      content: 'The financial system was invaded',
      group_id: 'rg15221211517051YWWkEnVd',
      resource_id: '1234567890sjgggad',
      resource_name: 'ecs001',
      event_state: 'normal',
      event_level: 'Major',
      event_user: 'xiaokong',
      event_type: 'EVENT.CUSTOM',
      dimensions: [{ name: 'instance_id', value: 'instance_xxx' }],
    },
  },
];
const DOC_REPORT_ANSWER = [{ event_id: 'evdgiqwgedkkcvhdjcdu346', event_name: 'systemInvaded' }];

/** A value's shape: key order and JSON types, arrays by their first item. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return [v.length === 0 ? 'empty' : shape(v[0])];
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, shape(x)]);
  return typeof v;
}

let t: CloudEyeTestApp;
afterEach(async () => {
  await t.app.close();
});

/** A priced change published on the bus as the audit publishes it. */
function publishChange(event: AuditEvent): void {
  t.bus.publish(
    'audit',
    auditChangeOf(event, `${event.eventType}/${event.uid}`, { cluster: event.properties.cluster, resourceType: event.resourceType, op: 'remove', uid: event.uid }),
  );
}

describe('the Cloud Eye calls, against the documented examples', () => {
  it('answer in the documented shapes, with this cluster\'s ETL, audit and custom events', async () => {
    t = buildCloudEyeTestApp();
    t.clock.advance(-60_000);
    t.bus.publish('etl', { kind: 'AllocationSetSaved', metadata: { size: 97, window: { start: '2024-05-03T07:00:00Z', end: '2024-05-03T08:00:00Z' } }, time: t.clock.nowNs(), cluster: 'cluster-one' });
    t.clock.advance(10_000);
    publishChange({ ...auditEvent('sample-deployment'), timestamp: '2024-05-03T08:00:14.552788548Z', uid: 'd4c1a5e2-6f0b-4c3e-9d7a-2b8f1e0c9a11' });
    t.clock.advance(50_000);

    const report = await t.post('/cluster-one/events', DOC_REPORT);
    expect(report.statusCode).toBe(201);
    expect(shape(report.json())).toEqual(shape(DOC_REPORT_ANSWER));
    expect(report.json()).toEqual([{ event_id: `ev${NOW}id0000001`, event_name: 'systemInvaded' }]);

    const summary = await t.get('/cluster-one/events');
    expect(summary.statusCode).toBe(200);
    expect(shape(summary.json())).toEqual(shape(DOC_SUMMARY));
    expect(summary.json()).toEqual({
      events: [
        { event_name: 'systemInvaded', event_type: 'EVENT.CUSTOM', event_count: 1, latest_occur_time: NOW - 7_000, latest_event_source: 'financial.System' },
        { event_name: 'createDeployment', event_type: 'EVENT.SYS', event_count: 1, latest_occur_time: Date.parse('2024-05-03T08:00:14.552Z'), latest_event_source: 'SYS.K8S' },
        { event_name: 'AllocationSetSaved', event_type: 'EVENT.SYS', event_count: 1, latest_occur_time: NOW - 60_000, latest_event_source: 'SYS.ETL' },
      ],
      meta_data: { total: 3 },
    });

    const custom = await t.get('/cluster-one/event/systemInvaded?event_type=EVENT.CUSTOM');
    expect(custom.statusCode).toBe(200);
    expect(shape(custom.json())).toEqual(shape(DOC_DETAILS));
    expect(custom.json()).toEqual({
      event_name: 'systemInvaded',
      event_type: 'EVENT.CUSTOM',
      event_users: ['xiaokong'],
      event_sources: ['financial.System'],
      event_info: [{ event_id: `ev${NOW}id0000001`, event_name: 'systemInvaded', event_source: 'financial.System', time: NOW - 7_000, detail: DOC_REPORT[0]!.detail }],
      meta_data: { total: 1 },
    });

    const change = await t.get('/cluster-one/event/createDeployment?event_type=EVENT.SYS');
    expect(change.statusCode).toBe(200);
    expect(shape(change.json())).toEqual(shape(DOC_DETAILS));
    const body = change.json<typeof DOC_DETAILS>();
    expect(body.event_info[0]!.event_id).toMatch(EVENT_ID_PATTERN);
    expect(body.event_info[0]!.event_id.slice(0, 15)).toBe(`ev${Date.parse('2024-05-03T08:00:14.552Z')}`);
    expect({ ...body, event_info: body.event_info.map((i) => ({ ...i, event_id: 'id' })) }).toEqual({
      event_name: 'createDeployment',
      event_type: 'EVENT.SYS',
      event_users: [''],
      event_sources: ['SYS.K8S'],
      event_info: [
        {
          event_id: 'id',
          event_name: 'createDeployment',
          event_source: 'SYS.K8S',
          time: Date.parse('2024-05-03T08:00:14.552Z'),
          detail: {
            content: '{"totalMonthlyRate":2.4045625000000004,"cpuMonthlyRate":2.3080000000000003,"ramMonthlyRate":0.0965625,"gpuMonthlyRate":0,"monthlyCostDelta":2.4045625000000004}',
            group_id: '',
            resource_id: 'd4c1a5e2-6f0b-4c3e-9d7a-2b8f1e0c9a11',
            resource_name: 'kubecost/sample-deployment',
            event_state: 'normal',
            event_level: 'Info',
            event_user: '',
            event_type: 'EVENT.SYS',
            dimensions: [
              { name: 'namespace', value: 'kubecost' },
              { name: 'kind', value: 'Deployment' },
            ],
          },
        },
      ],
      meta_data: { total: 1 },
    });
    // The content of a system event is a JSON string, as Cloud Eye's own are.
    expect(JSON.parse(body.event_info[0]!.detail.content)).toMatchObject({ totalMonthlyRate: 2.4045625000000004 });

    const etl = await t.get('/cluster-one/event/AllocationSetSaved?event_type=EVENT.SYS');
    expect(shape(etl.json())).toEqual(shape(DOC_DETAILS));
    expect(etl.json<typeof DOC_DETAILS>().event_info.map((i) => ({ ...i, event_id: i.event_id.slice(0, 15) }))).toEqual([
      {
        event_id: `ev${NOW - 60_000}`,
        event_name: 'AllocationSetSaved',
        event_source: 'SYS.ETL',
        time: NOW - 60_000,
        detail: {
          content: '{"size":97,"window":{"start":"2024-05-03T07:00:00Z","end":"2024-05-03T08:00:00Z"}}',
          group_id: '',
          resource_id: '',
          resource_name: '',
          event_state: 'normal',
          event_level: 'Info',
          event_user: '',
          event_type: 'EVENT.SYS',
          dimensions: [{ name: 'category', value: 'allocation' }],
        },
      },
    ]);
  });

  it('gives a system event the same id on every query', async () => {
    t = buildCloudEyeTestApp();
    t.bus.publish('etl', { kind: 'AssetSetReconcileError', metadata: { error: 'billing export missing' }, time: t.clock.nowNs(), cluster: 'cluster-one' });
    const ids = async () => (await t.get('/cluster-one/event/AssetSetReconcileError?event_type=EVENT.SYS')).json<typeof DOC_DETAILS>().event_info.map((i) => i.event_id);
    const first = await ids();
    expect(first).toHaveLength(1);
    expect(await ids()).toEqual(first);
  });

  it('marks a failed ETL step a Major incident', async () => {
    t = buildCloudEyeTestApp();
    t.bus.publish('etl', { kind: 'AssetSetReconcileError', metadata: { error: 'billing export missing' }, time: t.clock.nowNs(), cluster: 'cluster-one' });
    const info = (await t.get('/cluster-one/event/AssetSetReconcileError?event_type=EVENT.SYS')).json<typeof DOC_DETAILS>().event_info[0]!;
    expect(info.detail).toMatchObject({ content: '{"error":"billing export missing"}', event_state: 'incident', event_level: 'Major', dimensions: [{ name: 'category', value: 'asset' }] });
  });
});
