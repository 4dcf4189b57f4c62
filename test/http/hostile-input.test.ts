import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ALLOCATION_AGGREGATE_ACCEPTS } from '../../src/etl/aggregate-by.js';
import { WINDOW_ACCEPTS } from '../../src/window.js';
import { MAX_JSON_DEPTH } from '../../src/json-nesting.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { ManualClock } from '../support/manual-clock.js';
import { PACKAGE_VERSION } from '../support/package-version.js';

// Deep nesting, long strings and many keys on every route that takes a body or parameters, against
// the server as the composition root builds it (memory storage, no cluster). Each answer is a 4xx
// in the route's own envelope (or a 200 where unknown parameters are ignored), never a 5xx; a
// message quotes at most 80 characters of what was sent, however big it was.

const DEPTH = 5000;
const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
const LONG = 'x'.repeat(10_000);
/** `"xxx…` as a message quotes LONG. */
const LONG_QUOTED = `"${'x'.repeat(79)}… (10002 characters)`;
const deepParam = encodeURIComponent('['.repeat(2000));
const DEEP_PARAM_QUOTED = `"${'['.repeat(79)}… (2002 characters)`;
const manyParams = Array.from({ length: 1000 }, (_, i) => `k${i}=${i}`).join('&');
const manyKeys = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',');
const TOO_DEEP = `the body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; send at most ${MAX_JSON_DEPTH} levels`;

const kubecost = (status: number, message: string) => ({ code: status, data: null, message });
const ces = (code: string, details: string) => ({ http_code: '400', message: { details, code } });

let server: ServerHandle;
beforeAll(async () => {
  const parsed = loadConfig({ HOST: '127.0.0.1', PORT: '0', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true' });
  if (parsed.help) throw new Error('unreachable: no --help given');
  server = await startServer(parsed.config, { env: {}, serviceAccountDir: '/nonexistent', clock: new ManualClock('2024-05-03T08:01:04Z') });
});
afterAll(async () => {
  await server.close();
});

async function send(method: 'GET' | 'POST', url: string, body?: { type: string; text: string }) {
  const res = await server.app.inject({ method, url, ...(body === undefined ? {} : { headers: { 'content-type': body.type }, payload: body.text }) });
  return { status: res.statusCode, body: res.json<unknown>() };
}

const json = (text: string) => ({ type: 'application/json', text });
const yaml = (text: string) => ({ type: 'application/yaml', text });
const PREDICT = '/model/prediction/speccost?clusterID=cluster-one&defaultNamespace=default';

describe('the Kubecost routes', () => {
  it.each([
    ['GET /model/etl/log: a window nested 2,000 deep', '/model/etl/log?window=' + deepParam, 'window', DEEP_PARAM_QUOTED, WINDOW_ACCEPTS],
    ['GET /model/audit/events: a count of 10,000 characters', '/model/audit/events?count=' + LONG, 'count', LONG_QUOTED, 'a positive integer (at most 9007199254740991)'],
    ['GET /model/audit/events: a count nested 2,000 deep', '/model/audit/events?count=' + deepParam, 'count', DEEP_PARAM_QUOTED, 'a positive integer (at most 9007199254740991)'],
    ['GET /model/allocation: a window nested 2,000 deep', '/model/allocation?window=' + deepParam, 'window', DEEP_PARAM_QUOTED, WINDOW_ACCEPTS],
    ['GET /model/assets: a window of 10,000 characters', '/model/assets?window=' + LONG, 'window', LONG_QUOTED, WINDOW_ACCEPTS],
  ])('%s is a 400 quoting 80 characters of it', async (_name, url, param, quoted, accepts) => {
    expect(await send('GET', url)).toEqual({ status: 400, body: kubecost(400, `invalid parameter '${param}': got ${quoted}; accepts ${accepts}`) });
  });

  it('GET /model/allocation: an aggregate of 10,000 characters is a 400 quoting 80 characters of it', async () => {
    expect(await send('GET', `/model/allocation?window=today&aggregate=${LONG}`)).toEqual({
      status: 400,
      body: kubecost(400, `invalid parameter 'aggregate': got ${LONG_QUOTED}; accepts ${ALLOCATION_AGGREGATE_ACCEPTS} ("${'x'.repeat(60)}" is not a property)`),
    });
  });

  it('GET /model/etl/log: 1,000 unknown parameters are ignored', async () => {
    expect(await send('GET', `/model/etl/log?${manyParams}`)).toEqual({ status: 200, body: { code: 200, data: { allocation: [], asset: [], counters: {} } } });
  });

  it('GET /model/audit/events: 1,000 unknown parameters beside a bad one still name the bad one', async () => {
    expect(await send('GET', `/model/audit/events?${manyParams}&count=0`)).toEqual({ status: 400, body: kubecost(400, `invalid parameter 'count': got "0"; accepts a positive integer (at most 9007199254740991)`) });
  });

  it('GET /model/assets: 1,000 unknown parameters without the window still ask for it', async () => {
    expect(await send('GET', `/model/assets?${manyParams}`)).toEqual({ status: 400, body: kubecost(400, `missing parameter 'window'; accepts ${WINDOW_ACCEPTS}`) });
  });

  it('GET /model/bugreport: 1,000 unknown parameters are ignored', async () => {
    const res = await send('GET', `/model/bugreport?${manyParams}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 200, data: { version: PACKAGE_VERSION } });
  });

  // Routes added in the second wave: the ETL status and repairs, one audit event, the audit's new
  // filters, the notifications (off here), the page's info.
  it('GET /model/etl/status: a filterClusters of 10,000 characters is a 400 quoting 80 characters of it, twice at most', async () => {
    expect(await send('GET', `/model/etl/status?filterClusters=${LONG}`)).toEqual({
      status: 400,
      body: kubecost(400, `invalid parameter 'filterClusters': got ${LONG_QUOTED}; accepts a comma list of cluster ids (1 to 64 letters, digits and hyphens) (${LONG_QUOTED} is not one)`),
    });
  });

  it('GET /model/audit/events: a filterSources of 10,000 characters is a 400 quoting 80 characters of it, twice at most', async () => {
    expect(await send('GET', `/model/audit/events?filterSources=${LONG}`)).toEqual({
      status: 400,
      body: kubecost(400, `invalid parameter 'filterSources': got ${LONG_QUOTED}; accepts a comma list of helm, argocd, flux, kubectl, autoscaler, unknown (${LONG_QUOTED} is none of them)`),
    });
  });

  it('GET /model/audit/events/{id}: an id of 10,000 characters is a 414 repeating 200 characters of it', async () => {
    const path = `/model/audit/events/${LONG}`;
    expect(await send('GET', path)).toEqual({
      status: 414,
      body: kubecost(414, `'${path.slice(0, 200)}… (${path.length} characters)' is exceeding the max param length`),
    });
  });

  it('an unknown path of 10,000 characters is a 404 repeating 200 characters of it', async () => {
    const path = `/model/${LONG}`;
    expect(await send('GET', path)).toEqual({ status: 404, body: kubecost(404, `no route for GET ${path.slice(0, 200)}… (${path.length} characters)`) });
  });

  it.each([
    ['GET /model/etl/status', `/model/etl/status?${manyParams}`],
    ['GET /model/audit/events with a filterChangedBy nested 2,000 deep', `/model/audit/events?filterChangedBy=${deepParam}`],
    ['GET /ui/api/info', `/ui/api/info?${manyParams}`],
  ])('%s: odd and unknown parameters are answered 200', async (_name, url) => {
    const res = await send('GET', url);
    expect([res.status, (res.body as { code: number }).code]).toEqual([200, 200]);
  });

  it.each([
    ['POST', `/model/etl/allocation/repair?window=${deepParam}`, DEEP_PARAM_QUOTED],
    ['GET', `/model/etl/asset/repair?window=${LONG}`, LONG_QUOTED],
  ] as const)('%s %s is a 400 quoting 80 characters of the window, though the server has no cluster', async (method, url, quoted) => {
    expect(await send(method, url)).toEqual({ status: 400, body: kubecost(400, `invalid parameter 'window': got ${quoted}; accepts ${WINDOW_ACCEPTS}`) });
  });

  it.each(['GET', 'POST'] as const)('%s of a repair with a good window, without a cluster, is a 503 saying there is nothing to repair', async (method) => {
    expect(await send(method, '/model/etl/asset/repair?window=2h')).toEqual({
      status: 503,
      body: kubecost(503, 'this server has no cluster (KUBECONFIG or in-cluster config): it builds no sets, so it has none to repair'),
    });
  });

  it.each([
    ['POST', `/model/notify/test?route=${LONG}`],
    ['GET', `/model/notify/status?${manyParams}`],
  ] as const)('%s %s with notifications off is a 404 saying how to turn them on', async (method, url) => {
    expect(await send(method, url)).toEqual({
      status: 404,
      body: kubecost(404, 'notifications are off: set NOTIFY_CONFIG to a notifications file (see docs/notifications.md)'),
    });
  });
});

describe('POST /model/prediction/speccost', () => {
  it.each([
    ['JSON nested 5,000 deep', json(`{"kind":"Deployment","spec":${deepArray}}`)],
    ['JSON objects nested 5,000 deep', json(`{"kind":"List","items":[${deepObject}]}`)],
    ['untyped JSON nested 5,000 deep (sniffed)', { type: 'text/plain', text: `{"kind":"Deployment","spec":${deepArray}}` }],
    ['YAML flow sequences nested 5,000 deep', yaml(`kind: Deployment\nspec: ${deepArray}\n`)],
    ['YAML nested 101 deep, within what the reader follows', yaml(`kind: Deployment\nspec: ${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}\n`)],
  ])('%s is a 400 naming the nesting limit', async (_name, body) => {
    expect(await send('POST', PREDICT, body)).toEqual({ status: 400, body: kubecost(400, TOO_DEEP) });
  });

  it('a quantity of 10,000 characters is a 400 quoting 20 of them', async () => {
    const manifest = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        resources: {requests: {cpu: "${'9'.repeat(10_000)}m"}}\n`;
    expect(await send('POST', PREDICT, yaml(manifest))).toEqual({
      status: 400,
      body: kubecost(400, `document 1 (Deployment w): spec.template.spec.containers[0].resources.requests[cpu]: invalid quantity "${'9'.repeat(20)}…": longer than 100 characters`),
    });
  });

  it('an object of 10,000 keys is a 400 naming what it lacks', async () => {
    expect(await send('POST', PREDICT, json(`{"kind":"Deployment",${manyKeys(10_000)}}`))).toEqual({
      status: 400,
      body: kubecost(400, 'the body (Deployment (unnamed)): metadata.name: is required'),
    });
  });

  it('a clusterID of 10,000 characters is a 400 quoting 80 characters of it', async () => {
    expect(await send('POST', `/model/prediction/speccost?clusterID=${LONG}&defaultNamespace=default`, yaml('kind: Deployment'))).toEqual({
      status: 400,
      body: kubecost(400, `invalid parameter 'clusterID': got ${LONG_QUOTED}; accepts cluster-one (this server's CLUSTER_ID)`),
    });
  });
});

describe('the Cloud Eye routes', () => {
  const NAME_ACCEPTS = '1 to 64 letters, digits and underscores, starting with a letter';

  it.each([
    ['arrays nested 5,000 deep', `[${deepArray}]`],
    ['objects nested 5,000 deep', `[${deepObject}]`],
    ['arrays nested one level past the limit', `[${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}]`],
  ])('POST /V1.0/{project_id}/events: a report of %s is a 400 ces.0014 naming the limit', async (_name, text) => {
    expect(await send('POST', '/V1.0/cluster-one/events', json(text))).toEqual({ status: 400, body: ces('ces.0014', TOO_DEEP) });
  });

  it('POST /V1.0/{project_id}/events: nesting within the limit reaches validation, which quotes 80 characters of it', async () => {
    const text = `[${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}]`;
    expect(await send('POST', '/V1.0/cluster-one/events', json(text))).toEqual({
      status: 400,
      body: ces('ces.0014', `invalid body: '[0]' got ${'['.repeat(80)}… (an array of 1 item); accepts object`),
    });
  });

  it('POST /V1.0/{project_id}/events: an event name of 10,000 characters is quoted in 80', async () => {
    const event = { event_name: LONG, event_source: 'app.orders', time: Date.parse('2024-05-03T08:00:00Z'), detail: {} };
    expect(await send('POST', '/V1.0/cluster-one/events', json(JSON.stringify([event])))).toEqual({
      status: 400,
      body: ces('ces.0014', `invalid body: '[0].event_name' got ${LONG_QUOTED}; accepts ${NAME_ACCEPTS}`),
    });
  });

  it('POST /V1.0/{project_id}/events: an event of 10,000 keys is a 400 naming what it lacks', async () => {
    expect(await send('POST', '/V1.0/cluster-one/events', json(`[{${manyKeys(10_000)}}]`))).toEqual({
      status: 400,
      body: ces('ces.0014', `invalid body: '[0].event_name' is missing; accepts ${NAME_ACCEPTS}`),
    });
  });

  it.each([
    ['an event_name of 10,000 characters', `/V1.0/cluster-one/events?event_name=${LONG}`, LONG_QUOTED],
    ['an event_name nested 2,000 deep', `/V1.0/cluster-one/events?event_name=${deepParam}`, DEEP_PARAM_QUOTED],
    ['a path event_name of 150 characters', `/V1.0/cluster-one/event/${'x'.repeat(150)}`, `"${'x'.repeat(79)}… (152 characters)`],
  ])('GET: %s is a 400 ces.0013 quoting 80 characters of it', async (_name, url, quoted) => {
    expect(await send('GET', url)).toEqual({ status: 400, body: ces('ces.0013', `invalid parameter 'event_name': got ${quoted}; accepts ${NAME_ACCEPTS}`) });
  });

  it('GET /V1.0/{project_id}/events: 1,000 unknown parameters beside a bad one still name the bad one', async () => {
    expect(await send('GET', `/V1.0/cluster-one/events?${manyParams}&limit=0`)).toEqual({
      status: 400,
      body: ces('ces.0013', "invalid parameter 'limit': got 0; accepts an integer from 1 to 100"),
    });
  });
});

describe('time bounds past what storage holds (SQLite)', () => {
  let sqlite: ServerHandle;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cost-events-hostile-'));
    const parsed = loadConfig({ HOST: '127.0.0.1', PORT: '0', STORAGE_URL: `sqlite:${join(dir, 'events.db')}` });
    if (parsed.help) throw new Error('unreachable: no --help given');
    sqlite = await startServer(parsed.config, { env: {}, serviceAccountDir: '/nonexistent', clock: new ManualClock('2024-05-03T08:01:04Z') });
  });
  afterAll(async () => {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /model/etl/log: a window ending in 5138 answers as an open end, not a 500', async () => {
    const res = await sqlite.app.inject('/model/etl/log?window=0,99999999999');
    expect({ status: res.statusCode, body: res.json<unknown>() }).toEqual({ status: 200, body: { code: 200, data: { allocation: [], asset: [], counters: {} } } });
  });

  it('GET /V1.0/{project_id}/events: the largest to Cloud Eye accepts (9999999999999, in 2286) answers as an open end', async () => {
    const res = await sqlite.app.inject('/V1.0/cluster-one/events?from=1000000000000&to=9999999999999');
    expect({ status: res.statusCode, body: res.json<unknown>() }).toEqual({ status: 200, body: { events: [], meta_data: { total: 0 } } });
  });
});
