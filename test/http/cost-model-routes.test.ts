import { gunzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { buildSets } from '../../src/etl/build-sets.js';
import { EtlPublisher } from '../../src/etl/etl-publisher.js';
import { DAY_MS } from '../../src/window.js';
import { SetQueries } from '../../src/etl/set-queries.js';
import { SetRepository } from '../../src/etl/set-repository.js';
import type { EtlEvent } from '../../src/events/etl-event.js';
import { AllocationResponseSchema, AssetResponseSchema } from '../../src/http/cost-model-routes.js';
import { WINDOW_ACCEPTS } from '../../src/window.js';
import { Readiness } from '../../src/readiness.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Store } from '../../src/storage/store.js';
import { guardedSets } from '../../src/storage/store-reader.js';
import { StoreWriter } from '../../src/storage/store-writer.js';
import type { Window } from '../../src/window.js';
import { emptyEvents, silentLog } from '../support/app.js';
import { claim, container, GIB, HOUR, loadBalancer, node, pod, snapshot, volume } from '../support/etl-records.js';
import { ManualClock } from '../support/manual-clock.js';
import { previousRenderAllocationSet } from '../support/previous-set-json.js';
import { randomAllocationSets } from '../support/random-allocation-sets.js';
import { connectionRefused, delegate } from '../support/stores.js';

// GET /model/allocation and GET /model/assets over hand-made sets saved in a memory store:
//   blue:  hourly 2024-05-03 10:00 and 11:00 (pod web-1), a daily roll-up of 2024-05-03 (pod
//          web-daily, so it is told apart from the hourly sets of that day), hourly 2024-05-04
//          00:00 and 01:00 (web-1);
//   green: hourly 2024-05-03 10:00 (pod api-1).

const NOW = '2024-05-05T12:30:00Z';
const at = (iso: string): number => Date.parse(iso);
const hour = (iso: string): Window => ({ start: at(iso), end: at(iso) + HOUR });
const MAY3 = at('2024-05-03T00:00:00Z');
const MAY4 = MAY3 + DAY_MS;

/** blue's cluster in `window`: a node, web-1 (1 core, 2 GiB) mounting a bound 10 GiB claim, a load balancer. */
function blueSets(window: Window, podName = 'web-1') {
  return buildSets(
    snapshot({
      cluster: 'blue',
      nodes: [node('n1', { start: MAY3 - DAY_MS })],
      pods: [pod(podName, { start: MAY3 - HOUR, claims: ['data'], containers: [container('app', 1, 2 * GIB)] })],
      claims: [claim('data', { volumeName: 'pv-data', start: MAY3 - DAY_MS })],
      volumes: [volume('pv-data', { claim: { namespace: 'shop', name: 'data' }, start: MAY3 - DAY_MS })],
      loadBalancers: [loadBalancer('web-lb', { start: MAY3 - DAY_MS })],
    }),
    window,
    DEFAULT_PRICE_SHEET,
  );
}

function greenSets(window: Window) {
  return buildSets(
    snapshot({
      cluster: 'green',
      nodes: [node('g1', { start: MAY3 - DAY_MS })],
      pods: [pod('api-1', { node: 'g1', namespace: 'api', labels: { app: 'api' }, controller: 'api', start: MAY3 - HOUR })],
    }),
    window,
    DEFAULT_PRICE_SHEET,
  );
}

async function fill(store: Store): Promise<void> {
  const repo = new SetRepository(store);
  for (const h of ['2024-05-03T10:00:00Z', '2024-05-03T11:00:00Z', '2024-05-04T00:00:00Z', '2024-05-04T01:00:00Z']) await repo.save(blueSets(hour(h)), HOUR);
  await repo.save(blueSets({ start: MAY3, end: MAY4 }, 'web-daily'), DAY_MS);
  await repo.save(greenSets(hour('2024-05-03T10:00:00Z')), HOUR);
}

interface Rig {
  readonly app: FastifyInstance;
  /** The store the sets are in, under any wrapper. */
  readonly inner: Store;
  readonly events: EtlEvent[];
  readonly queries: SetQueries;
  readonly writer: StoreWriter;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.app.close();
    await r.writer.close();
  }
});

/** The app as the composition root wires it: the queries read the sets through storage's guard (a 503 while it is down). */
async function rig(o: { maxRecords?: number; store?: (inner: Store) => Store; resolutionMs?: number } = {}): Promise<Rig> {
  const clock = new ManualClock(NOW);
  const inner = new MemoryStore({ etlLogCapacity: 100, auditCapacity: 10 });
  await fill(inner);
  const store = o.store?.(inner) ?? inner;
  const writer = new StoreWriter({ store, clock, capacity: 100, log: silentLog });
  const events: EtlEvent[] = [];
  const publisher = new EtlPublisher({ cluster: 'blue', clock, publish: (e) => events.push(e) });
  const resolutionMs = o.resolutionMs ?? HOUR;
  const queries = new SetQueries({
    repository: new SetRepository(guardedSets(store, writer)),
    resolutionMs,
    publisher,
    ...(o.maxRecords !== undefined && { maxRecords: o.maxRecords }),
  });
  const app = buildApp({ clock, events: emptyEvents(), readiness: new Readiness(), sets: { sets: queries, resolutionMs } });
  const r = { app, inner, events, queries, writer };
  rigs.push(r);
  return r;
}

type SetJson = Record<string, { name: string; window: { start: string; end: string }; cpuCoreHours: number; totalCost: number; [k: string]: unknown }>;

async function get(r: Rig, url: string, headers: Record<string, string> = {}) {
  const res = await r.app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, headers: res.headers, raw: res.rawPayload, body: res.json<{ code: number; data: SetJson[] | null; message?: string }>() };
}

/** The sets of a 200 answer. */
async function sets(r: Rig, url: string): Promise<SetJson[]> {
  const res = await get(r, url);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.code).toBe(200);
  return res.body.data ?? [];
}

const keys = (s: SetJson | undefined): string[] => Object.keys(s ?? {}).sort();
const windowOf = (s: SetJson | undefined) => Object.values(s ?? {})[0]?.window;
const q = (window: string, more = '') => `window=${encodeURIComponent(window)}${more}`;
const H10_12 = q('2024-05-03T10:00:00Z,2024-05-03T12:00:00Z');

describe('GET /model/allocation', () => {
  it('answers one set per ETL_RESOLUTION step for a window under a day, keyed by allocation name', async () => {
    const r = await rig();
    const res = await get(r, `/model/allocation?${H10_12}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body.code).toBe(200);
    const data = res.body.data ?? [];
    expect(data).toHaveLength(2);
    // The hourly sets of a day that has a roll-up, since no step here is a whole day; both clusters (green has only 10:00).
    expect(keys(data[0])).toEqual(['blue/n1/__idle__', 'blue/n1/shop/web-1/app', 'green/g1/__idle__', 'green/g1/api/api-1/app']);
    expect(keys(data[1])).toEqual(['blue/n1/__idle__', 'blue/n1/shop/web-1/app']);
    expect(windowOf(data[0])).toEqual({ start: '2024-05-03T10:00:00Z', end: '2024-05-03T11:00:00Z' });
    expect(windowOf(data[1])).toEqual({ start: '2024-05-03T11:00:00Z', end: '2024-05-03T12:00:00Z' });
    const web = data[0]?.['blue/n1/shop/web-1/app'];
    expect(web).toMatchObject({ name: 'blue/n1/shop/web-1/app', properties: { cluster: 'blue', node: 'n1', namespace: 'shop', pod: 'web-1', container: 'app' }, cpuCoreHours: 1, minutes: 60 });
  });

  it('widens the window to whole resolution windows', async () => {
    const r = await rig();
    const data = await sets(r, `/model/allocation?${q('2024-05-03T10:20:00Z,2024-05-03T11:10:00Z')}`);
    expect(data.map(windowOf)).toEqual([
      { start: '2024-05-03T10:00:00Z', end: '2024-05-03T11:00:00Z' },
      { start: '2024-05-03T11:00:00Z', end: '2024-05-03T12:00:00Z' },
    ]);
    expect(data[1]?.['blue/n1/shop/web-1/app']?.cpuCoreHours).toBe(1);
  });

  it('answers {} for a step without stored sets', async () => {
    const r = await rig();
    const data = await sets(r, `/model/allocation?${q('2024-05-03T11:00:00Z,2024-05-03T14:00:00Z')}`);
    expect(data).toHaveLength(3);
    expect(keys(data[0])).toContain('blue/n1/shop/web-1/app');
    expect(data.slice(1)).toEqual([{}, {}]);
    expect(await sets(r, `/model/assets?${q('2024-05-02T10:00:00Z,2024-05-02T11:00:00Z')}`)).toEqual([{}]);
  });

  it('accumulates each step of step=2h', async () => {
    const r = await rig();
    const data = await sets(r, `/model/allocation?${q('2024-05-03T10:00:00Z,2024-05-03T14:00:00Z', '&step=2h')}`);
    expect(data).toHaveLength(2);
    expect(windowOf(data[0])).toEqual({ start: '2024-05-03T10:00:00Z', end: '2024-05-03T12:00:00Z' });
    expect(data[0]?.['blue/n1/shop/web-1/app']).toMatchObject({ cpuCoreHours: 2, minutes: 120 });
    expect(data[0]?.['green/g1/api/api-1/app']).toMatchObject({ cpuCoreHours: 1, minutes: 60 });
    expect(data[1]).toEqual({});
  });

  it('steps by a day for a window of a day or more, using the daily roll-up for a whole day and the hourly sets elsewhere', async () => {
    const r = await rig();
    const data = await sets(r, `/model/allocation?${q('2024-05-03T00:00:00Z,2024-05-05T00:00:00Z')}`);
    expect(data).toHaveLength(2);
    expect(windowOf(data[0])).toEqual({ start: '2024-05-03T00:00:00Z', end: '2024-05-04T00:00:00Z' });
    // 2024-05-03 has blue's roll-up (web-daily, 24 core-hours) and not its hourly sets; green has only an hourly set.
    expect(keys(data[0])).toEqual(['blue/n1/__idle__', 'blue/n1/shop/web-daily/app', 'green/g1/__idle__', 'green/g1/api/api-1/app']);
    expect(data[0]?.['blue/n1/shop/web-daily/app']?.cpuCoreHours).toBe(24);
    // 2024-05-04 has no roll-up: its two hourly sets.
    expect(keys(data[1])).toEqual(['blue/n1/__idle__', 'blue/n1/shop/web-1/app']);
    expect(data[1]?.['blue/n1/shop/web-1/app']?.cpuCoreHours).toBe(2);
  });

  it('accumulate=true answers one set: a day with its roll-up and the hours of the partial next day', async () => {
    const r = await rig();
    const data = await sets(r, `/model/allocation?${q('2024-05-03T00:00:00Z,2024-05-04T02:00:00Z', '&accumulate=true')}`);
    expect(data).toHaveLength(1);
    const s = data[0];
    expect(windowOf(s)).toEqual({ start: '2024-05-03T00:00:00Z', end: '2024-05-04T02:00:00Z' });
    expect(s?.['blue/n1/shop/web-daily/app']?.cpuCoreHours).toBe(24);
    // web-1 only from 2024-05-04 00:00–02:00: the hourly sets of 2024-05-03 are covered by its roll-up.
    expect(s?.['blue/n1/shop/web-1/app']?.cpuCoreHours).toBe(2);
    expect(r.events.filter((e) => e.kind === 'AllocationSetLoaded').map((e) => e.metadata.window)).toEqual([
      { start: '2024-05-03T00:00:00Z', end: '2024-05-04T00:00:00Z' },
      { start: '2024-05-03T10:00:00Z', end: '2024-05-03T11:00:00Z' },
      { start: '2024-05-04T00:00:00Z', end: '2024-05-04T01:00:00Z' },
      { start: '2024-05-04T01:00:00Z', end: '2024-05-04T02:00:00Z' },
    ]);
  });

  it('merges every cluster by default; filterClusters keeps those named', async () => {
    const r = await rig();
    const one = q('2024-05-03T10:00:00Z,2024-05-03T11:00:00Z');
    expect(keys((await sets(r, `/model/allocation?${one}`))[0])).toEqual(['blue/n1/__idle__', 'blue/n1/shop/web-1/app', 'green/g1/__idle__', 'green/g1/api/api-1/app']);
    expect(keys((await sets(r, `/model/allocation?${one}&filterClusters=green`))[0])).toEqual(['green/g1/__idle__', 'green/g1/api/api-1/app']);
    expect(keys((await sets(r, `/model/allocation?${one}&filterClusters=blue,green`))[0])).toHaveLength(4);
    expect(keys((await sets(r, `/model/allocation?${one}&filterClusters=`))[0])).toHaveLength(4);
    expect(await sets(r, `/model/allocation?${one}&filterClusters=purple`)).toEqual([{}]);
  });

  it('aggregates (a property, a label, several) and leaves idle out with idle=false', async () => {
    const r = await rig();
    const one = q('2024-05-03T10:00:00Z,2024-05-03T11:00:00Z');
    expect(keys((await sets(r, `/model/allocation?${one}&aggregate=namespace`))[0])).toEqual(['__idle__', 'api', 'shop']);
    expect(keys((await sets(r, `/model/allocation?${one}&aggregate=cluster,label:app`))[0])).toEqual(['__idle__', 'blue/web', 'green/api']);
    expect(keys((await sets(r, `/model/allocation?${one}&aggregate=label:team`))[0])).toEqual(['__idle__', '__unallocated__']);
    expect(keys((await sets(r, `/model/allocation?${one}&aggregate=namespace&idle=false`))[0])).toEqual(['api', 'shop']);
    expect(keys((await sets(r, `/model/allocation?${one}&idle=false`))[0])).toEqual(['blue/n1/shop/web-1/app', 'green/g1/api/api-1/app']);
    const shop = (await sets(r, `/model/allocation?${one}&aggregate=namespace&idle=true`))[0]?.['shop'];
    expect(shop).toMatchObject({ name: 'shop', properties: { namespace: 'shop', cluster: 'blue' }, cpuCoreHours: 1 });
  });
});

describe('GET /model/assets', () => {
  it('answers the assets of each step, keyed by asset name', async () => {
    const r = await rig();
    const data = await sets(r, `/model/assets?${H10_12}&filterClusters=blue`);
    expect(data).toHaveLength(2);
    expect(keys(data[0])).toEqual(['blue/Disk/pv-data', 'blue/LoadBalancer/shop/web-lb', 'blue/Node/n1']);
    expect(data[0]?.['blue/Node/n1']).toMatchObject({ type: 'Node', properties: { cluster: 'blue', category: 'Compute', name: 'n1' }, cpuCores: 4, minutes: 60 });
    expect(data[0]?.['blue/LoadBalancer/shop/web-lb']).toMatchObject({ type: 'LoadBalancer', totalCost: DEFAULT_PRICE_SHEET.loadBalancerHour });
  });

  it('aggregates by type and accumulates', async () => {
    const r = await rig();
    const data = await sets(r, `/model/assets?${H10_12}&aggregate=type&accumulate=true`);
    expect(data).toHaveLength(1);
    expect(keys(data[0])).toEqual(['Disk', 'LoadBalancer', 'Node']);
    expect(data[0]?.['Node']).toMatchObject({ type: 'Node', count: 2 });
    expect(data[0]?.['LoadBalancer']).toMatchObject({ type: 'LoadBalancer', count: 1, totalCost: 2 * DEFAULT_PRICE_SHEET.loadBalancerHour });
  });
});

describe('bad input', () => {
  const accepts = (name: string, got: string, what: string) => `invalid parameter '${name}': got ${JSON.stringify(got)}; accepts ${what}`;
  const STEP = 'a duration (such as 1h or 1d) that is a multiple of ETL_RESOLUTION (1h)';
  const TWICE = (name: string) => `parameter '${name}' was given more than once; give it once`;
  const W = `&${H10_12}`;

  it.each([
    ['window missing', '/model/allocation', `missing parameter 'window'; accepts ${WINDOW_ACCEPTS}`],
    ['window missing (assets)', '/model/assets?aggregate=type', `missing parameter 'window'; accepts ${WINDOW_ACCEPTS}`],
    ['window malformed', '/model/allocation?window=7x', accepts('window', '7x', WINDOW_ACCEPTS)],
    ['window reversed', `/model/assets?${q('2024-05-03T12:00:00Z,2024-05-03T10:00:00Z')}`, accepts('window', '2024-05-03T12:00:00Z,2024-05-03T10:00:00Z', 'a start no later than its end (this pair is reversed: give the earlier time first)')],
    ['accumulate=yes', `/model/allocation?accumulate=yes${W}`, accepts('accumulate', 'yes', 'true or false')],
    ['accumulate=yes (assets)', `/model/assets?accumulate=yes${W}`, accepts('accumulate', 'yes', 'true or false')],
    ['idle=maybe', `/model/allocation?idle=maybe${W}`, accepts('idle', 'maybe', 'true or false')],
    ['step=7m', `/model/allocation?step=7m${W}`, accepts('step', '7m', STEP)],
    ['step=30m under 1h', `/model/allocation?step=30m${W}`, accepts('step', '30m', STEP)],
    ['step=90m', `/model/assets?step=90m${W}`, accepts('step', '90m', STEP)],
    ['step=0h', `/model/assets?step=0h${W}`, accepts('step', '0h', STEP)],
    ['step=soon', `/model/assets?step=soon${W}`, accepts('step', 'soon', STEP)],
    ['filterClusters bad id', `/model/allocation?filterClusters=blue_1${W}`, accepts('filterClusters', 'blue_1', 'a comma list of cluster ids (1 to 64 letters, digits and hyphens) ("blue_1" is not one)')],
    ['window twice', `/model/allocation?${H10_12}${W}`, TWICE('window')],
    ['window twice (assets)', `/model/assets?window=1h&window=2h`, TWICE('window')],
    ['aggregate twice', `/model/allocation?aggregate=namespace&aggregate=pod${W}`, TWICE('aggregate')],
    ['step twice', `/model/assets?step=1h&step=1h${W}`, TWICE('step')],
    ['filterClusters twice', `/model/allocation?filterClusters=blue&filterClusters=green${W}`, TWICE('filterClusters')],
  ])('%s is a 400 naming the parameter', async (_name, url, message) => {
    const r = await rig();
    const res = await get(r, url);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 400, data: null, message });
    expect(r.events).toEqual([]);
  });

  it.each([
    ['/model/allocation', 'pods', 'a comma list of cluster, node, namespace, controllerKind, controller, pod, container or label:<name>, such as namespace,label:app', '"pods" is not a property'],
    ['/model/allocation', 'namespace,', 'a comma list of cluster, node, namespace, controllerKind, controller, pod, container or label:<name>, such as namespace,label:app', 'an entry is empty'],
    ['/model/allocation', 'label:', 'a comma list of cluster, node, namespace, controllerKind, controller, pod, container or label:<name>, such as namespace,label:app', 'label: needs a label name'],
    ['/model/assets', 'namespace', 'a comma list of cluster, type, category, name, providerID or label:<name>, such as cluster,type', '"namespace" is not a property'],
  ])('%s?aggregate=%s is a 400 naming aggregate, what it accepts and why', async (path, value, what, why) => {
    const r = await rig();
    const res = await get(r, `${path}?aggregate=${encodeURIComponent(value)}&${H10_12}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 400, data: null, message: `invalid parameter 'aggregate': got ${JSON.stringify(value)}; accepts ${what} (${why})` });
  });

  it('accepts a step that is a multiple of a finer resolution', async () => {
    const r = await rig({ resolutionMs: 5 * 60_000 });
    expect((await get(r, `/model/allocation?step=10m&${H10_12}`)).status).toBe(200);
    expect((await get(r, `/model/allocation?step=7m&${H10_12}`)).body.message).toBe(
      accepts('step', '7m', 'a duration (such as 1h or 1d) that is a multiple of ETL_RESOLUTION (5m)'),
    );
  });
});

describe('bounded answers', () => {
  const TOO_MANY = (n: number) =>
    `invalid parameter 'window': the answer would hold more than ${n} records; aggregate (aggregate=namespace), accumulate (accumulate=true) or ask for a shorter window`;

  it('refuses an answer of more than maxRecords records with a 400 saying how to narrow it', async () => {
    const r = await rig({ maxRecords: 5 });
    // Two steps of four allocations.
    const res = await get(r, `/model/allocation?${H10_12}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 400, data: null, message: TOO_MANY(5) });
    // Aggregated, or accumulated into one set, the answer fits.
    expect((await sets(r, `/model/allocation?${H10_12}&aggregate=cluster`)).map(keys)).toEqual([
      ['__idle__', 'blue', 'green'],
      ['__idle__', 'blue'],
    ]);
    expect(keys((await sets(r, `/model/allocation?${H10_12}&accumulate=true`))[0])).toHaveLength(4);
    expect((await get(r, `/model/assets?${H10_12}`)).body.message).toBe(TOO_MANY(5));
  });

  it('refuses a window of more steps than the bound, before reading anything', async () => {
    const r = await rig({ maxRecords: 1000 });
    // 1970 to 2200 in hourly steps: two million empty sets, had it been answered.
    const res = await get(r, `/model/assets?window=0,7258118400&step=1h`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      "invalid parameter 'window': the answer would hold more than 1000 sets (2016144 steps of 1h); ask for a longer step (step=1d), accumulate (accumulate=true) or a shorter window",
    );
    expect(r.events).toEqual([]);
    // Accumulated, it is one set.
    expect(await sets(r, `/model/assets?window=0,7258118400&accumulate=true&aggregate=cluster`)).toHaveLength(1);
  });
});

describe('storage', () => {
  it('answers 503 in the envelope while listing the sets fails transiently', async () => {
    const r = await rig({ store: (inner) => delegate(inner, { listSets: () => Promise.reject(connectionRefused()) }) });
    for (const path of ['/model/allocation', '/model/assets']) {
      const res = await get(r, `${path}?${H10_12}`);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        code: 503,
        data: null,
        message: 'storage (memory) is unavailable; events produced meanwhile are held and written when it returns; /readyz has the details',
      });
    }
    expect(r.writer.available).toBe(false);
    expect(r.events).toEqual([]);
  });

  it('answers 503 while reading a set fails transiently', async () => {
    const r = await rig({ store: (inner) => delegate(inner, { loadSet: () => Promise.reject(connectionRefused()) }) });
    const res = await get(r, `/model/allocation?${H10_12}`);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe(503);
  });

  it('leaves a stored set that cannot be read out of the answer and names it in Kubecost\'s warning', async () => {
    const r = await rig({
      store: (inner) =>
        delegate(inner, {
          loadSet: async (k) => {
            const row = await inner.loadSet(k);
            return row && k.start === at('2024-05-03T10:00:00Z') && k.cluster === 'blue' ? { ...row, payload: new Uint8Array([0xff, 0, 1]) } : row;
          },
        }),
    });
    const res = await get(r, `/model/allocation?${H10_12}&filterClusters=blue`);
    expect(res.status).toBe(200);
    const body = res.body as { data: SetJson[]; warning?: string };
    expect(body.warning).toMatch(/^stored allocation set blue 2024-05-03T10:00:00.000Z \(3600s\) cannot be read: .+; the answer leaves it out$/);
    expect(body.data.map((set) => Object.keys(set).length)).toEqual([0, 2]);
  });

  it('answers 500 without internals when storage fails otherwise', async () => {
    const r = await rig({ store: (inner) => delegate(inner, { listSets: () => Promise.reject(new Error('syntax error at or near "FROM"')) }) });
    const res = await get(r, `/model/allocation?${H10_12}`);
    expect(res.status).toBe(500);
    expect(res.body.message).toMatch(/^internal error \(request .+\); the server log has the details$/);
  });
});

describe('events', () => {
  const kinds = (events: readonly EtlEvent[]) => events.map((e) => `${e.kind} ${e.metadata.window?.start ?? ''}–${e.metadata.window?.end ?? ''} ${e.metadata.size ?? ''}`.trim());

  it('publishes Loaded at the first read of a set only', async () => {
    const r = await rig();
    await sets(r, `/model/allocation?${H10_12}`);
    expect(kinds(r.events)).toEqual([
      'AllocationSetLoaded 2024-05-03T10:00:00Z–2024-05-03T11:00:00Z 2',
      'AllocationSetLoaded 2024-05-03T10:00:00Z–2024-05-03T11:00:00Z 2',
      'AllocationSetLoaded 2024-05-03T11:00:00Z–2024-05-03T12:00:00Z 2',
    ]);
    expect(r.events.map((e) => e.cluster)).toEqual(['blue', 'blue', 'blue']);
    expect(r.events.every((e) => e.dedupeKey === undefined)).toBe(true);
    r.events.length = 0;
    // The same query reads nothing again, and the decoded sets serve other shapes of it too.
    await sets(r, `/model/allocation?${H10_12}`);
    await sets(r, `/model/allocation?${H10_12}&idle=false`);
    expect(r.events).toEqual([]);
    // Assets are other sets.
    await sets(r, `/model/assets?${H10_12}&filterClusters=blue`);
    expect(kinds(r.events)).toEqual(['AssetSetLoaded 2024-05-03T10:00:00Z–2024-05-03T11:00:00Z 3', 'AssetSetLoaded 2024-05-03T11:00:00Z–2024-05-03T12:00:00Z 3']);
    // A set replaced in storage (reconciled: a new digest) is read again; the other is still held.
    r.events.length = 0;
    const pair = blueSets(hour('2024-05-03T10:00:00Z'));
    const stamp = { source: 'digest-1', at: at(NOW) };
    await new SetRepository(r.inner).save({ allocations: { ...pair.allocations, reconciled: stamp }, assets: { ...pair.assets, reconciled: stamp } }, HOUR);
    await sets(r, `/model/assets?${H10_12}&filterClusters=blue`);
    expect(kinds(r.events)).toEqual(['AssetSetLoaded 2024-05-03T10:00:00Z–2024-05-03T11:00:00Z 3']);
  });

  it('publishes one Aggregated per query that aggregates, sized by the records returned, over the widened window', async () => {
    const r = await rig();
    await sets(r, `/model/allocation?${q('2024-05-03T10:30:00Z,2024-05-03T12:00:00Z')}&aggregate=namespace`);
    // Step 10:00 holds __idle__, api, shop; step 11:00 __idle__, shop.
    expect(kinds(r.events.filter((e) => !e.kind.endsWith('Loaded')))).toEqual(['AllocationSetAggregated 2024-05-03T10:00:00Z–2024-05-03T12:00:00Z 5']);
    r.events.length = 0;
    await sets(r, `/model/assets?${H10_12}&aggregate=type`);
    expect(kinds(r.events.filter((e) => !e.kind.endsWith('Loaded')))).toEqual(['AssetSetAggregated 2024-05-03T10:00:00Z–2024-05-03T12:00:00Z 6']);
  });

  it('publishes Totaled for accumulate=true, and both for both', async () => {
    const r = await rig();
    await sets(r, `/model/allocation?${H10_12}`);
    r.events.length = 0;
    await sets(r, `/model/allocation?${H10_12}&accumulate=true`);
    expect(kinds(r.events)).toEqual(['AllocationSetTotaled 2024-05-03T10:00:00Z–2024-05-03T12:00:00Z']);
    r.events.length = 0;
    await sets(r, `/model/allocation?${H10_12}&accumulate=true&aggregate=namespace`);
    expect(kinds(r.events)).toEqual(['AllocationSetAggregated 2024-05-03T10:00:00Z–2024-05-03T12:00:00Z 3', 'AllocationSetTotaled 2024-05-03T10:00:00Z–2024-05-03T12:00:00Z']);
  });
});

describe('the answer', () => {
  it('is gzipped when the client accepts it, the same JSON', async () => {
    const r = await rig();
    const plain = await r.app.inject({ method: 'GET', url: `/model/allocation?${H10_12}` });
    const zipped = await r.app.inject({ method: 'GET', url: `/model/allocation?${H10_12}`, headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toBe('Origin, Accept-Encoding');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.payload);
  });

  it('is byte for byte the body built as one string from the previous renderer: seeded random sets, an empty step, a warning', async () => {
    const unreadable = at('2024-05-05T01:00:00Z');
    const r = await rig({
      store: (inner) =>
        delegate(inner, {
          loadSet: async (k) => {
            const row = await inner.loadSet(k);
            return row && k.start === unreadable ? { ...row, payload: new Uint8Array([0xff, 0, 1]) } : row;
          },
        }),
    });
    const next = randomAllocationSets({ seed: 19, window: hour('2024-05-05T00:00:00Z'), records: 1500, awkwardNames: true });
    const repo = new SetRepository(r.inner);
    for (const h of ['2024-05-05T00:00:00Z', '2024-05-05T01:00:00Z', '2024-05-05T02:00:00Z']) {
      const allocations = next(hour(h));
      await repo.save({ allocations, assets: { cluster: allocations.cluster, window: allocations.window, assets: [] } }, HOUR);
    }
    const res = await r.app.inject({ method: 'GET', url: `/model/allocation?${q('2024-05-05T00:00:00Z,2024-05-05T04:00:00Z')}` });
    expect(res.statusCode).toBe(200);
    const answer = await r.queries.allocation({ window: { start: at('2024-05-05T00:00:00Z'), end: at('2024-05-05T04:00:00Z') }, accumulate: false, idle: true });
    expect(answer.sets.map((set) => set.allocations.length > 0)).toEqual([true, false, true, false]);
    expect(answer.warnings).toHaveLength(1);
    const text = `{"code":200,"data":[${answer.sets.map(previousRenderAllocationSet).join(',')}],"warning":${JSON.stringify(answer.warnings.join('; '))}}`;
    // As one character per byte (latin1): equal text is equal bytes.
    expect(res.rawPayload.toString('latin1')).toBe(Buffer.from(text).toString('latin1'));
  });

  it('validates against the response schemas of the OpenAPI document', async () => {
    const r = await rig();
    const check = (schema: object, body: unknown): void => {
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats.default(ajv);
      const validate = ajv.compile(schema);
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    };
    const window = q('2024-05-03T00:00:00Z,2024-05-04T02:00:00Z');
    for (const more of ['', '&accumulate=true', '&aggregate=namespace', '&aggregate=label:app&idle=false', '&step=2h']) {
      const res = await get(r, `/model/allocation?${window}${more}`);
      expect(res.status).toBe(200);
      check(AllocationResponseSchema, res.body);
    }
    for (const more of ['', '&accumulate=true', '&aggregate=type', '&aggregate=cluster,label:app']) {
      const res = await get(r, `/model/assets?${window}${more}`);
      expect(res.status).toBe(200);
      check(AssetResponseSchema, res.body);
    }
  });
});

describe('conditional requests', () => {
  const url = '/model/allocation?window=2024-05-03T10:00:00Z,2024-05-03T12:00:00Z&aggregate=namespace';

  it('answers If-None-Match with the ETag 304, no body, and without running the query (no Aggregated event)', async () => {
    const r = await rig();
    const first = await r.app.inject(url);
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = String(first.headers['etag']);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const published = r.events.length;
    expect(r.events.at(-1)?.kind).toBe('AllocationSetAggregated');
    const again = await r.app.inject({ url, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.payload).toBe('');
    expect(again.headers['etag']).toBe(etag);
    expect(r.events).toHaveLength(published);
  });

  it('changes the ETag when a set the query reads is stored, and with the query', async () => {
    const r = await rig();
    const etag = String((await r.app.inject(url)).headers['etag']);
    expect((await r.app.inject({ url: `${url},label:app`, headers: { 'if-none-match': etag } })).statusCode).toBe(200);
    await new SetRepository(r.inner).save(greenSets(hour('2024-05-03T11:00:00Z')), HOUR);
    const changed = await r.app.inject({ url, headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers['etag']).not.toBe(etag);
  });

  it('gives each coding its own ETag (a strong validator names one representation)', async () => {
    const r = await rig();
    const plain = String((await r.app.inject('/model/assets?window=2024-05-03T10:00:00Z,2024-05-03T12:00:00Z')).headers['etag']);
    const zipped = String((await r.app.inject({ url: '/model/assets?window=2024-05-03T10:00:00Z,2024-05-03T12:00:00Z', headers: { 'accept-encoding': 'gzip' } })).headers['etag']);
    expect(zipped).toBe(`${plain.slice(0, -1)}-gzip"`);
  });
});
