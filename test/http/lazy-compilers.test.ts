import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LazyCompilers } from '../../src/http/lazy-compilers.js';
import { startServer } from '../../src/server.js';

// Response serializers and request validators are compiled at a route's first need, not at start.
// A schema that cannot compile would then fail only when that route first needs it: the first
// test compiles every one the full server registered, so it fails here instead.
describe('serializers and validators compiled on first use', () => {
  it('all compile, for every route, status and request part of the full server', async () => {
    const r = loadConfig({ HOST: '127.0.0.1', PORT: '0', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true' });
    if (r.help) throw new Error('unexpected help');
    const compilers = new LazyCompilers();
    const server = await startServer(r.config, { env: {}, serviceAccountDir: '/nonexistent', compilers });
    try {
      const health = await server.app.inject('/healthz');
      expect(health.statusCode).toBe(200);
      const compiled = compilers.compileAll();
      expect(compiled).toBeGreaterThan(70);
      // Nothing is compiled twice: a second pass finds nothing waiting, and answers are unchanged.
      expect(compilers.compileAll()).toBe(0);
      expect((await server.app.inject('/healthz')).payload).toBe(health.payload);
    } finally {
      await server.close();
    }
  });

  it("a route's first request is validated, coerced and refused as Ajv does, and its answer serialized by its schema", async () => {
    const compilers = new LazyCompilers();
    const app = Fastify({
      schemaController: { compilersFactory: { buildSerializer: compilers.serializers, buildValidator: compilers.validators } },
      ajv: { customOptions: { coerceTypes: 'array', useDefaults: true } },
    }).withTypeProvider<TypeBoxTypeProvider>();
    const querystring = Type.Object({ n: Type.Integer({ minimum: 1 }), tags: Type.Array(Type.String(), { default: [] }) });
    // The answer's serializer prints only what its schema names: `extra` shows it ran.
    const schema = { querystring, response: { 200: querystring } };
    app.get('/asked', { schema }, (request) => ({ ...request.query, extra: true }));
    app.get('/never-asked', { schema }, (request) => request.query);
    await app.ready();
    try {
      const refused = await app.inject('/asked?n=0');
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toEqual({ statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: 'querystring/n must be >= 1' });
      const coerced = await app.inject('/asked?n=3&tags=a');
      expect(coerced.statusCode).toBe(200);
      expect(coerced.payload).toBe('{"n":3,"tags":["a"]}');
      expect((await app.inject('/asked?n=2')).payload).toBe('{"n":2,"tags":[]}');
      // What nobody asked still waits, a validator and a serializer each: HEAD /asked (Fastify's
      // own route for it), GET and HEAD /never-asked.
      expect(compilers.compileAll()).toBe(6);
    } finally {
      await app.close();
    }
  });

  it('refuses a header schema at registration: Fastify would not lower-case its names for a factory of ours', async () => {
    const compilers = new LazyCompilers();
    const app = Fastify({ schemaController: { compilersFactory: { buildSerializer: compilers.serializers, buildValidator: compilers.validators } } });
    app.get('/h', { schema: { headers: Type.Object({ 'X-Token': Type.String() }) } }, () => 'ok');
    await expect(app.ready()).rejects.toThrow(/header schemas are not supported/);
    await app.close();
  });
});
