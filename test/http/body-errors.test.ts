import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT } from '../../src/app.js';
import { bodyTooLargeMessage, bytesText } from '../../src/http/body-errors.js';
import { buildCloudEyeTestApp, cesError, type CloudEyeTestApp } from '../support/cloud-eye.js';

// A body Fastify cannot read (too large, not the JSON its type says) on a request no route takes is
// answered as the request it is, a 404 or a 405: fixing the body would only lead to that answer. On a
// route, a body over the limit is a 413 that says the limit and what to do instead.

let t: CloudEyeTestApp;
beforeEach(() => {
  t = buildCloudEyeTestApp({ clusterId: 'cluster-one' });
});
afterEach(async () => {
  await t.app.close();
});

const json = { 'content-type': 'application/json' };
const tooLarge = 'x'.repeat(DEFAULT_BODY_LIMIT + 1);

describe('a body Fastify cannot read, on a request no route takes', () => {
  it('is a 405 naming the methods when the path answers others: JSON that does not parse', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/model/etl/log', headers: json, payload: '{' });
    expect(res.statusCode).toBe(405);
    expect(res.headers['allow']).toBe('GET, HEAD, OPTIONS');
    expect(res.json()).toEqual({ code: 405, data: null, message: '/model/etl/log does not answer PUT; it answers GET, HEAD, OPTIONS' });
  });

  it('is a 405 for a body over the limit too', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/model/etl/log', headers: json, payload: tooLarge });
    expect(res.statusCode).toBe(405);
    expect(res.json()).toEqual({ code: 405, data: null, message: '/model/etl/log does not answer POST; it answers GET, HEAD, OPTIONS' });
  });

  it('is a 404 on a path nobody serves', async () => {
    const bad = await t.app.inject({ method: 'DELETE', url: '/nothing/here', headers: json, payload: '{' });
    expect(bad.json()).toEqual({ code: 404, data: null, message: 'no route for DELETE /nothing/here' });
    const large = await t.app.inject({ method: 'PATCH', url: '/nothing/here', headers: json, payload: tooLarge });
    expect(large.json()).toEqual({ code: 404, data: null, message: 'no route for PATCH /nothing/here' });
  });

  it('is Cloud Eye’s 405 and 404 under /V1.0', async () => {
    const wrongMethod = await t.app.inject({ method: 'PUT', url: '/V1.0/cluster-one/events', headers: json, payload: '{' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET, HEAD, POST, OPTIONS');
    expect(wrongMethod.json()).toEqual(cesError(405, '405', '/V1.0/cluster-one/events does not answer PUT; it answers GET, HEAD, POST, OPTIONS'));
    const nowhere = await t.app.inject({ method: 'POST', url: '/V1.0/cluster-one/alarms', headers: json, payload: tooLarge });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.json<ReturnType<typeof cesError>>().message.code).toBe('ces.0016');
  });
});

describe('a body over the limit, on a route', () => {
  it('is a 413 saying the limit and that a route without a body takes none', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/model/notify/test?route=ops', headers: json, payload: tooLarge });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ code: 413, data: null, message: 'the body is larger than 1048576 bytes (1 MiB); POST /model/notify/test takes no body' });
  });

  it('still parses a body that fits, where a route takes one, and refuses what it is', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/model/etl/log', headers: json, payload: '{}' });
    expect(res.statusCode).toBe(405);
    const report = await t.app.inject({ method: 'POST', url: '/V1.0/cluster-one/events', headers: json, payload: '{' });
    expect(report.statusCode).toBe(400);
    expect(report.json<ReturnType<typeof cesError>>().message.code).toBe('ces.0014');
  });
});

describe('bytesText and bodyTooLargeMessage', () => {
  it('give the bytes and the MiB', () => {
    expect(bytesText(5 * 2 ** 20)).toBe('5242880 bytes (5 MiB)');
    expect(bytesText(1536 * 1024)).toBe('1572864 bytes (1.50 MiB)');
    expect(bytesText(1024)).toBe('1024 bytes (1 KiB)');
    expect(bytesText(1000)).toBe('1000 bytes');
    expect(bodyTooLargeMessage(64 * 1024, 'send less')).toBe('the body is larger than 65536 bytes (64 KiB); send less');
  });
});
