import { afterEach, describe, expect, it } from 'vitest';
import { TokenGrants } from '../../src/cloud-eye/token-grants.js';
import { buildCloudEyeTestApp, cesError, reportItem, tokenFileText, type CloudEyeTestApp } from '../support/cloud-eye.js';

// CES_RATE_LIMIT requests per CES_RATE_LIMIT_WINDOW, counted per token (per address when the
// routes are open), on the injected clock; past it a 429 in Cloud Eye's body.

const ALL = ['ces:events:list', 'ces:events:get', 'ces:events:post'];

let t: CloudEyeTestApp;
afterEach(async () => {
  await t.app.close();
});

const fromAddress = (ip: string) => t.app.inject({ method: 'GET', url: '/V1.0/cluster-one/events', remoteAddress: ip });

describe('the Cloud Eye rate limit', () => {
  it('answers 429 past the limit in the window, per token, and lets the next window through', async () => {
    const grants = TokenGrants.parse(tokenFileText([{ token: 'a', projects: ['*'], actions: ALL }, { token: 'b', projects: ['*'], actions: ALL }]));
    t = buildCloudEyeTestApp({ access: { grants }, rateLimit: { max: 3, windowMs: 60_000 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.get('/cluster-one/events', 'a')).statusCode);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await t.post('/cluster-one/events', [reportItem()], 'a');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual(cesError(429, '429', 'too many requests: the limit is 3 per 60 s for each token; retry in 1 minute'));
    expect(limited.headers['retry-after']).toBe('60');
    // Another token has its own count.
    expect((await t.get('/cluster-one/events', 'b')).statusCode).toBe(200);
    t.clock.advance(59_999);
    expect((await t.get('/cluster-one/events', 'a')).statusCode).toBe(429);
    t.clock.advance(1);
    expect((await t.get('/cluster-one/events', 'a')).statusCode).toBe(200);
  });

  it('counts requests without a valid token by address, so guessing tokens is limited too', async () => {
    t = buildCloudEyeTestApp({ access: { grants: TokenGrants.parse(tokenFileText([])) }, rateLimit: { max: 2, windowMs: 1_000 } });
    expect((await t.get('/cluster-one/events', 'guess-1')).statusCode).toBe(401);
    expect((await t.get('/cluster-one/events', 'guess-2')).statusCode).toBe(401);
    expect((await t.get('/cluster-one/events', 'guess-3')).json()).toEqual(cesError(429, '429', 'too many requests: the limit is 2 per 1 s for each address; retry in 1 second'));
  });

  it('counts per address when the routes are open', async () => {
    t = buildCloudEyeTestApp({ rateLimit: { max: 1, windowMs: 1_000 } });
    expect((await fromAddress('10.0.0.1')).statusCode).toBe(200);
    const limited = await fromAddress('10.0.0.1');
    expect(limited.json()).toEqual(cesError(429, '429', 'too many requests: the limit is 1 per 1 s for each address; retry in 1 second'));
    expect((await fromAddress('10.0.0.2')).statusCode).toBe(200);
  });

  it('is off with CES_RATE_LIMIT=0', async () => {
    t = buildCloudEyeTestApp({ rateLimit: { max: 0, windowMs: 1_000 } });
    for (let i = 0; i < 50; i++) expect((await t.get('/cluster-one/events')).statusCode).toBe(200);
  });

  it('applies to the Cloud Eye routes only', async () => {
    t = buildCloudEyeTestApp({ rateLimit: { max: 1, windowMs: 60_000 } });
    await t.get('/cluster-one/events');
    expect((await t.get('/cluster-one/events')).statusCode).toBe(429);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/model/etl/log' })).statusCode).toBe(200);
  });
});
