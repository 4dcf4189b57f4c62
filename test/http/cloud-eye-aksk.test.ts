import { createHash } from 'node:crypto';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { afterEach, describe, expect, it } from 'vitest';
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
