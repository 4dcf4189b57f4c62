import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
afterEach(async () => {
  await t.app.close();
});

describe('health', () => {
  it('answers /healthz while the process serves', async () => {
    t = buildTestApp();
    const res = await t.app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ code: 200, data: 'ok' });
  });

  it('answers /readyz 200 with each component when all are ready', async () => {
    t = buildTestApp();
    t.readiness.register({ name: 'storage', status: () => ({ ready: true, state: 'ready' }) });
    const res = await t.app.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ code: 200, data: { ready: true, components: { storage: { ready: true, state: 'ready' } } } });
  });

  it('answers /readyz 503 naming the component that is not ready', async () => {
    t = buildTestApp();
    t.readiness.register({ name: 'storage', status: () => ({ ready: true, state: 'ready' }) });
    t.readiness.register({ name: 'kubernetes', status: () => ({ ready: false, state: 'not synced', detail: 'deployments: listing' }) });
    const res = await t.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      code: 503,
      data: {
        ready: false,
        components: {
          storage: { ready: true, state: 'ready' },
          kubernetes: { ready: false, state: 'not synced', detail: 'deployments: listing' },
        },
      },
      message: 'not ready: kubernetes (not synced: deployments: listing)',
    });
  });

  it('reports a component whose status check throws as not ready', async () => {
    t = buildTestApp();
    t.readiness.register({
      name: 'storage',
      status: () => {
        throw new Error('disk gone');
      },
    });
    const res = await t.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json<{ message: string }>().message).toBe('not ready: storage (error: disk gone)');
  });
});
