import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/server.js';
import { cesSdk, type AxiosAfter, type CesSdk } from '../support/ces-sdk.js';
import { startClientTestServer } from '../support/client-server.js';
import { ManualClock } from '../support/manual-clock.js';
import { mountedFile, type MountedFile } from '../support/token-files.js';

// Huawei Cloud's own Node.js SDK core (ClientBuilder, BasicCredentials, its AK/SK signer and its
// axios client) against the server over real HTTP, with CES_TOKENS_FILE granting access keys.
// The server's clock is a manual one started at the wall time, because the SDK dates its
// signatures by the wall clock; the stale-date test moves the server's clock, never waits.

const ALL = ['ces:events:list', 'ces:events:get', 'ces:events:post'];
const WRITER = { ak: 'WRITERAK0000000000001', sk: 'writer-secret-key-0123456789abcdefghijk' };
const READER = { ak: 'READERAK0000000000002', sk: 'reader-secret-key-0123456789abcdefghijk' };
const GRANTS = {
  accessKeys: [
    { ak: WRITER.ak, skFile: 'sk-writer', projects: ['cluster-one'], actions: ALL },
    { ak: READER.ak, skFile: 'sk-reader', projects: ['cluster-one'], actions: ['ces:events:list', 'ces:events:get'] },
  ],
};

let mount: MountedFile;
let server: ServerHandle;
let clock: ManualClock;
let writer: CesSdk;
let reader: CesSdk;

const reportItem = (name: string) => ({ event_name: name, event_source: 'financial.System', time: clock.nowMs(), detail: { content: 'invaded', event_level: 'Major' } });

// Cloud Eye's error body is not the shape the SDK core parses into its exception (error.code,
// error_code), so what the server said is read from its log line for the request id the SDK puts
// on the exception (from X-Request-Id): the same message the body carries.
const logged: string[] = [];
function rejectionLogged(requestId: string): string | undefined {
  for (const line of logged) {
    const entry = JSON.parse(line) as { reqId?: string; msg?: string; error?: string };
    if (entry.reqId === requestId && entry.msg === 'request rejected') return entry.error;
  }
  return undefined;
}

/** The SDK's exception for a refused call: its status and request id, and the server's reason logged under that id. */
async function refusal(call: Promise<unknown>): Promise<{ status: unknown; requestId: unknown; details: unknown }> {
  try {
    await call;
  } catch (err) {
    const e = err as { httpStatusCode?: unknown; requestId?: unknown };
    return { status: e.httpStatusCode, requestId: e.requestId, details: typeof e.requestId === 'string' ? rejectionLogged(e.requestId) : undefined };
  }
  throw new Error('the call was accepted');
}

/** Tampering after the signature: the SDK signs, then axios sends with one thing changed. */
const body = (text: string): AxiosAfter => ({ transformRequest: () => text });
const header = (name: string, value: string): AxiosAfter => ({
  transformRequest: (data, headers) => {
    headers.set(name, value);
    return data === undefined ? undefined : JSON.stringify(data);
  },
});

beforeAll(async () => {
  mount = mountedFile(JSON.stringify(GRANTS), { 'sk-writer': `${WRITER.sk}\n`, 'sk-reader': READER.sk });
  clock = new ManualClock(Date.now());
  server = await startClientTestServer({ CES_TOKENS_FILE: mount.path, CES_RATE_LIMIT: '0' }, { clock, logged });
  writer = cesSdk(server.url, { ...WRITER, projectId: 'cluster-one' });
  reader = cesSdk(server.url, { ...READER, projectId: 'cluster-one' });
});
afterAll(async () => {
  await server.close();
  mount.cleanup();
});

describe('the Huawei Cloud SDK, signing with AK/SK, against CES_TOKENS_FILE', () => {
  it('reports events, lists them and reads one event, each call signed and accepted', async () => {
    const created = await writer.createEvents([reportItem('systemInvaded'), reportItem('diskFull')]);
    expect(created.httpStatusCode).toBe(201);
    expect(created).toHaveProperty('0.event_name', 'systemInvaded');
    const list = await reader.listEvents({ event_type: 'EVENT.CUSTOM', limit: 10 });
    expect(list.httpStatusCode).toBe(200);
    expect((list['events'] as { event_name: string }[]).map((e) => e.event_name).sort()).toEqual(['diskFull', 'systemInvaded']);
    const detail = await reader.listEventDetail('systemInvaded', { event_type: 'EVENT.CUSTOM', event_source: 'financial.System', limit: 5 });
    expect(detail.httpStatusCode).toBe(200);
    expect(detail['event_name']).toBe('systemInvaded');
  });

  it('accepts what the signer encodes: a query value with a space and a slash, names out of order, a path sent with a trailing slash', async () => {
    const detail = await reader.listEventDetail('systemInvaded', { limit: 5, event_user: 'ops team/on-call', event_type: 'EVENT.CUSTOM', from: clock.nowMs() - 3_600_000 });
    expect(detail.httpStatusCode).toBe(200);
    expect(detail['event_name']).toBe('systemInvaded');
    // The signer always ends the canonical path in "/" and the SDK sends it without; the server routes both.
    expect((await reader.listEvents({}, { url: '/V1.0/cluster-one/events/' })).httpStatusCode).toBe(200);
  });

  it('refuses a signature with the wrong secret key, naming the access key, and the SDK fills its requestId', async () => {
    const forger = cesSdk(server.url, { ak: READER.ak, sk: 'not-the-secret', projectId: 'cluster-one' });
    const r = await refusal(forger.listEvents({}));
    expect(r.status).toBe(401);
        expect(r.details).toBe(`the signature does not match; sign the method, path, query, signed headers and body with the secret key of ${READER.ak}`);
    expect(typeof r.requestId).toBe('string');
    expect(r.requestId).not.toBe('');
  });

  it('refuses an access key the file does not grant, naming it', async () => {
    const r = await refusal(cesSdk(server.url, { ak: 'UNKNOWNAK', sk: 'x', projectId: 'cluster-one' }).listEvents({}));
    expect([r.status, r.details]).toEqual([401, 'the access key UNKNOWNAK is not one CES_TOKENS_FILE grants']);
  });

  it('answers 403 to a valid signature outside its grant', async () => {
    const r = await refusal(reader.createEvents([reportItem('x')]));
    expect([r.status, r.details]).toEqual([403, `the access key ${READER.ak} does not allow ces:events:post on project cluster-one`]);
  });

  it.each<[string, () => Promise<unknown>]>([
    ['the body', () => writer.createEvents([reportItem('signed')], body(JSON.stringify([reportItem('tampered')])))],
    ['the path', () => reader.listEvents({}, { url: '/V1.0/cluster-two/events' })],
    ['the query', () => reader.listEvents({ limit: 10 }, { params: { limit: 11 } })],
    ['a signed header', () => reader.listEvents({}, header('X-Project-Id', 'cluster-two'))],
  ])('refuses a request whose %s changed after signing', async (_what, call) => {
    const r = await refusal(call());
    expect(r.status).toBe(401);
    expect(r.details).toMatch(/^the signature does not match/);
  });

  it('refuses a signed request whose X-Sdk-Date changed after signing', async () => {
    // The SDK dates by the wall clock, to the second: a minute before it never equals the date it signed,
    // and stays within the 15 minutes the server's clock allows.
    const other = new Date(Date.now() - 60_000).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const r = await refusal(reader.listEvents({}, header('X-Sdk-Date', other)));
    expect([r.status, r.details]).toEqual([401, `the signature does not match; sign the method, path, query, signed headers and body with the secret key of ${READER.ak}`]);
  });

  it('refuses a report whose body does not match a declared X-Sdk-Content-Sha256', async () => {
    const r = await refusal(writer.createEvents([reportItem('x')], header('X-Sdk-Content-Sha256', 'UNSIGNED-PAYLOAD')));
    expect(r.status).toBe(401);
  });

  it('writes no secret key, signature or Authorization into the log', () => {
    const all = logged.join('\n');
    expect(all).toContain(READER.ak);
    for (const secret of [WRITER.sk, READER.sk, 'Signature=', 'SDK-HMAC-SHA256 ']) expect(all).not.toContain(secret);
  });

  // Last: the server's clock stays 15 minutes ahead of the SDK's from here on.
  it('refuses a signature dated more than 15 minutes before the server clock', async () => {
    // 20 minutes: more than 15 however long the calls above took on the wall clock the SDK dates by.
    clock.advance(20 * 60_000);
    const r = await refusal(reader.listEvents({}));
    expect(r.status).toBe(401);
    expect(r.details).toMatch(/^X-Sdk-Date \d{8}T\d{6}Z is more than 15 minutes from the server's clock/);
  });
});
