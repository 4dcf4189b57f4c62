import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { buildTestApp, hourWindow, type TestApp } from '../support/app.js';
import { realToolAvailable } from '../support/real-tools.js';
import { switchableStore } from '../support/stores.js';

const CURL = '/usr/bin/curl';

let t: TestApp;
afterEach(async () => {
  await t.app.close();
});

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await t.app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>(), headers: res.headers, raw: res.rawPayload };
};

describe('GET /model/etl/log', () => {
  it('answers an empty log in the Kubecost envelope', async () => {
    t = buildTestApp();
    const res = await get('/model/etl/log');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ code: 200, data: { allocation: [], asset: [], counters: {} } });
  });

  it('reproduces the documented example byte for byte', async () => {
    t = buildTestApp({ now: '2022-06-03T16:58:41.289Z' });
    t.clock.tickNs(194_368n);
    t.publishEtl('AllocationSetAggregated', { size: 35, window: { start: '2022-06-03T00:00:00Z', end: '2022-06-04T00:00:00Z' } });
    t.clock.advance(9 * 60_000 + 12_803.425048);
    t.publishEtl('AllocationSetSaved', { size: 97, window: hourWindow('2022-06-03T10:00:00Z') });
    t.publishEtl('AssetSetTotaled', { window: { start: '2022-06-03T00:00:00Z', end: '2022-06-04T00:00:00Z' } });
    const res = await t.app.inject('/model/etl/log');
    expect(res.payload).toBe(
      '{"code":200,"data":{"allocation":[' +
        '{"kind":"AllocationSetAggregated","metadata":{"size":35,"window":{"start":"2022-06-03T00:00:00Z","end":"2022-06-04T00:00:00Z"}},"time":"2022-06-03T16:58:41.289194368Z"},' +
        '{"kind":"AllocationSetSaved","metadata":{"size":97,"window":{"start":"2022-06-03T10:00:00Z","end":"2022-06-03T11:00:00Z"}},"time":"2022-06-03T17:07:54.092619416Z"}],' +
        '"asset":[{"kind":"AssetSetTotaled","metadata":{"window":{"start":"2022-06-03T00:00:00Z","end":"2022-06-04T00:00:00Z"}},"time":"2022-06-03T17:07:54.092619416Z"}],' +
        '"counters":{"AllocationSetAggregated":1,"AllocationSetSaved":1,"AssetSetTotaled":1}}}',
    );
  });

  it('carries the reason of an error kind in metadata.error', async () => {
    t = buildTestApp();
    t.publishEtl('AssetSetReconcileError', { window: hourWindow('2024-05-03T07:00:00Z'), error: 'billing export not found: /data/focus.csv' });
    const res = await get('/model/etl/log');
    expect(res.body).toMatchObject({
      data: { asset: [{ kind: 'AssetSetReconcileError', metadata: { error: 'billing export not found: /data/focus.csv' } }] },
    });
  });

  it('serves the most recent events per category and counters beyond the capacity', async () => {
    t = buildTestApp({ capacity: 3 });
    for (let i = 0; i < 10; i++) t.publishEtl('AllocationSetSaved', { size: i });
    t.publishEtl('AssetSetSaved', { size: 1 });
    const res = await get('/model/etl/log');
    const data = res.body.data as { allocation: { metadata: { size: number } }[]; asset: unknown[]; counters: unknown };
    expect(data.allocation.map((e) => e.metadata.size)).toEqual([7, 8, 9]);
    expect(data.asset).toHaveLength(1);
    expect(data.counters).toEqual({ AllocationSetSaved: 10, AssetSetSaved: 1 });
  });

  describe('kind', () => {
    const setup = () => {
      t = buildTestApp();
      t.publishEtl('AllocationSetSaved', { size: 1 });
      t.publishEtl('AllocationSetLoaded', { size: 2 });
      t.publishEtl('AssetSetSaved', { size: 3 });
      t.publishEtl('AssetSetTotaled', {});
    };
    const kinds = (body: Record<string, unknown>) => {
      const d = body.data as { allocation: { kind: string }[]; asset: { kind: string }[] };
      return [...d.allocation, ...d.asset].map((e) => e.kind);
    };

    it('keeps one kind by its full name', async () => {
      setup();
      expect(kinds((await get('/model/etl/log?kind=AllocationSetSaved')).body)).toEqual(['AllocationSetSaved']);
    });

    it('keeps a whole category by the prefix AssetSet', async () => {
      setup();
      expect(kinds((await get('/model/etl/log?kind=AssetSet')).body)).toEqual(['AssetSetSaved', 'AssetSetTotaled']);
    });

    it('accepts the older Event suffix and a comma list', async () => {
      setup();
      expect(kinds((await get('/model/etl/log?kind=AllocationSetLoadedEvent,AssetSetSaved')).body)).toEqual(['AllocationSetLoaded', 'AssetSetSaved']);
    });

    it('does not filter the counters', async () => {
      setup();
      const res = await get('/model/etl/log?kind=AssetSetTotaled');
      expect((res.body.data as { counters: Record<string, number> }).counters).toEqual({
        AllocationSetLoaded: 1,
        AllocationSetSaved: 1,
        AssetSetSaved: 1,
        AssetSetTotaled: 1,
      });
    });

    it('treats an empty kind as no filter', async () => {
      setup();
      expect(kinds((await get('/model/etl/log?kind=')).body)).toHaveLength(4);
    });

    it('refuses an unknown kind with a 400 that lists the known kinds', async () => {
      setup();
      const res = await get('/model/etl/log?kind=AssetSet,Nonsense');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(400);
      expect(res.body.data).toBeNull();
      expect(res.body.message).toMatch(/^invalid parameter 'kind': got "AssetSet,Nonsense"; accepts a comma list of kind prefixes/);
      expect(res.body.message).toContain('AllocationSetSaved, AllocationSetLoaded,');
      expect(res.body.message).toContain('(no kind starts with "Nonsense")');
    });
  });

  describe('window', () => {
    const setup = () => {
      t = buildTestApp({ now: '2024-05-03T06:00:00Z' });
      t.publishEtl('AllocationSetSaved', { size: 1 }); // 06:00
      t.clock.advance(90 * 60_000);
      t.publishEtl('AllocationSetSaved', { size: 2 }); // 07:30
      t.clock.advance(31 * 60_000 + 4_000); // now 08:01:04
      t.publishEtl('AssetSetSaved', { size: 3 });
    };
    const sizes = (body: Record<string, unknown>) => {
      const d = body.data as { allocation: { metadata: { size: number } }[]; asset: { metadata: { size: number } }[] };
      return [...d.allocation, ...d.asset].map((e) => e.metadata.size);
    };

    it('selects events by their time with a duration', async () => {
      setup();
      // 1h at 08:01:04 is [08:00, 09:00): only the asset event.
      expect(sizes((await get('/model/etl/log?window=1h')).body)).toEqual([3]);
      expect(sizes((await get('/model/etl/log?window=2h')).body)).toEqual([2, 3]);
    });

    it('selects by an RFC 3339 pair, start inclusive and end exclusive', async () => {
      setup();
      expect(sizes((await get('/model/etl/log?window=2024-05-03T06:00:00Z,2024-05-03T07:30:00Z')).body)).toEqual([1]);
    });

    it('selects by a pair of unix seconds', async () => {
      setup();
      const start = Date.parse('2024-05-03T07:00:00Z') / 1000;
      expect(sizes((await get(`/model/etl/log?window=${start},${start + 7200}`)).body)).toEqual([2, 3]);
    });

    it('selects by keyword', async () => {
      setup();
      expect(sizes((await get('/model/etl/log?window=today')).body)).toEqual([1, 2, 3]);
      expect(sizes((await get('/model/etl/log?window=yesterday')).body)).toEqual([]);
    });

    it('combines with kind', async () => {
      setup();
      expect(sizes((await get('/model/etl/log?window=2h&kind=AllocationSet')).body)).toEqual([2]);
    });

    it('answers again after new events with the new events included', async () => {
      setup();
      expect(sizes((await get('/model/etl/log?window=1h')).body)).toEqual([3]);
      t.publishEtl('AssetSetSaved', { size: 4 });
      expect(sizes((await get('/model/etl/log?window=1h')).body)).toEqual([3, 4]);
    });

    it.each([
      ['an unknown word', 'fortnight'],
      ['an upper-case unit', '2H'],
      ['trailing junk', '2024-05-03T06:00:00Z,2024-05-03T08:00:00Zjunk'],
    ])('refuses %s with a 400 naming window and its forms', async (_name, value) => {
      setup();
      const res = await get(`/model/etl/log?window=${encodeURIComponent(value)}`);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(
        `invalid parameter 'window': got ${JSON.stringify(value)}; accepts today, yesterday, week, month, lastweek, lastmonth, ` +
          'a duration (30m, 12h, 7d, 2w), "<duration> offset <duration>", a pair of unix seconds (1586822400,1586908800) ' +
          'or of RFC 3339 times (2020-04-01T00:00:00Z,2020-04-03T00:00:00Z)',
      );
    });

    it('refuses a reversed pair with a 400 saying it is reversed, not listing the forms again', async () => {
      setup();
      const res = await get(`/model/etl/log?window=${encodeURIComponent('2024-05-03T08:00:00Z,2024-05-03T06:00:00Z')}`);
      expect([res.status, res.body.message]).toEqual([
        400,
        `invalid parameter 'window': got "2024-05-03T08:00:00Z,2024-05-03T06:00:00Z"; accepts %s`.replace('%s', 'a start no later than its end (this pair is reversed: give the earlier time first)'),
      ]);
    });
  });

  describe('bad requests', () => {
    it('refuses a parameter given twice', async () => {
      t = buildTestApp();
      const res = await get('/model/etl/log?kind=AssetSet&kind=AllocationSet');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ code: 400, data: null, message: "parameter 'kind' was given more than once; give it once" });
    });

    it('ignores unknown parameters, as Kubecost does', async () => {
      t = buildTestApp();
      expect((await get('/model/etl/log?foo=bar&count=3')).status).toBe(200);
    });

    it('answers an unknown route with a JSON 404', async () => {
      t = buildTestApp();
      const res = await get('/model/etl/logs?x=1');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: 404, data: null, message: 'no route for GET /model/etl/logs' });
    });

    it('answers a malformed URL in the envelope', async () => {
      t = buildTestApp();
      const res = await get('/model/etl/%E0%A4%A');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 400, data: null });
    });

    it('answers a wrong method with a 405 in the envelope, naming the methods it answers', async () => {
      t = buildTestApp();
      const res = await t.app.inject({ method: 'DELETE', url: '/model/etl/log' });
      expect(res.statusCode).toBe(405);
      expect(res.headers['allow']).toBe('GET, HEAD, OPTIONS');
      expect(res.json()).toEqual({ code: 405, data: null, message: '/model/etl/log does not answer DELETE; it answers GET, HEAD, OPTIONS' });
    });
  });

  describe('compression', () => {
    const setup = () => {
      t = buildTestApp();
      for (let i = 0; i < 200; i++) t.publishEtl(i % 2 ? 'AssetSetSaved' : 'AllocationSetSaved', { size: i, window: hourWindow('2024-05-03T07:00:00Z') });
    };

    it('sends gzip when the client accepts it, with the same JSON inside', async () => {
      setup();
      const plain = await get('/model/etl/log');
      const res = await t.app.inject({ url: '/model/etl/log', headers: { 'accept-encoding': 'gzip, deflate' } });
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(res.headers.vary).toBe('Origin, Accept-Encoding');
      expect(gunzipSync(res.rawPayload).toString()).toBe(plain.raw.toString());
      expect(res.rawPayload.length).toBeLessThan(plain.raw.length / 5);
    });

    it('prefers br when the client accepts both', async () => {
      setup();
      const plain = await get('/model/etl/log');
      const res = await t.app.inject({ url: '/model/etl/log', headers: { 'accept-encoding': 'gzip, br' } });
      expect(res.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(res.rawPayload).toString()).toBe(plain.raw.toString());
    });

    it('answers, after each append to full rings, the JSON of that revision in every coding, with one ETag per revision and coding', async () => {
      t = buildTestApp({ capacity: 150 });
      const publish = (i: number) => {
        t.clock.tickNs(BigInt(1_000_003 * (i % 89) + 17));
        t.publishEtl(i % 3 ? 'AllocationSetSaved' : 'AssetSetLoaded', { size: i, window: hourWindow('2024-05-03T07:00:00Z') });
      };
      for (let i = 0; i < 400; i++) publish(i);
      const seen = new Set<string>();
      for (let i = 400; i < 460; i++) {
        publish(i);
        const plain = await get('/model/etl/log');
        const gzip = await t.app.inject({ url: '/model/etl/log', headers: { 'accept-encoding': 'gzip' } });
        const br = await t.app.inject({ url: '/model/etl/log', headers: { 'accept-encoding': 'br' } });
        const data = plain.body['data'] as { allocation: { metadata: { size: number } }[] };
        expect(data.allocation.at(-1)?.metadata.size).toBe(i % 3 ? i : i - 1);
        expect(gunzipSync(gzip.rawPayload).equals(plain.raw)).toBe(true);
        expect(brotliDecompressSync(br.rawPayload).equals(plain.raw)).toBe(true);
        const tags = [plain.headers['etag'], gzip.headers['etag'], br.headers['etag']].map(String);
        expect(tags[1]).toBe(tags[0]?.replace(/"$/, '-gzip"'));
        for (const tag of tags) {
          expect(seen.has(tag)).toBe(false);
          seen.add(tag);
        }
        const again = await t.app.inject({ url: '/model/etl/log', headers: { 'accept-encoding': 'gzip', 'if-none-match': String(gzip.headers['etag']) } });
        expect(again.statusCode).toBe(304);
      }
    });

    it.skipIf(!realToolAvailable('curl', CURL, 'Install curl built with brotli'))(
      'answers full rings of 1000 in br that curl --compressed reads as the identity answer, after appends, with 304 on its ETag',
      async () => {
        t = buildTestApp({ capacity: 1000 });
        const publish = (i: number) => {
          t.clock.tickNs(BigInt(1_000_003 * (i % 89) + 17));
          t.publishEtl(i % 5 < 2 ? 'AssetSetSaved' : 'AllocationSetAggregated', { size: i, window: hourWindow('2024-05-03T07:00:00Z') });
        };
        for (let i = 0; i < 2600; i++) publish(i);
        const url = `${await t.app.listen({ port: 0, host: '127.0.0.1' })}/model/etl/log`;
        const curl = promisify(execFile);
        for (let i = 2600; i < 2640; i += 7) {
          for (let k = i; k < i + 7; k++) publish(k);
          const plain = await get('/model/etl/log');
          const { stdout } = await curl(CURL, ['-sS', '--compressed', '-H', 'accept-encoding: br', url], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
          expect(stdout.equals(plain.raw), `after ${i + 7} appends`).toBe(true);
          const br = await t.app.inject({ url: '/model/etl/log', headers: { 'accept-encoding': 'br' } });
          expect(br.headers['content-encoding']).toBe('br');
          expect(brotliDecompressSync(br.rawPayload).equals(plain.raw)).toBe(true);
          const again = await t.app.inject({ url: '/model/etl/log', headers: { 'accept-encoding': 'br', 'if-none-match': String(br.headers['etag']) } });
          expect(again.statusCode).toBe(304);
        }
      },
    );

    it('sends identity when the client refuses the codings', async () => {
      setup();
      const res = await t.app.inject({ url: '/model/etl/log', headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } });
      expect(res.headers['content-encoding']).toBeUndefined();
    });
  });

  it('keeps clusters apart with filterClusters and sums the counters of the clusters selected', async () => {
    t = buildTestApp();
    t.publishEtl('AllocationSetSaved', { size: 1 }, 'blue');
    t.publishEtl('AllocationSetSaved', { size: 2 }, 'green');
    t.publishEtl('AssetSetSaved', { size: 3 }, 'green');
    const blue = await get('/model/etl/log?filterClusters=blue');
    expect(blue.body).toEqual({
      code: 200,
      data: { allocation: [{ kind: 'AllocationSetSaved', metadata: { size: 1 }, time: '2024-05-03T08:01:04.000000000Z' }], asset: [], counters: { AllocationSetSaved: 1 } },
    });
    expect((await get('/model/etl/log?filterClusters=blue,green')).body).toMatchObject({ data: { counters: { AllocationSetSaved: 2, AssetSetSaved: 1 } } });
    expect((await get('/model/etl/log')).body).toMatchObject({ data: { counters: { AllocationSetSaved: 2, AssetSetSaved: 1 } } });
    const bad = await get('/model/etl/log?filterClusters=blue;drop');
    expect(bad.status).toBe(400);
    expect(bad.body['message']).toMatch(/^invalid parameter 'filterClusters': got "blue;drop"; accepts a comma list of cluster ids/);
  });

  it('answers 503 STORAGE_UNAVAILABLE while storage is down, /readyz says why, and nothing published meanwhile is lost', async () => {
    const db = switchableStore(new MemoryStore({ etlLogCapacity: 10, auditCapacity: 10 }));
    t = buildTestApp({ store: db.store });
    t.readiness.register({ name: 'storage', status: () => t.writer.status() });
    t.publishEtl('AllocationSetSaved', { size: 1 });
    await t.writer.idle();
    db.setDown(true);
    t.publishEtl('AllocationSetSaved', { size: 2 });
    await t.writer.idle();
    const down = await get('/model/etl/log');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      code: 503,
      data: null,
      message: 'storage (postgres) is unavailable; events produced meanwhile are held and written when it returns; /readyz has the details',
    });
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body['message']).toBe(
      'not ready: storage (unavailable: postgres://postgres:***@db/test: connect ECONNREFUSED 127.0.0.1:5432 (since 2024-05-03T08:01:04.000000000Z); 1 records queued, 0 dropped since start)',
    );
    db.setDown(false);
    t.clock.advance(250);
    await t.writer.idle();
    expect((await get('/readyz')).status).toBe(200);
    const back = await get('/model/etl/log');
    expect((back.body['data'] as { allocation: { metadata: { size: number } }[] }).allocation.map((e) => e.metadata.size)).toEqual([1, 2]);
  });
});
