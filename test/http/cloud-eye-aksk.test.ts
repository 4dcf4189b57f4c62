import { createHash } from 'node:crypto';
import { Agent, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPORT_BODY_LIMIT } from '../../src/http/cloud-eye-errors.js';
import { TokenGrants } from '../../src/cloud-eye/token-grants.js';
import { buildCloudEyeTestApp, cesError, reportItem, type CloudEyeTestApp } from '../support/cloud-eye.js';

// AK/SK on the Cloud Eye routes, through inject: what is refused before the body is read, what
// after it is read but before it is parsed, and that the rate limit counts per access key and address. The
// signatures are the SDK core signer's, dated at the test app's clock (2024-05-03T08:01:04Z).

const SK = 'writer-secret-key';
const grants = TokenGrants.parse(
  JSON.stringify({
    accessKeys: [
      { ak: 'WRITER', skFile: 'sk-writer', projects: ['cluster-one'], actions: ['ces:events:post', 'ces:events:list'] },
      { ak: 'READER', skFile: 'sk-reader', projects: ['cluster-one'], actions: ['ces:events:list'] },
    ],
  }),
  () => SK,
);

let t: CloudEyeTestApp;
afterEach(async () => {
  await t.app.close();
});

/** POSTs `body` (raw text) to the report route, signed by `ak` with `sk`; the signature covers the text through X-Sdk-Content-Sha256. */
function postSigned(body: string, ak: string, sk = SK, remoteAddress = '127.0.0.1') {
  const headers = { 'X-Sdk-Date': '20240503T080104Z', 'content-type': 'application/json', 'X-Sdk-Content-Sha256': createHash('sha256').update(body).digest('hex') };
  const signed = AKSKSigner.sign({ endpoint: 'http://localhost:80/V1.0/cluster-one/events', method: 'POST', headers }, new BasicCredentials().withAk(ak).withSk(sk)) as Record<string, string>;
  return t.app.inject({ method: 'POST', url: '/V1.0/cluster-one/events', headers: signed, payload: body, remoteAddress });
}

describe('AK/SK signatures on the Cloud Eye routes', () => {
  it('accepts a signed report', async () => {
    t = buildCloudEyeTestApp({ access: { grants } });
    expect((await postSigned(JSON.stringify([reportItem()]), 'WRITER')).statusCode).toBe(201);
  });

  it('answers 401 to an unknown access key before reading the body', async () => {
    t = buildCloudEyeTestApp({ access: { grants } });
    const res = await postSigned('{not json', 'NOBODY');
    expect(res.json()).toEqual(cesError(401, 'ces.0015', 'the access key NOBODY is not one CES_TOKENS_FILE grants'));
  });

  it('answers 401, not 400, to a wrong signature over a body that is not JSON: the signature is checked before parsing', async () => {
    t = buildCloudEyeTestApp({ access: { grants } });
    expect((await postSigned('{not json', 'WRITER', 'guess')).json()).toEqual(
      cesError(401, 'ces.0015', 'the signature does not match; sign the method, path, query, signed headers and body with the secret key of WRITER'),
    );
    expect((await postSigned('{not json', 'WRITER')).json()).toMatchObject({ http_code: '400', message: { code: 'ces.0014' } });
  });

  it('answers 403 to a valid signature outside its grant, before parsing the body', async () => {
    t = buildCloudEyeTestApp({ access: { grants } });
    expect((await postSigned('{not json', 'READER')).json()).toEqual(cesError(403, 'ces.0017', 'the access key READER does not allow ces:events:post on project cluster-one'));
  });

  it('counts the rate limit per access key and address', async () => {
    t = buildCloudEyeTestApp({ access: { grants }, rateLimit: { max: 1, windowMs: 60_000 } });
    expect((await postSigned(JSON.stringify([reportItem()]), 'WRITER')).statusCode).toBe(201);
    const limited = await postSigned(JSON.stringify([reportItem('again')]), 'WRITER');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ message: { details: expect.stringMatching(/for each access key and address;/) as unknown } });
    expect((await postSigned('{not json', 'READER')).statusCode).toBe(403);
  });

  it('does not let a forger who knows an access key spend its budget at the real caller\'s address', async () => {
    t = buildCloudEyeTestApp({ access: { grants }, rateLimit: { max: 1, windowMs: 60_000 } });
    // The forger signs with a wrong secret key from another address: counted there, refused there.
    expect((await postSigned(JSON.stringify([reportItem()]), 'WRITER', 'guessed', '10.9.9.9')).statusCode).toBe(401);
    expect((await postSigned(JSON.stringify([reportItem()]), 'WRITER', 'guessed', '10.9.9.9')).statusCode).toBe(429);
    // The real caller's budget is untouched.
    expect((await postSigned(JSON.stringify([reportItem()]), 'WRITER')).statusCode).toBe(201);
  });
});

describe('a signed request whose body nobody reads to its end', () => {
  // The signature over the body is checked as the body ends, in a stream Fastify reads. When Fastify
  // has already answered (a type the routes do not parse, a body over the limit) or the client goes
  // away mid-body, that check's failure has no reader: it must not become the process's uncaught
  // exception (it was: one request with a wrong signature stopped the server).
  const uncaught: unknown[] = [];
  const record = (err: unknown): void => {
    uncaught.push(err);
  };
  beforeEach(() => {
    uncaught.length = 0;
    process.on('uncaughtException', record);
  });
  afterEach(() => {
    process.off('uncaughtException', record);
  });

  /**
   * Sends a report signed with a wrong secret key over real HTTP, on a connection of its own;
   * resolves with the status (0 when the connection ends without one) once the server has closed
   * that connection, so whatever the end of the body (or of the connection) sets off has run. (A
   * request answered before its body arrived is never closed itself: Node lets go of it.)
   */
  async function sendForged(app: FastifyInstance, contentType: string, body: Buffer, o: { abortAfter?: number } = {}): Promise<number> {
    const closed = new Promise((resolve) => app.server.once('request', (req: IncomingMessage) => req.socket.once('close', () => setImmediate(resolve))));
    const port = (app.server.address() as AddressInfo).port;
    const headers = { 'X-Sdk-Date': '20240503T080104Z', 'content-type': contentType, 'content-length': String(body.length) };
    const signed = AKSKSigner.sign({ endpoint: `http://127.0.0.1:${port}/V1.0/cluster-one/events`, method: 'POST', headers }, new BasicCredentials().withAk('WRITER').withSk('guessed')) as Record<string, string>;
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/V1.0/cluster-one/events', headers: signed, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.on('close', () => resolve(0));
      if (o.abortAfter === undefined) req.end(body);
      else req.write(body.subarray(0, o.abortAfter), () => req.destroy());
    });
    await closed;
    return status;
  }

  /** A request after it: a 401 (no credential) says the server still answers. */
  async function stillAnswers(app: FastifyInstance): Promise<number> {
    const port = (app.server.address() as AddressInfo).port;
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/V1.0/cluster-one/events' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });
  }

  it('answers a type the routes do not parse, and the process carries on', async () => {
    t = buildCloudEyeTestApp({ access: { grants } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    expect(await sendForged(t.app, 'text/plain', Buffer.from('[]'))).toBe(400);
    expect(await stillAnswers(t.app)).toBe(401);
    expect(uncaught).toEqual([]);
  });

  it('answers a body over the limit, and the process carries on', async () => {
    t = buildCloudEyeTestApp({ access: { grants } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    // Node's client may see the answer, or the connection closed before it has sent the whole body.
    expect([400, 0]).toContain(await sendForged(t.app, 'application/json', Buffer.alloc(REPORT_BODY_LIMIT + 1, 'a')));
    expect(await stillAnswers(t.app)).toBe(401);
    expect(uncaught).toEqual([]);
  });

  it('reads and drops the rest of a signed body over the limit, so the kept-alive connection serves the next request', async () => {
    t = buildCloudEyeTestApp({ access: { grants } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.app.server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const body = Buffer.alloc(REPORT_BODY_LIMIT * 3, 'a');
    const headers = { 'X-Sdk-Date': '20240503T080104Z', 'content-type': 'application/json', 'content-length': String(body.length) };
    const signed = AKSKSigner.sign({ endpoint: `http://127.0.0.1:${port}/V1.0/cluster-one/events`, method: 'POST', headers }, new BasicCredentials().withAk('WRITER').withSk(SK)) as Record<string, string>;
    const answer = (path: string, o: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}) =>
      new Promise<{ status: number; port: number | undefined }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: o.headers ?? {}, agent }, (res) => {
          const local = res.socket.localPort;
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, port: local }));
        });
        req.on('error', reject);
        req.end(o.body);
      });
    // The signed body streams through the signature's hash; the drain must not wait on it.
    const first = await answer('/V1.0/cluster-one/events', { method: 'POST', headers: signed, body });
    const next = await answer('/V1.0/cluster-one/events');
    agent.destroy();
    expect([first.status, next.status, next.port]).toEqual([400, 401, first.port]);
    expect(uncaught).toEqual([]);
  });

  it('carries on when the client goes away mid-body', async () => {
    t = buildCloudEyeTestApp({ access: { grants } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    // The 400 for the type may arrive before the client goes away; the JSON body is still being read.
    expect([400, 0]).toContain(await sendForged(t.app, 'text/plain', Buffer.alloc(64 * 1024, 'a'), { abortAfter: 1024 }));
    expect(await sendForged(t.app, 'application/json', Buffer.alloc(64 * 1024, 'a'), { abortAfter: 1024 })).toBe(0);
    expect(await stillAnswers(t.app)).toBe(401);
    expect(uncaught).toEqual([]);
  });
});

