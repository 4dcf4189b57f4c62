import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/server.js';
import { startClientTestServer } from '../support/client-server.js';

// A request body with a Content-Encoding, which no route decodes: refused before it is read.

let server: ServerHandle;
beforeAll(async () => {
  server = await startClientTestServer();
});
afterAll(async () => {
  await server.close();
});

const post = (path: string, type: string, body: Buffer | string, encoding?: string) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...(encoding !== undefined && { 'content-encoding': encoding }) }, body });

describe('a request body with a Content-Encoding', () => {
  it('is a 415 on a Kubecost route, naming the encoding, with Accept-Encoding: identity', async () => {
    const res = await post('/model/prediction/speccost?clusterID=cluster-one&defaultNamespace=default', 'application/yaml', gzipSync('kind: Deployment\n'), 'gzip');
    expect(res.status).toBe(415);
    expect(res.headers.get('accept-encoding')).toBe('identity');
    expect(await res.json()).toEqual({ code: 415, data: null, message: 'the body is sent with Content-Encoding "gzip"; bodies are read as they are: send it uncompressed' });
  });

  it('is Cloud Eye’s 400 for the body on a Cloud Eye route, not "not valid JSON"', async () => {
    const res = await post('/V1.0/cluster-one/events', 'application/json', gzipSync('[]'), 'br, gzip');
    expect([res.status, await res.json()]).toEqual([
      400,
      { http_code: '400', message: { code: 'ces.0014', details: 'the body is sent with Content-Encoding "br, gzip"; bodies are read as they are: send it uncompressed' } },
    ]);
  });

  it('is read as it is when the encoding is identity, and ignored on a request without a body', async () => {
    const identity = await post('/V1.0/cluster-one/events', 'application/json', '[]', 'identity');
    expect(await identity.json()).toMatchObject({ http_code: '400', message: { code: 'ces.0001' } });
    const get = await fetch(`${server.url}/model/etl/log`, { headers: { 'content-encoding': 'gzip' } });
    expect(get.status).toBe(200);
  });
});
