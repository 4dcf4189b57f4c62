import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { buildCloudEyeTestApp, NOW, type CloudEyeTestApp } from '../support/cloud-eye.js';
import { matchesIfNoneMatch } from '../../src/http/etag.js';

let t: TestApp | CloudEyeTestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

describe('conditional requests on the ETL log and the audit events', () => {
  it('answers 304 with no body while the log is unchanged, 200 with a new ETag once it changes', async () => {
    const a = (t = buildTestApp({ now: '2024-05-03T08:00:00Z' }));
    a.publishEtl('AllocationSetSaved', { size: 4 });
    await a.writer.idle();
    const first = await a.app.inject('/model/etl/log');
    const etag = String(first.headers['etag']);
    expect(first.headers['cache-control']).toBe('no-cache');
    const same = await a.app.inject({ url: '/model/etl/log', headers: { 'if-none-match': `"other", ${etag}` } });
    expect(same.statusCode).toBe(304);
    expect(same.rawPayload.length).toBe(0);
    // The cost-model path is the same answer: the same tag.
    expect((await a.app.inject({ url: '/etl/log', headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    a.publishEtl('AssetSetSaved', { size: 2 });
    await a.writer.idle();
    const changed = await a.app.inject({ url: '/model/etl/log', headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers['etag']).not.toBe(etag);
    // Another query, another answer: another tag.
    expect((await a.app.inject({ url: '/model/etl/log?kind=AssetSet', headers: { 'if-none-match': String(changed.headers['etag']) } })).statusCode).toBe(200);
  });

  it('tags audit answers by the audit revision and the query', async () => {
    const a = (t = buildTestApp());
    const first = await a.app.inject('/model/audit/events?count=3');
    expect(first.statusCode).toBe(200);
    const etag = String(first.headers['etag']);
    expect((await a.app.inject({ url: '/model/audit/events?count=3', headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    expect((await a.app.inject({ url: '/model/audit/events?count=4', headers: { 'if-none-match': etag } })).statusCode).toBe(200);
  });

  it('compares If-None-Match weakly, and * matches any', () => {
    expect(matchesIfNoneMatch('W/"abc"', '"abc"')).toBe(true);
    expect(matchesIfNoneMatch('*', '"abc"')).toBe(true);
    expect(matchesIfNoneMatch('"abd"', '"abc"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"abc"')).toBe(false);
  });
});

describe('conditional requests on the Cloud Eye summary and details', () => {
  const report = [{ event_name: 'deploy', event_source: 'CI.RELEASE', time: NOW - 1000, detail: { event_state: 'normal', event_level: 'Minor' } }];

  it('answers 304 until a report changes the summary, and compresses as the Kubecost routes do', async () => {
    const c = (t = buildCloudEyeTestApp());
    const first = await c.get('/cluster-one/events');
    expect(first.statusCode).toBe(200);
    const etag = String(first.headers['etag']);
    expect((await c.app.inject({ url: '/V1.0/cluster-one/events', headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    expect((await c.post('/cluster-one/events', report)).statusCode).toBe(201);
    const after = await c.app.inject({ url: '/V1.0/cluster-one/events', headers: { 'if-none-match': etag, 'accept-encoding': 'br' } });
    expect(after.statusCode).toBe(200);
    expect(after.headers['content-encoding']).toBe('br');
    expect(after.headers['etag']).toMatch(/-br"$/);
    const details = await c.get('/cluster-one/event/deploy?event_type=EVENT.CUSTOM');
    expect(details.statusCode).toBe(200);
    const detailsTag = String(details.headers['etag']);
    expect((await c.app.inject({ url: '/V1.0/cluster-one/event/deploy?event_type=EVENT.CUSTOM', headers: { 'if-none-match': detailsTag } })).statusCode).toBe(304);
    expect((await c.app.inject({ url: '/V1.0/cluster-one/event/other?event_type=EVENT.CUSTOM', headers: { 'if-none-match': detailsTag } })).statusCode).toBe(200);
  });
});
