import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildCloudEyeTestApp, type CloudEyeTestApp } from '../support/cloud-eye.js';

let t: CloudEyeTestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

const preflight = (path: string, origin: string) => ({
  method: 'OPTIONS' as const,
  url: path,
  headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-auth-token' },
});

const ALLOWED_HEADERS = 'Accept, Accept-Encoding, Authorization, Content-Type, If-None-Match, X-Auth-Token, X-Project-Id, X-Request-Id, X-Sdk-Date';

describe('CORS with the default CORS_ALLOWED_ORIGINS=*', () => {
  it('answers a preflight 204 with the methods, the headers, a max age and Vary: Origin, no credentials', async () => {
    t = buildCloudEyeTestApp();
    const answer = await t.app.inject(preflight('/model/etl/log', 'https://dash.example.com'));
    expect(answer.statusCode).toBe(204);
    expect(answer.payload).toBe('');
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, OPTIONS');
    expect(answer.headers['access-control-allow-headers']).toBe(ALLOWED_HEADERS);
    expect(answer.headers['access-control-max-age']).toBe('600');
    expect(answer.headers['vary']).toContain('Origin');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('lets any page read an answer, with the headers it may read', async () => {
    t = buildCloudEyeTestApp();
    const answer = await t.app.inject({ url: '/model/etl/log', headers: { origin: 'https://dash.example.com' } });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-expose-headers']).toBe('ETag, Warning, X-Ignored-Kinds, X-Request-Id, Retry-After, Allow');
    expect(answer.headers['vary']).toContain('Origin');
  });

  it('answers a Cloud Eye preflight before the token check, never allowing credentials', async () => {
    t = buildCloudEyeTestApp();
    const answer = await t.app.inject(preflight('/V1.0/cluster-one/events', 'https://dash.example.com'));
    expect(answer.statusCode).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('CORS with a list of origins', () => {
  const origins = ['https://dash.example.com', 'http://localhost:3000'];

  it('reflects a listed origin, with credentials on the Kubecost routes', async () => {
    t = buildCloudEyeTestApp({ corsOrigins: origins });
    const answer = await t.app.inject(preflight('/model/audit/events', 'http://localhost:3000'));
    expect(answer.statusCode).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
    expect(answer.headers['vary']).toContain('Origin');
  });

  it('never allows credentials on the Cloud Eye routes', async () => {
    t = buildCloudEyeTestApp({ corsOrigins: origins });
    for (const request of [preflight('/V1.0/cluster-one/events', 'https://dash.example.com'), { url: '/V1.0/cluster-one/events', headers: { origin: 'https://dash.example.com' } }]) {
      const answer = await t.app.inject(request);
      expect(answer.headers['access-control-allow-origin']).toBe('https://dash.example.com');
      expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    }
  });

  it('gives an origin not listed no Access-Control-Allow-Origin, so its page cannot read the answer', async () => {
    t = buildCloudEyeTestApp({ corsOrigins: origins });
    const answer = await t.app.inject({ url: '/model/etl/log', headers: { origin: 'https://evil.example.net' } });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers['vary']).toContain('Origin');
  });
});

describe('the setting CORS_ALLOWED_ORIGINS', () => {
  const parse = (raw: string) => {
    const r = loadConfig({ CORS_ALLOWED_ORIGINS: raw });
    if (r.help) throw new Error('help');
    return r.config.corsAllowedOrigins;
  };

  it('takes * or a comma list of origins', () => {
    expect(parse('*')).toBe('*');
    expect(parse('https://a.example.com, http://localhost:3000')).toEqual(['https://a.example.com', 'http://localhost:3000']);
  });

  it('refuses what is not an origin, naming the setting', () => {
    expect(() => parse('https://a.example.com/path')).toThrow(
      'invalid setting CORS_ALLOWED_ORIGINS="https://a.example.com/path": accepts * or a comma list of origins such as https://dash.example.com,http://localhost:3000 (scheme, host and port; no path)',
    );
    expect(() => parse('dash.example.com')).toThrow('CORS_ALLOWED_ORIGINS');
  });
});
