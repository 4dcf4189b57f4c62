import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerKubecostRoutes } from '../../src/http/kubecost-routes.js';
import { buildTestApp, type TestApp } from '../support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.app.close();
  t = undefined;
});

interface Operation {
  readonly tags?: string[];
  readonly summary?: string;
  readonly operationId?: string;
  readonly 'x-cost-model-alias-of'?: string;
}

describe('the Kubecost routes at /model/<path> and at the cost-model path /<path>', () => {
  it('answers a route at both prefixes with the same bytes', async () => {
    t = buildTestApp({ now: '2024-05-03T08:00:00Z' });
    t.publishEtl('AllocationSetSaved', { size: 4 });
    await t.writer.idle();
    const model = await t.app.inject('/model/etl/log');
    const root = await t.app.inject('/etl/log');
    expect(model.statusCode).toBe(200);
    expect(root.statusCode).toBe(200);
    expect(root.rawPayload.equals(model.rawPayload)).toBe(true);
    expect((await t.app.inject('/audit/events?count=0')).json()).toEqual({ code: 400, data: null, message: 'invalid parameter \'count\': got "0"; accepts a positive integer (at most 9007199254740991)' });
  });

  it('serves a route any group registers at both prefixes', async () => {
    const app = Fastify();
    registerKubecostRoutes(app, [
      async (group) => {
        group.get('/etl/status', async () => ({ code: 200, data: 'fine' }));
      },
    ]);
    expect((await app.inject('/model/etl/status')).json()).toEqual({ code: 200, data: 'fine' });
    expect((await app.inject('/etl/status')).json()).toEqual({ code: 200, data: 'fine' });
    await app.close();
  });

  it('swallows neither / nor /ui/, and moves no health, metrics, docs or Cloud Eye route', async () => {
    t = buildTestApp();
    for (const url of ['/', '/ui/', '/ui/index.html', '/model/healthz', '/model/readyz', '/model/openapi.json', '/model/V1.0/cluster-one/events', '/model/']) {
      const answer = await t.app.inject(url);
      expect({ url, status: answer.statusCode }).toEqual({ url, status: 404 });
      expect(answer.json()).toEqual({ code: 404, data: null, message: `no route for GET ${url}` });
    }
    expect((await t.app.inject('/healthz')).statusCode).toBe(200);
  });

  it('lists both forms in the OpenAPI document, the second tagged as the cost-model alias of the first', async () => {
    t = buildTestApp();
    await t.app.ready();
    const doc = t.app.swagger() as { paths: Record<string, Record<string, Operation>>; tags: { name: string }[] };
    const kubecost = doc.paths['/model/etl/log']?.['get'];
    const alias = doc.paths['/etl/log']?.['get'];
    expect(kubecost?.tags).toEqual(['kubecost']);
    expect(alias?.tags).toEqual(['kubecost-cost-model']);
    expect(alias?.['x-cost-model-alias-of']).toBe('/model/etl/log');
    expect(alias?.summary).toBe(`${kubecost?.summary ?? ''} — cost-model alias of /model/etl/log`);
    expect(doc.paths['/audit/events']?.['get']?.['x-cost-model-alias-of']).toBe('/model/audit/events');
    expect(doc.tags.map((tag) => tag.name)).toContain('kubecost-cost-model');
    expect(doc.paths['/healthz']).toBeDefined();
    expect(doc.paths['/model/healthz']).toBeUndefined();
  });
});
