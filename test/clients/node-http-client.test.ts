import { Agent, globalAgent } from 'node:http';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSED_BODY_DRAIN_BYTES } from '../../src/http/body-errors.js';
import { RawConnection } from '../support/raw-http.js';
import type { ServerHandle } from '../../src/server.js';
import { startClientTestServer } from '../support/client-server.js';
import { send } from './http-client.js';

// Node's own http client, its default keep-alive agent included, against a real listening server.

let server: ServerHandle | undefined;
const logged: string[] = [];
let base = '';

beforeAll(async () => {
  server = await startClientTestServer({}, { logged });
  base = server.url;
});

afterAll(async () => {
  await server?.close();
});

const envelope = (body: Buffer) => JSON.parse(body.toString()) as { code: number; data: unknown; message?: string };

describe('a wrong method on a known path', () => {
  it('answers 405 in the envelope with an Allow header', async () => {
    const answer = await send(`${base}/model/etl/log?window=24h`, { method: 'DELETE' });
    expect(answer.status).toBe(405);
    expect(answer.headers['allow']).toBe('GET, HEAD, OPTIONS');
    expect(envelope(answer.body)).toEqual({ code: 405, data: null, message: '/model/etl/log does not answer DELETE; it answers GET, HEAD, OPTIONS' });
    const predict = await send(`${base}/prediction/speccost`, { method: 'GET' });
    expect(predict.status).toBe(405);
    expect(predict.headers['allow']).toBe('POST, OPTIONS');
  });

  it('answers 405 in Cloud Eye’s body on a Cloud Eye path', async () => {
    const answer = await send(`${base}/V1.0/cluster-one/events`, { method: 'DELETE' });
    expect(answer.status).toBe(405);
    expect(answer.headers['allow']).toBe('GET, HEAD, POST, OPTIONS');
    expect(JSON.parse(answer.body.toString())).toEqual({
      http_code: '405',
      message: { code: '405', details: '/V1.0/cluster-one/events does not answer DELETE; it answers GET, HEAD, POST, OPTIONS' },
    });
  });

  it('still answers 404 for a path nobody serves', async () => {
    const answer = await send(`${base}/nothing/here`, { method: 'DELETE' });
    expect(answer.status).toBe(404);
    expect(answer.headers['allow']).toBeUndefined();
  });
});

describe('X-Request-Id', () => {
  it('takes a safe incoming id, returns it, and writes it in the request’s log line', async () => {
    const answer = await send(`${base}/model/etl/log?kind=Nope`, { headers: { 'x-request-id': 'dash-7f3a:poll/42' } });
    expect(answer.status).toBe(400);
    expect(answer.headers['x-request-id']).toBe('dash-7f3a:poll/42');
    const lines = logged.map((l) => JSON.parse(l) as { reqId?: string; url?: string }).filter((l) => l.reqId === 'dash-7f3a:poll/42');
    expect(lines.map((l) => l.url)).toEqual(['/model/etl/log?kind=Nope']);
  });

  it('replaces an unsafe one (too long, or not visible ASCII) by a generated one', async () => {
    for (const unsafe of ['x'.repeat(129), 'has space', 'tab\there']) {
      const answer = await send(`${base}/healthz`, { headers: { 'x-request-id': unsafe } });
      expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('is generated and returned on a 404 when none is sent', async () => {
    const answer = await send(`${base}/nowhere`);
    expect(answer.status).toBe(404);
    expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('connection-level errors through Node’s default keep-alive agent', () => {
  it('answers a DELETE with an unframed body and then four GETs, all in the envelope', async () => {
    const answers = [];
    // DELETE carries no chunked framing by default in Node: with no Content-Length the body is
    // bytes after the request, which the server's parser reads as a malformed next request.
    answers.push(await send(`${base}/model/etl/log`, { method: 'DELETE', body: 'this body has no framing\r\n\r\n', agent: globalAgent }));
    for (let i = 0; i < 4; i++) answers.push(await send(`${base}/model/etl/log`, { agent: globalAgent }));
    // The DELETE's own answer is the 400 of the bytes that follow it, when they come in its packet (as here), else its 405.
    const [first, ...gets] = answers;
    expect([400, 405]).toContain(first?.status);
    expect(envelope(first?.body ?? Buffer.alloc(0)).code).toBe(first?.status);
    expect(gets.map((a) => [a.status, envelope(a.body).code])).toEqual([
      [200, 200],
      [200, 200],
      [200, 200],
      [200, 200],
    ]);
  });

  it('answers a malformed request line in the envelope with Connection: close', async () => {
    const { connect } = await import('node:net');
    const url = new URL(base);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write('GET /model/etl/log HTTP/1.1 junk\r\nHost: x\r\n\r\n'));
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(raw).toContain('\r\nConnection: close\r\n');
    const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
    const parsed = JSON.parse(body) as { code: number; data: null; message: string };
    expect({ code: parsed.code, data: parsed.data }).toEqual({ code: 400, data: null });
    expect(parsed.message).toMatch(/^the request could not be parsed as HTTP\/1\.1 \(HPE_[A-Z_]+\)/);
  });
});

describe('an oversized upload', () => {
  const PREDICT = '/model/prediction/speccost?clusterID=cluster-one&defaultNamespace=default';
  const TOO_LARGE = { code: 413, data: null, message: 'the body is larger than 5242880 bytes (5 MiB); send fewer manifests per request' };
  const body = Buffer.alloc(6 * 1024 * 1024, 'a');

  it('is a readable 413 to Node’s http client, not EPIPE, and the connection stays open for the next request', async () => {
    for (const agent of [false, new Agent({ keepAlive: true, maxSockets: 1 })] as const) {
      const answer = await send(`${base}${PREDICT}`, { method: 'POST', headers: { 'content-type': 'application/yaml', 'content-length': body.length }, body, agent });
      expect(answer.status).toBe(413);
      expect(envelope(answer.body)).toEqual(TOO_LARGE);
      if (agent !== false) {
        // The server read the rest of the body and dropped it, rather than closing on it unread:
        // the next request goes out on the same connection.
        expect(answer.headers['connection']).not.toBe('close');
        const next = await send(`${base}/healthz`, { agent });
        expect([next.status, next.localPort]).toEqual([200, answer.localPort]);
        agent.destroy();
      }
    }
  });

  it('answers a request pipelined behind a refused body, once that body is read and dropped', async () => {
    const conn = await RawConnection.open(Number(new URL(base).port));
    const report = Buffer.alloc(3 * 1024 * 1024, ' ');
    conn.write(Buffer.concat([Buffer.from(`POST /V1.0/cluster-one/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${report.length}\r\n\r\n`), report]));
    conn.write(Buffer.from('GET /model/etl/log HTTP/1.1\r\nHost: x\r\n\r\n'));
    const [refused, next] = [await conn.next(), await conn.next()];
    conn.destroy();
    expect(refused?.status).toBe(400);
    expect(JSON.parse(refused?.bodyStart ?? '')).toMatchObject({ http_code: '400', message: { code: 'ces.0014' } });
    expect(next?.status).toBe(200);
    expect(JSON.parse(next?.bodyStart ?? '')).toMatchObject({ code: 200 });
  });

  it(`closes the connection on a body declared larger than ${REFUSED_BODY_DRAIN_BYTES} bytes, rather than read it`, async () => {
    const { connect } = await import('node:net');
    const url = new URL(base);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () =>
        socket.write(`POST ${PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/yaml\r\nContent-Length: ${REFUSED_BODY_DRAIN_BYTES + 1}\r\n\r\nkind: Deployment\n`),
      );
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(raw.toLowerCase()).toContain('\r\nconnection: close\r\n');
  });
});

describe('compression of /metrics, /openapi.json and the Cloud Eye routes', () => {
  it('gzips /metrics as Prometheus asks', async () => {
    const answer = await send(`${base}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(gunzipSync(answer.body).toString()).toContain('# TYPE kubecost_etl_events_total counter');
  });

  it('sends /openapi.json in brotli, and a Cloud Eye summary in gzip', async () => {
    const doc = await send(`${base}/openapi.json`, { headers: { 'accept-encoding': 'br, gzip;q=0.5' } });
    expect(doc.headers['content-encoding']).toBe('br');
    expect((JSON.parse(brotliDecompressSync(doc.body).toString()) as { openapi: string }).openapi).toBe('3.1.0');
    const summary = await send(`${base}/V1.0/cluster-one/events`, { headers: { 'accept-encoding': 'gzip' } });
    expect(summary.status).toBe(200);
    expect(summary.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(summary.body).toString())).toEqual({ events: [], meta_data: { total: 0 } });
  });
});
