import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/server.js';
import { startClientTestServer } from '../support/client-server.js';
import { nextRequest, unavailableWithoutCluster } from '../support/hostile-requests.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { RawConnection } from '../support/raw-http.js';
import { mulberry32 } from '../support/seeded-random.js';

// The soak's seeded hostile traffic (test/support/hostile-requests.ts: odd and malformed
// parameters on every route, huge, infinite and negative numbers, bodies of every kind, broken
// framing), a few hundred requests per seed, on every storage backend, each on a connection of its
// own. Whatever is sent, the answer is not a 5xx (but the 503s a server without a cluster means)
// and a 4xx is in JSON. The same traffic found that `count=1e20` and `count=Infinity` reached the
// SQL backends' LIMIT as 500s; the seeds repeat the same requests on every run, so what they found
// stays found.

const REQUESTS = 400;

const backends: { name: string; storage: () => Promise<{ url: string; done: () => Promise<void> }> }[] = [
  { name: 'memory', storage: async () => ({ url: 'memory:', done: async () => undefined }) },
  {
    name: 'SQLite',
    storage: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cost-events-seeded-'));
      return { url: `sqlite:${join(dir, 'store.db')}`, done: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];
if (await postgresAvailable()) {
  backends.push({
    name: 'PostgreSQL',
    storage: async () => {
      const schema: TestSchema = await createTestSchema();
      return { url: schema.url, done: () => schema.drop() };
    },
  });
}

for (const backend of backends) {
  describe(`seeded hostile requests on ${backend.name}`, () => {
    let server: ServerHandle | undefined;
    let done: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const storage = await backend.storage();
      done = storage.done;
      server = await startClientTestServer({ STORAGE_URL: storage.url, COST_EVENTS_AUDIT_ENABLED: 'true' });
    });
    afterAll(async () => {
      await server?.close();
      await done?.();
    });

    it.each([1, 2])('answers seed %i’s requests with no 5xx, and every 4xx in JSON', async (seed) => {
      const port = Number(new URL(server?.url ?? '').port);
      const random = mulberry32(seed);
      const wrong: string[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const req = nextRequest(random);
        const conn = await RawConnection.open(port);
        conn.write(req.bytes);
        if (req.framing === 'breaking') conn.end();
        const head = req.bytes.subarray(0, 5).toString('latin1') === 'HEAD ';
        const got = await conn.next(head);
        conn.destroy();
        // Broken framing may be answered or closed on; both are right.
        if (got === undefined) continue;
        if (got.status >= 500 && !unavailableWithoutCluster(req, got.status)) wrong.push(`${got.status} for ${req.label}: ${got.bodyStart.slice(0, 200)}`);
        else if (got.status >= 400 && got.status < 500 && !head && !got.bodyStart.startsWith('{')) wrong.push(`${got.status} for ${req.label}: not JSON: ${got.bodyStart.slice(0, 100)}`);
      }
      expect(wrong).toEqual([]);
    });
  });
}
