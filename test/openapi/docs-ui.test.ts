import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { ManualClock } from '../support/manual-clock.js';

let server: ServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (env: Record<string, string>) => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', ...env });
  if (r.help) throw new Error('unexpected help');
  server = await startServer(r.config, { clock: new ManualClock(), env: {}, serviceAccountDir: '/nonexistent' });
  return server;
};

describe('the interactive docs at /docs', () => {
  it('are not served by default', async () => {
    const s = await start({});
    const res = await s.app.inject('/docs');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 404, data: null, message: 'no route for GET /docs' });
  });

  it('are served with DOCS_ENABLED=true, over the same document, which they do not change', async () => {
    const s = await start({ DOCS_ENABLED: 'true' });
    const page = await s.app.inject('/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.payload).toContain('swagger-ui');
    const served = (await s.app.inject('/openapi.json')).json<{ paths: Record<string, unknown> }>();
    expect((await s.app.inject('/docs/json')).json()).toEqual(served);
    expect(Object.keys(served.paths).filter((p) => p.startsWith('/docs'))).toEqual([]);
  });
});
