import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { NOT_BUILT_MESSAGE, UI_CONTENT_SECURITY_POLICY, type UiRouteDeps } from '../../src/http/ui-routes.js';
import { Readiness } from '../../src/readiness.js';
import { loadStaticFiles } from '../../src/ui-server/static-files.js';
import { emptyEvents } from '../support/app.js';
import { ManualClock } from '../support/manual-clock.js';

// The page's routes over app.inject, with a hand-made build directory (the real build is driven
// by the browser test): headers, redirects, validators, codings, the info route, UI_ENABLED=false.

let dir: string;
let app: FastifyInstance | undefined;
const JS = `console.log(${JSON.stringify('x'.repeat(2000))});\n`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ui-routes-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title><script type="module" src="./assets/index-abc.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), JS);
  writeFileSync(join(dir, 'assets', 'index-abc.js.gz'), Buffer.from('precomputed gzip'));
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const deps = (over: Partial<UiRouteDeps> = {}): UiRouteDeps => ({
  files: loadStaticFiles(dir),
  build: { version: '1.2.3', commit: '0123456789abcdef', builtAt: '2026-12-06T02:00:00Z' },
  clusterId: 'cluster-one',
  docs: true,
  audit: true,
  etlResolutionMs: 3_600_000,
  ...over,
});

const start = (ui: UiRouteDeps | null = deps()) => {
  app = buildApp({ clock: new ManualClock(), events: emptyEvents(), readiness: new Readiness(), ...(ui !== null && { ui }) });
  return app;
};

describe('the web page routes', () => {
  it('serve index.html at /ui/ with the strict policy, no-cache and an ETag', async () => {
    const res = await start().inject('/ui/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<script type="module" src="./assets/index-abc.js">');
    expect(res.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
    expect(UI_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(UI_CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  });

  it('answer 304 to a matching If-None-Match', async () => {
    const a = start();
    const first = await a.inject('/ui/');
    const again = await a.inject({ url: '/ui/', headers: { 'if-none-match': first.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serve hashed assets as immutable, in the precomputed gzip or a brotli made once', async () => {
    const a = start();
    const gz = await a.inject({ url: '/ui/assets/index-abc.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.statusCode).toBe(200);
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gz.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gz.rawPayload.toString()).toBe('precomputed gzip');
    const br = await a.inject({ url: '/ui/assets/index-abc.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(JS);
    const plain = await a.inject('/ui/assets/index-abc.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(JS);
  });

  it('makes the gzip copy itself when the build left none', async () => {
    rmSync(join(dir, 'assets', 'index-abc.js.gz'));
    const res = await start().inject({ url: '/ui/assets/index-abc.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gunzipSync(res.rawPayload).toString()).toBe(JS);
  });

  it('sends small files uncompressed', async () => {
    const res = await start().inject({ url: '/ui/favicon.svg', headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.body).toBe('<svg/>');
  });

  it('answer 404 in the envelope for a file the page does not have, with the same headers', async () => {
    const res = await start().inject('/ui/assets/nope.js');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 404, data: null, message: 'no file assets/nope.js in the web page' });
    expect(res.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
  });

  it('send a browser at / to ui/, relatively, so a proxy prefix is kept', async () => {
    const res = await start().inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('ui/');
  });

  it('leave / a 404 for a client that does not ask for HTML', async () => {
    const res = await start().inject({ url: '/', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ message: string }>().message).toBe('no route for GET /; the web page is at /ui/');
  });

  it('send /ui (no slash) to ui/, so the page’s relative URLs resolve under /ui/', async () => {
    const res = await start().inject('/ui');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('ui/');
  });

  it('say how to build the page when it was not built', async () => {
    const res = await start(deps({ files: undefined })).inject('/ui/');
    expect(res.statusCode).toBe(404);
    expect(res.json<{ message: string }>().message).toBe(NOT_BUILT_MESSAGE);
  });

  it('serve the build and cluster at /ui/api/info', async () => {
    const res = await start().inject('/ui/api/info');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      code: 200,
      data: { version: '1.2.3', commit: '0123456789abcdef', builtAt: '2026-12-06T02:00:00Z', clusterId: 'cluster-one', docs: true, audit: true, etlResolutionMs: 3_600_000 },
    });
  });

  it('are absent without the page (UI_ENABLED=false), and the API answers keep their own headers', async () => {
    const a = start(null);
    expect((await a.inject('/ui/')).statusCode).toBe(404);
    expect((await a.inject({ url: '/', headers: { accept: 'text/html' } })).statusCode).toBe(404);
    const api = await start().inject('/healthz');
    expect(api.headers['content-security-policy']).toBeUndefined();
  });
});

describe('loadStaticFiles', () => {
  it('returns undefined for a directory that does not exist', () => {
    expect(loadStaticFiles(join(dir, 'missing'))).toBeUndefined();
  });

  it('skips the compressed copies and source maps as files of their own', () => {
    writeFileSync(join(dir, 'assets', 'index-abc.js.map'), '{}');
    expect([...(loadStaticFiles(dir)?.keys() ?? [])].sort()).toEqual(['assets/index-abc.js', 'favicon.svg', 'index.html']);
  });
});
