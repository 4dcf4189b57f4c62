import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCloudEyeTestApp, cesError, NOW, reportItem, type CloudEyeTestApp } from '../support/cloud-eye.js';

// Every validation rule of the three calls, at its limit (accepted) and just past it (refused
// with Cloud Eye's code and a message naming the field): the rules Cloud Eye documents, and the
// bounds this server adds (100 events and 1 MiB per report).

let t: CloudEyeTestApp;
beforeEach(() => {
  t = buildCloudEyeTestApp({ clusterId: 'cluster-one' });
});
afterEach(async () => {
  await t.app.close();
});

const H = 3_600_000;
const s = (n: number, c = 'a') => c.repeat(n);
/** A one-event report whose event is the valid one with `patch` applied (a `detail` patch merges into detail). */
const one = (patch: Record<string, unknown>) => {
  const base = reportItem();
  const detail = patch['detail'] === undefined ? base['detail'] : { ...(base['detail'] as object), ...(patch['detail'] as object) };
  return [{ ...base, ...patch, detail }];
};
const without = (field: string) => [Object.fromEntries(Object.entries(reportItem()).filter(([k]) => k !== field))];

type Row = [label: string, body: unknown, status: number, code?: string, field?: string];

const bodyRules: Row[] = [
  ['1 event', [reportItem()], 201],
  ['100 events', Array.from({ length: 100 }, (_, i) => reportItem(`e${i}`)), 201],
  ['101 events', Array.from({ length: 101 }, (_, i) => reportItem(`e${i}`)), 400, 'ces.0014', 'a JSON array of 1 to 100 events'],
  ['no events', [], 400, 'ces.0001', 'the body is empty'],
  ['an object, not an array', reportItem(), 400, 'ces.0014', 'the body'],
  ['event_name of 64', one({ event_name: `e${s(63)}` }), 201],
  ['event_name of 65', one({ event_name: `e${s(64)}` }), 400, 'ces.0014', "'[0].event_name'"],
  ['event_name starting with a digit', one({ event_name: '1event' }), 400, 'ces.0014', "'[0].event_name'"],
  ['event_name with a hyphen', one({ event_name: 'my-event' }), 400, 'ces.0014', "'[0].event_name'"],
  ['event_name empty', one({ event_name: '' }), 400, 'ces.0014', "'[0].event_name'"],
  ['event_name missing', without('event_name'), 400, 'ces.0014', "'[0].event_name' is missing"],
  ['event_source of 3', one({ event_source: 'a.b' }), 201],
  ['event_source of 32', one({ event_source: `a.${s(30, 'b')}` }), 201],
  ['event_source of 33', one({ event_source: `a.${s(31, 'b')}` }), 400, 'ces.0014', "'[0].event_source'"],
  ['event_source without a dot', one({ event_source: 'financial' }), 400, 'ces.0014', "'[0].event_source'"],
  ['event_source with two dots', one({ event_source: 'a.b.c' }), 400, 'ces.0014', "'[0].event_source'"],
  ['event_source item starting with a digit', one({ event_source: 'svc.1item' }), 400, 'ces.0014', "'[0].event_source'"],
  ['event_source missing', without('event_source'), 400, 'ces.0014', "'[0].event_source' is missing"],
  ['time one hour ago', one({ time: NOW - H }), 201],
  ['time one hour and 1 ms ago', one({ time: NOW - H - 1 }), 400, 'ces.0014', "'[0].time' got"],
  ['time ten minutes ahead', one({ time: NOW + 600_000 }), 201],
  ['time ten minutes and 1 ms ahead', one({ time: NOW + 600_001 }), 400, 'ces.0014', "'[0].time' got"],
  ['time as a string of digits', one({ time: String(NOW) }), 400, 'ces.0014', "'[0].time' got"],
  ['time with a fraction', one({ time: NOW + 0.5 }), 400, 'ces.0014', "'[0].time' got"],
  ['time missing', without('time'), 400, 'ces.0014', "'[0].time' is missing"],
  ['detail missing', without('detail'), 400, 'ces.0014', "'[0].detail' is missing"],
  ['content of 4096', one({ detail: { content: s(4096) } }), 201],
  ['content of 4097', one({ detail: { content: s(4097) } }), 400, 'ces.0014', "'[0].detail.content'"],
  ['group_id of 128', one({ detail: { group_id: s(128) } }), 201],
  ['group_id of 129', one({ detail: { group_id: s(129) } }), 400, 'ces.0014', "'[0].detail.group_id'"],
  ['resource_id of 128 with : - _', one({ detail: { resource_id: `i-0:a_${s(122)}` } }), 201],
  ['resource_id of 129', one({ detail: { resource_id: s(129) } }), 400, 'ces.0014', "'[0].detail.resource_id'"],
  ['resource_id with a slash', one({ detail: { resource_id: 'a/b' } }), 400, 'ces.0014', "'[0].detail.resource_id'"],
  ['resource_name of 128 with . - _', one({ detail: { resource_name: `ecs.0-1_${s(120)}` } }), 201],
  ['resource_name in Chinese', one({ detail: { resource_name: '服务器001' } }), 201],
  ['resource_name of 129', one({ detail: { resource_name: s(129) } }), 400, 'ces.0014', "'[0].detail.resource_name'"],
  ['resource_name with a slash', one({ detail: { resource_name: 'ns/name' } }), 400, 'ces.0014', "'[0].detail.resource_name'"],
  ['event_user of 64 with / - _ and spaces', one({ detail: { event_user: `ops team/a-b_${s(51)}` } }), 201],
  ['event_user of 65', one({ detail: { event_user: s(65) } }), 400, 'ces.0014', "'[0].detail.event_user'"],
  ['event_user with an @', one({ detail: { event_user: 'a@b' } }), 400, 'ces.0014', "'[0].detail.event_user'"],
  ['event_state incident', one({ detail: { event_state: 'incident' } }), 201],
  ['event_state Normal', one({ detail: { event_state: 'Normal' } }), 400, 'ces.0014', "'[0].detail.event_state'"],
  ['event_level Critical', one({ detail: { event_level: 'Critical' } }), 201],
  ['event_level critical', one({ detail: { event_level: 'critical' } }), 400, 'ces.0014', "'[0].detail.event_level'"],
  ['event_type EVENT.CUSTOM', one({ detail: { event_type: 'EVENT.CUSTOM' } }), 201],
  ['event_type EVENT.SYS', one({ detail: { event_type: 'EVENT.SYS' } }), 400, 'ces.0014', 'EVENT.SYS events come from the server and cannot be reported'],
  ['4 dimensions', one({ detail: { dimensions: [1, 2, 3, 4].map((i) => ({ name: `d${i}`, value: 'v' })) } }), 201],
  ['5 dimensions', one({ detail: { dimensions: [1, 2, 3, 4, 5].map((i) => ({ name: `d${i}`, value: 'v' })) } }), 400, 'ces.0014', 'at most 4 dimensions'],
  ['a dimension value of 256', one({ detail: { dimensions: [{ name: 'instance_id', value: s(256) }] } }), 201],
  ['a dimension value of 257', one({ detail: { dimensions: [{ name: 'instance_id', value: s(257) }] } }), 400, 'ces.0014', "'[0].detail.dimensions[0].value'"],
  ['a dimension value empty', one({ detail: { dimensions: [{ name: 'instance_id', value: '' }] } }), 400, 'ces.0014', "'[0].detail.dimensions[0].value'"],
  ['a dimension without a name', one({ detail: { dimensions: [{ value: 'v' }] } }), 400, 'ces.0014', "'[0].detail.dimensions[0].name' is missing"],
  ['a field Cloud Eye does not document, ignored', one({ detail: { sub_event_type: 'SUB_EVENT.OPS' } }), 201],
  ['the second event bad, named by its index', [reportItem(), { ...reportItem(), event_name: '' }], 400, 'ces.0014', "'[1].event_name'"],
];

describe('POST /V1.0/{project_id}/events validates every rule', () => {
  it.each(bodyRules)('%s → %i', async (_label, body, status, code, field) => {
    const res = await t.post('/cluster-one/events', body);
    expect(res.statusCode, res.body).toBe(status);
    if (status === 201) return;
    const err = res.json<ReturnType<typeof cesError>>();
    expect(err.http_code).toBe(String(status));
    expect(err.message.code).toBe(code);
    expect(err.message.details).toContain(field);
  });

  it('names the field, what was sent and what is accepted', async () => {
    const res = await t.post('/cluster-one/events', one({ detail: { event_level: 'critical' } }));
    expect(res.json()).toEqual(cesError(400, 'ces.0014', "invalid body: '[0].detail.event_level' got \"critical\"; accepts Critical, Major, Minor or Info"));
    const time = await t.post('/cluster-one/events', one({ time: NOW + 600_001 }));
    expect(time.json()).toEqual(
      cesError(400, 'ces.0014', `invalid body: '[0].time' got ${NOW + 600_001}; accepts epoch milliseconds from ${NOW - H} to ${NOW + 600_000} (one hour ago to ten minutes ahead)`),
    );
  });

  it('accepts a body of exactly 1 MiB and refuses one byte more, saying the limits', async () => {
    const json = JSON.stringify([reportItem()]);
    const exact = json.slice(0, -1) + ' '.repeat(1024 * 1024 - json.length) + ']';
    expect(Buffer.byteLength(exact)).toBe(1024 * 1024);
    expect((await t.post('/cluster-one/events', exact)).statusCode).toBe(201);
    const over = await t.post('/cluster-one/events', `${exact} `);
    expect(over.statusCode).toBe(400);
    expect(over.json()).toEqual(cesError(400, 'ces.0014', 'the body is larger than 1048576 bytes (1 MiB); send at most 100 events and 1048576 bytes (1 MiB) per report'));
  });

  it('refuses a body that is not JSON, an empty one, and one of another type', async () => {
    const bad = await t.post('/cluster-one/events', '[{"event_name":');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<ReturnType<typeof cesError>>().message).toMatchObject({ code: 'ces.0014', details: expect.stringContaining('not valid JSON') as string });
    const empty = await t.post('/cluster-one/events', '');
    expect(empty.json()).toEqual(cesError(400, 'ces.0001', 'the body is empty; send a JSON array of 1 to 100 events'));
    const none = await t.app.inject({ method: 'POST', url: '/V1.0/cluster-one/events' });
    expect(none.json()).toEqual(cesError(400, 'ces.0001', 'the body is empty; send a JSON array of 1 to 100 events'));
    const text = await t.app.inject({ method: 'POST', url: '/V1.0/cluster-one/events', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify([reportItem()]) });
    expect(text.json()).toEqual(cesError(400, 'ces.0014', 'the body must be JSON, sent with Content-Type: application/json'));
  });

  it('stores nothing of a batch with one bad event', async () => {
    const res = await t.post('/cluster-one/events', [reportItem('first'), reportItem('second', NOW - 2 * H)]);
    expect(res.statusCode).toBe(400);
    expect((await t.get('/cluster-one/events')).json()).toEqual({ events: [], meta_data: { total: 0 } });
  });
});

const queryRules: [label: string, url: string, status: number, code?: string, field?: string][] = [
  ['limit 1', '/cluster-one/events?limit=1', 200],
  ['limit 100', '/cluster-one/events?limit=100', 200],
  ['limit 0', '/cluster-one/events?limit=0', 400, 'ces.0013', "'limit'"],
  ['limit 101', '/cluster-one/events?limit=101', 400, 'ces.0013', "'limit'"],
  ['limit not a number', '/cluster-one/events?limit=ten', 400, 'ces.0013', "'limit'"],
  ['limit Infinity, quoted as sent', '/cluster-one/events?limit=Infinity', 400, 'ces.0013', `'limit': got "Infinity";`],
  ['a from too long to hold exactly, quoted as sent', '/cluster-one/events?from=99999999999999999999', 400, 'ces.0013', `'from': got "99999999999999999999";`],
  ['limit twice', '/cluster-one/events?limit=1&limit=2', 400, 'ces.0013', "parameter 'limit' was given more than once"],
  ['limit empty, as absent', '/cluster-one/events?limit=', 200],
  ['start 0', '/cluster-one/events?start=0', 200],
  ['start -1', '/cluster-one/events?start=-1', 400, 'ces.0013', "'start'"],
  ['from of 13 digits, the least', '/cluster-one/events?from=1000000000000', 200],
  ['from of 12 digits', '/cluster-one/events?from=999999999999', 400, 'ces.0013', "'from'"],
  ['to of 13 digits, the most', '/cluster-one/events?to=9999999999999', 200],
  ['to of 14 digits', '/cluster-one/events?to=10000000000000', 400, 'ces.0013', "'to'"],
  ['from just below to', `/cluster-one/events?from=${NOW - 1}&to=${NOW}`, 200],
  ['from equal to to', `/cluster-one/events?from=${NOW}&to=${NOW}`, 400, 'ces.0013', "'to'"],
  ['from after to', `/cluster-one/events?from=${NOW + 1}&to=${NOW}`, 400, 'ces.0013', "'to'"],
  ['event_type EVENT.SYS', '/cluster-one/events?event_type=EVENT.SYS', 200],
  ['event_type EVENT.sys', '/cluster-one/events?event_type=EVENT.sys', 400, 'ces.0013', "'event_type'"],
  ['event_name of 64', `/cluster-one/events?event_name=e${s(63)}`, 200],
  ['event_name of 65', `/cluster-one/events?event_name=e${s(64)}`, 400, 'ces.0013', "'event_name'"],
  ['details: event_type given', '/cluster-one/event/deploy?event_type=EVENT.CUSTOM', 200],
  ['details: event_type missing', '/cluster-one/event/deploy', 400, 'ces.0013', "missing parameter 'event_type'"],
  ['details: event_name of 64', `/cluster-one/event/e${s(63)}?event_type=EVENT.CUSTOM`, 200],
  ['details: event_name of 65', `/cluster-one/event/e${s(64)}?event_type=EVENT.CUSTOM`, 400, 'ces.0013', "'event_name'"],
  ['details: event_source of 32', `/cluster-one/event/deploy?event_type=EVENT.CUSTOM&event_source=a.${s(30)}`, 200],
  ['details: event_source of 33', `/cluster-one/event/deploy?event_type=EVENT.CUSTOM&event_source=a.${s(31)}`, 400, 'ces.0013', "'event_source'"],
  ['details: event_source empty, as all', '/cluster-one/event/deploy?event_type=EVENT.CUSTOM&event_source=', 200],
  ['details: event_level Minor', '/cluster-one/event/deploy?event_type=EVENT.CUSTOM&event_level=Minor', 200],
  ['details: event_level minor', '/cluster-one/event/deploy?event_type=EVENT.CUSTOM&event_level=minor', 400, 'ces.0013', "'event_level'"],
  ['details: event_state warning', '/cluster-one/event/deploy?event_type=EVENT.CUSTOM&event_state=warning', 200],
  ['details: event_state alarm', '/cluster-one/event/deploy?event_type=EVENT.CUSTOM&event_state=alarm', 400, 'ces.0013', "'event_state'"],
  ['details: event_user of 64', `/cluster-one/event/deploy?event_type=EVENT.CUSTOM&event_user=${s(64)}`, 200],
  ['details: event_user of 65', `/cluster-one/event/deploy?event_type=EVENT.CUSTOM&event_user=${s(65)}`, 400, 'ces.0013', "'event_user'"],
  ['details: limit 101', '/cluster-one/event/deploy?event_type=EVENT.CUSTOM&limit=101', 400, 'ces.0013', "'limit'"],
  ['an unknown parameter, ignored', '/cluster-one/events?sub_event_type=SUB_EVENT.OPS', 200],
  ['project_id not a cluster id', '/cluster_one/events', 400, 'ces.0003', "'project_id'"],
  ['project_id of 65', `/${s(65)}/events`, 400, 'ces.0003', "'project_id'"],
  ['project_id unknown', '/cluster-two/events', 400, 'ces.0003', 'cluster-two'],
];

describe('the GET calls validate every parameter', () => {
  it.each(queryRules)('%s → %i', async (_label, url, status, code, field) => {
    const res = await t.get(url);
    expect(res.statusCode, res.body).toBe(status);
    if (status === 200) return;
    const err = res.json<ReturnType<typeof cesError>>();
    expect(err).toMatchObject({ http_code: String(status), message: { code } });
    expect(err.message.details).toContain(field);
  });

  it('names the parameter, what was sent and what is accepted', async () => {
    expect((await t.get('/cluster-one/events?limit=0')).json()).toEqual(cesError(400, 'ces.0013', 'invalid parameter \'limit\': got 0; accepts an integer from 1 to 100'));
    expect((await t.get(`/cluster-one/events?from=${NOW}&to=${NOW}`)).json()).toEqual(
      cesError(400, 'ces.0013', `invalid parameter 'to': got "${NOW}"; accepts epoch milliseconds greater than from (${NOW})`),
    );
    expect((await t.get('/cluster-two/events')).json()).toEqual(
      cesError(400, 'ces.0003', 'invalid project_id: got "cluster-two"; accepts cluster-one (this server\'s CLUSTER_ID) or a cluster whose events are in its store'),
    );
  });

  it('accepts a project_id of 64 characters when it is a cluster', async () => {
    await t.app.close();
    t = buildCloudEyeTestApp({ clusterId: s(64, 'c') });
    expect((await t.get(`/${s(64, 'c')}/events`)).statusCode).toBe(200);
  });

  it('answers an unknown route under /V1.0 in Cloud Eye\'s body', async () => {
    const res = await t.get('/cluster-one/alarms');
    expect(res.statusCode).toBe(404);
    expect(res.json<ReturnType<typeof cesError>>()).toMatchObject({ http_code: '404', message: { code: 'ces.0016', details: expect.stringContaining('no route for GET /V1.0/cluster-one/alarms') as string } });
  });

  it('keeps the Kubecost envelope everywhere else', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/model/nothing' });
    expect(res.json()).toEqual({ code: 404, data: null, message: 'no route for GET /model/nothing' });
  });
});
