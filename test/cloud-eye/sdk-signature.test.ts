import { createHash } from 'node:crypto';
import { stringify } from 'node:querystring';
import { inspect } from 'node:util';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { describe, expect, it } from 'vitest';
import { canonicalPath, canonicalQuery, checkSdkClaim, parseSdkDate, verifySdkSignature, type SignedRequest } from '../../src/cloud-eye/sdk-signature.js';
import { TokenGrants } from '../../src/cloud-eye/token-grants.js';

// The verifier against the SDK core's own signer (AKSKSigner.sign), with the date pinned through
// the X-Sdk-Date header the signer honours, so each signature is the same on every run.

const DATE = '20240503T080104Z';
const AT = Date.parse('2024-05-03T08:01:04Z');
const AK = 'TESTAK0000000000001';
const SK = 'test-secret-key-0123456789abcdefghijklmn';
const grants = TokenGrants.parse(JSON.stringify({ accessKeys: [{ ak: AK, skFile: 'sk', projects: ['*'], actions: ['ces:events:list'] }] }), () => `${SK}\n`);

interface Call {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string | string[]>;
  readonly data?: unknown;
  readonly headers?: Record<string, string>;
}

/** Signs `call` with the SDK's signer and returns the request as the server would see it, with the body's hash. */
function signed(call: Call, sk = SK): { request: SignedRequest; authorization: string; bodySha256: string } {
  const headers = { 'X-Sdk-Date': DATE, 'content-type': 'application/json', ...call.headers };
  const signedHeaders = AKSKSigner.sign(
    { endpoint: `http://127.0.0.1:9090${call.path}`, method: call.method, headers, queryParams: call.query ?? {}, data: call.data },
    new BasicCredentials().withAk(AK).withSk(sk),
  ) as Record<string, string>;
  const query = stringify(call.query ?? {});
  const lower = Object.fromEntries(Object.entries(signedHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  const body = call.data === undefined ? '' : JSON.stringify(call.data);
  return {
    request: { method: call.method, url: query === '' ? call.path : `${call.path}?${query}`, headers: lower },
    authorization: lower['authorization'] ?? '',
    bodySha256: createHash('sha256').update(body).digest('hex'),
  };
}

function verdict(s: ReturnType<typeof signed>, nowMs = AT, bodySha256 = s.bodySha256): string {
  const claim = checkSdkClaim(s.request, s.authorization, (ak) => grants.accessKey(ak), nowMs);
  if (!claim.ok) return claim.reason;
  const result = verifySdkSignature(s.request, claim.value, bodySha256);
  return result.ok ? 'accepted' : result.reason;
}

describe('AK/SK signatures made by the SDK core signer', () => {
  it.each<[string, Call]>([
    ['a GET with no query', { method: 'GET', path: '/V1.0/cluster-one/events' }],
    ['a GET whose query needs encoding, given out of order, a name repeated', { method: 'GET', path: '/V1.0/p/events', query: { z: 'a b/c', a: ['2', '1'], 'ünï': 'ç(*)!', e: '' } }],
    ['a POST with a JSON body', { method: 'POST', path: '/V1.0/p/events', data: [{ event_name: 'x', detail: { content: 'été' } }] }],
    ['a path segment that needs encoding', { method: 'GET', path: '/V1.0/p/event/a%20b' }],
  ])('accepts %s', (_what, call) => {
    expect(verdict(signed(call))).toBe('accepted');
  });

  it('encodes the path and query exactly as the signer does', () => {
    const signer = AKSKSigner as unknown as { CanonicalURI(p: string): string; CanonicalQueryString(r: { queryParams: Record<string, unknown> }): string };
    for (const path of ['/V1.0/p/events', '/V1.0/p/events/', '/a%20b/c(d)*!', '/V1.0/p/event/x~y_z.w-v']) expect(canonicalPath(path)).toBe(signer.CanonicalURI(path));
    const params = { b: ['z', 'a'], a: "it's (1+1)*2", 'x y': 'ü', empty: '' };
    expect(canonicalQuery(stringify(params))).toBe(signer.CanonicalQueryString({ queryParams: params }));
  });

  it('refuses a signature dated more than 15 minutes either side of the clock, naming the date', () => {
    const s = signed({ method: 'GET', path: '/V1.0/p/events' });
    const tooFar = `X-Sdk-Date ${DATE} is more than 15 minutes from the server's clock; sign the request again (and check the client's clock)`;
    expect(verdict(s, AT + 15 * 60_000)).toBe('accepted');
    expect(verdict(s, AT + 15 * 60_000 + 1000)).toBe(tooFar);
    expect(verdict(s, AT - 15 * 60_000 - 1000)).toBe(tooFar);
  });

  it('refuses another secret key, an unknown access key, and a signature that is not one', () => {
    const s = signed({ method: 'GET', path: '/V1.0/p/events' });
    expect(verdict(signed({ method: 'GET', path: '/V1.0/p/events' }, 'wrong'))).toBe(`the signature does not match; sign the method, path, query, signed headers and body with the secret key of ${AK}`);
    expect(verdict({ ...s, authorization: s.authorization.replace(AK, 'OTHERAK') })).toBe('the access key OTHERAK is not one CES_TOKENS_FILE grants');
    expect(verdict({ ...s, authorization: 'SDK-HMAC-SHA256 Access=x' })).toMatch(/^Authorization is not a valid SDK-HMAC-SHA256 signature; expected/);
  });

  it('refuses a changed body, and a signature that leaves out the host or the date', () => {
    const s = signed({ method: 'POST', path: '/V1.0/p/events', data: [1] });
    expect(verdict(s, AT, createHash('sha256').update('[2]').digest('hex'))).toMatch(/^the signature does not match/);
    expect(verdict({ ...s, authorization: s.authorization.replace('host;', '') })).toBe('SignedHeaders must include host and x-sdk-date; it leaves out host');
  });

  it('takes UNSIGNED-PAYLOAD without a body only', () => {
    const s = signed({ method: 'GET', path: '/V1.0/p/events', headers: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
    expect(verdict(s)).toBe('accepted');
    expect(verdict(s, AT, createHash('sha256').update('[]').digest('hex'))).toBe('X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is accepted only without a body; sign the body\'s SHA-256');
  });

  it('reads X-Sdk-Date only in the SDKs\' form, and only real times', () => {
    expect(parseSdkDate(DATE)).toBe(AT);
    for (const bad of ['2024-05-03T08:01:04Z', '20240230T080104Z', '20240503T250104Z', '20240503T080104']) expect(parseSdkDate(bad)).toBeUndefined();
  });
});

describe('access keys in the grants file', () => {
  const file = (keys: unknown[]) => JSON.stringify({ accessKeys: keys });
  const key = { ak: 'AK1', skFile: 'sk-1', projects: ['*'], actions: ['ces:events:list'] };

  it('reads the secret key from the named file, without its line end, and never shows it', () => {
    const g = TokenGrants.parse(file([key]), (name) => (name === 'sk-1' ? 'k3y-material\n' : ''));
    const found = g.accessKey('AK1');
    expect(found?.secretKey.export().toString()).toBe('k3y-material');
    expect(JSON.stringify(found)).not.toContain('k3y');
    expect(inspect(found, { depth: 5 })).not.toContain('k3y');
    expect(g.accessKeyCount).toBe(1);
  });

  it.each<[string, string, (name: string) => string]>([
    [file([key, key]), '/accessKeys/1/ak repeats the access key AK1; give each access key once', () => 's'],
    [file([key]), '/accessKeys/0/skFile sk-1 cannot be read beside the grants file (ENOENT)', () => {
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    }],
    [file([key]), '/accessKeys/0/skFile sk-1 must hold the secret key: 1 to 1024 characters (it holds 0)', () => '\n'],
    [file([{ ...key, skFile: '../etc/passwd' }]), '/accessKeys/0/skFile', () => 's'],
  ])('refuses %s', (text, reason, read) => {
    expect(() => TokenGrants.parse(text, read)).toThrow(reason);
  });
});
