import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LazySerializers } from '../../src/http/lazy-serializers.js';
import { startServer } from '../../src/server.js';

// Response serializers are compiled at a route's first answer with a status, not at start. A
// schema that cannot compile would then fail only when that answer is first given: this compiles
// every one the full server registered, so it fails here instead.
describe('response serializers compiled on first use', () => {
  it('all compile, for every route and status of the full server', async () => {
    const r = loadConfig({ HOST: '127.0.0.1', PORT: '0', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true' });
    if (r.help) throw new Error('unexpected help');
    const serializers = new LazySerializers();
    const server = await startServer(r.config, { env: {}, serviceAccountDir: '/nonexistent', serializers });
    try {
      const health = await server.app.inject('/healthz');
      expect(health.statusCode).toBe(200);
      const compiled = serializers.compileAll();
      expect(compiled).toBeGreaterThan(50);
      // Nothing is compiled twice: a second pass finds nothing waiting, and answers are unchanged.
      expect(serializers.compileAll()).toBe(0);
      expect((await server.app.inject('/healthz')).payload).toBe(health.payload);
    } finally {
      await server.close();
    }
  });
});
