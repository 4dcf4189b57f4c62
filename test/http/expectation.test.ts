import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/server.js';
import { startClientTestServer } from '../support/client-server.js';
import { RawConnection } from '../support/raw-http.js';

// An Expect header other than 100-continue, over real HTTP: Node's server decides what to do with
// it before Fastify sees the request (its 'checkExpectation' event), so inject cannot show it.

let server: ServerHandle;
let port = 0;
const logged: string[] = [];

beforeAll(async () => {
  server = await startClientTestServer({ CORS_ALLOWED_ORIGINS: 'http://dash.example' }, { logged });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.close();
});

/** Sends `head` (and `body`) on a connection of its own and reads until the server closes it. */
function raw(head: string, body = ''): Promise<{ status: number; headers: Map<string, string>; body: string; interim: string[] }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\n\r\n${body}`));
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('end', () => {
      let text = Buffer.concat(chunks).toString('utf8');
      const interim: string[] = [];
      while (/^HTTP\/1\.1 1\d\d /.test(text)) {
        const end = text.indexOf('\r\n\r\n');
        interim.push(text.slice(0, end));
        text = text.slice(end + 4);
      }
      const end = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, end).split('\r\n');
      const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const));
      resolve({ status: Number(lines[0]?.split(' ')[1]), headers, body: text.slice(end + 4), interim });
    });
  });
}

describe('an Expect header', () => {
  it('other than 100-continue is a 417 in the Kubecost envelope, with a request id, CORS and Connection: close', async () => {
    const res = await raw('GET /model/etl/log HTTP/1.1\r\nHost: x\r\nOrigin: http://dash.example\r\nX-Request-Id: expect-1\r\nExpect: 200-ok');
    expect(res.status).toBe(417);
    expect(JSON.parse(res.body)).toEqual({ code: 417, data: null, message: 'the Expect header asks for "200-ok"; this server meets only "100-continue"' });
    expect(res.headers.get('x-request-id')).toBe('expect-1');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://dash.example');
    expect(res.headers.get('connection')).toBe('close');
    const lines = logged.map((l) => JSON.parse(l) as { reqId?: string; status?: number; msg?: string }).filter((l) => l.reqId === 'expect-1');
    expect(lines.map((l) => [l.status, l.msg])).toEqual([[417, 'request rejected']]);
  });

  it('other than 100-continue is a 417 in Cloud Eye’s body on a Cloud Eye path', async () => {
    const res = await raw('GET /V1.0/cluster-one/events HTTP/1.1\r\nHost: x\r\nExpect: x'.padEnd(200, 'x'));
    expect(res.status).toBe(417);
    expect(JSON.parse(res.body)).toEqual({ http_code: '417', message: { code: '417', details: expect.stringMatching(/^the Expect header asks for "x{79}… \(\d+ characters\); this server meets only "100-continue"$/) as unknown } });
  });

  it('of 100-continue is met: the interim 100, then the route’s answer', async () => {
    const body = '[]';
    const res = await raw(`POST /V1.0/cluster-one/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue`, body);
    expect(res.interim).toEqual(['HTTP/1.1 100 Continue']);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ http_code: '400', message: { code: 'ces.0001' } });
  });
});

describe('Expect: 100-continue on a request pipelined behind another', () => {
  // Node buffers the 100 of a request that is not yet its connection's turn, and a Buffer body's
  // head was then put in front of it: the client read "HTTP/1.1 100 Continue" inside the body.
  it('sends the 100 before that request’s own answer, after the first one’s', async () => {
    const conn = await RawConnection.open(port);
    conn.write(Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n'));
    const answers = [await conn.next(), await conn.next()];
    conn.destroy();
    expect(answers.map((a) => [a?.status, a?.bodyStart.slice(0, 7)])).toEqual([
      [200, '# HELP '],
      [200, '# HELP '],
    ]);
  });
});
