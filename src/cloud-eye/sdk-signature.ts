import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import { clipText } from '../quote-value.js';
import type { AccessKey } from './token-grants.js';

/**
 * Huawei Cloud's AK/SK request signing (API Gateway's "SDK-HMAC-SHA256"), as its SDKs sign
 * (`AKSKSigner` of @huaweicloud/huaweicloud-sdk-core): the signature is the hex HMAC-SHA256, under
 * the secret key, of
 *
 *     SDK-HMAC-SHA256 \n <X-Sdk-Date> \n hex(SHA-256(canonical request))
 *
 * where the canonical request is the method, the path (each segment percent-encoded, a `/` at the
 * end), the query (sorted by name, each name and value percent-encoded), each signed header as
 * `name:value` on its own line, the signed header names joined by `;`, and the hex SHA-256 of the
 * body (or `X-Sdk-Content-Sha256`), one per line. Verified in two steps: `checkSdkClaim` before the
 * body is read (the header's form, a known access key, a fresh date), `verifySdkSignature` once its
 * hash is known.
 */
export const SDK_ALGORITHM = 'SDK-HMAC-SHA256';

/** How far `X-Sdk-Date` may be from the server's clock, either way (API Gateway's 15 minutes). */
export const SDK_DATE_TOLERANCE_MS = 15 * 60_000;

/** The hex SHA-256 of an empty body. */
export const EMPTY_BODY_SHA256 = createHash('sha256').digest('hex');

/** What the signer puts in X-Sdk-Content-Sha256 for a body it did not hash. */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** Headers every signature must cover: without them a signature could be replayed to another host or at another time. */
const REQUIRED_SIGNED = ['host', 'x-sdk-date'];

/** The request as it arrived: method, the raw path and query, the headers Node parsed (names in lower case). */
export interface SignedRequest {
  readonly method: string;
  /** The request target as sent, `/V1.0/p/events?limit=1`, not decoded. */
  readonly url: string;
  readonly headers: { readonly [name: string]: string | readonly string[] | undefined };
}

/** A signature whose form, key and date passed; the body's hash is still to come. */
export interface SdkClaim {
  readonly key: AccessKey;
  readonly signedHeaders: readonly string[];
  readonly signature: Buffer;
  /** X-Sdk-Date as sent (`20240503T080104Z`), the string-to-sign's date. */
  readonly date: string;
}

/** A check's outcome: passed, or the reason the request is not authenticated (no secret in it). */
export type SdkCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Whether the request's Authorization is an SDK signature (rather than none, or another scheme). */
export function isSdkSigned(authorization: string | undefined): authorization is string {
  return authorization !== undefined && authorization.startsWith(`${SDK_ALGORITHM} `);
}

const AUTHORIZATION_FORM = `expected ${SDK_ALGORITHM} Access=<access key id>, SignedHeaders=<names joined by ;>, Signature=<64 hex digits>`;

/** Before the body: the header's form, the access key, the signed headers and the date. */
export function checkSdkClaim(request: SignedRequest, authorization: string, accessKey: (ak: string) => AccessKey | undefined, nowMs: number): SdkCheck<SdkClaim> {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(SDK_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const ak = fields.get('Access');
  const names = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (ak === undefined || names === undefined || signature === undefined || !/^[0-9a-fA-F]{64}$/.test(signature) || names === '') {
    return fail(`Authorization is not a valid ${SDK_ALGORITHM} signature; ${AUTHORIZATION_FORM}`);
  }
  const key = accessKey(ak);
  if (key === undefined) return fail(`the access key ${clipText(ak, 40)} is not one CES_TOKENS_FILE grants`);
  const signedHeaders = names.split(';');
  const unsigned = REQUIRED_SIGNED.filter((h) => !signedHeaders.includes(h));
  if (unsigned.length > 0) return fail(`SignedHeaders must include ${REQUIRED_SIGNED.join(' and ')}; it leaves out ${unsigned.join(', ')}`);
  const missing = signedHeaders.find((h) => request.headers[h] === undefined);
  if (missing !== undefined) return fail(`the signed header ${clipText(missing, 40)} is not in the request`);
  const date = headerValue(request.headers['x-sdk-date']);
  const dateMs = parseSdkDate(date);
  if (dateMs === undefined) return fail(`X-Sdk-Date ${clipText(date, 40)} is not a date as the SDKs send it (YYYYMMDDTHHMMSSZ, UTC)`);
  if (Math.abs(nowMs - dateMs) > SDK_DATE_TOLERANCE_MS) return fail(`X-Sdk-Date ${date} is more than 15 minutes from the server's clock; sign the request again (and check the client's clock)`);
  return { ok: true, value: { key, signedHeaders, signature: Buffer.from(signature.toLowerCase(), 'hex'), date } };
}

/** With the body's hex SHA-256: the body against X-Sdk-Content-Sha256, then the signature, compared in constant time. */
export function verifySdkSignature(request: SignedRequest, claim: SdkClaim, bodySha256: string): SdkCheck<AccessKey> {
  const declared = request.headers['x-sdk-content-sha256'];
  let payloadHash = bodySha256;
  if (declared !== undefined) {
    payloadHash = headerValue(declared);
    if (payloadHash === UNSIGNED_PAYLOAD) {
      if (bodySha256 !== EMPTY_BODY_SHA256) return fail(`X-Sdk-Content-Sha256: ${UNSIGNED_PAYLOAD} is accepted only without a body; sign the body's SHA-256`);
    } else if (payloadHash.toLowerCase() !== bodySha256) {
      return fail('the body does not match its X-Sdk-Content-Sha256');
    }
  }
  const expected = sdkSignature(request, claim.signedHeaders, claim.date, payloadHash, claim.key);
  if (!timingSafeEqual(expected, claim.signature)) {
    return fail(`the signature does not match; sign the method, path, query, signed headers and body with the secret key of ${claim.key.ak}`);
  }
  return { ok: true, value: claim.key };
}

/** The HMAC-SHA256 of the request's string-to-sign under the access key's secret key. */
function sdkSignature(request: SignedRequest, signedHeaders: readonly string[], date: string, payloadHash: string, key: AccessKey): Buffer {
  const [path, query] = splitTarget(request.url);
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${headerValue(request.headers[h]).trim()}\n`).join('');
  const canonicalRequest = [request.method, canonicalPath(path), canonicalQuery(query), canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
  const stringToSign = [SDK_ALGORITHM, date, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  return createHmac('sha256', key.secretKey).update(stringToSign).digest();
}

function splitTarget(url: string): [string, string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}

/** Percent-encodes all but A–Z a–z 0–9 `-_.~` (RFC 3986's unreserved), in UTF-8, upper-case hex: the SDK's urlEncode. */
export function sdkEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The path as sent, each segment encoded again (so `%20` becomes `%2520`, as the SDK encodes the path it sends), ending in `/`. */
export function canonicalPath(path: string): string {
  const encoded = path.split('/').map(encodeSegment).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function encodeSegment(segment: string): string {
  try {
    return sdkEncode(segment);
  } catch {
    // A lone surrogate cannot come off the wire as a string; kept as is, it cannot match a signer's.
    return segment;
  }
}

/** The query decoded (`+` as a space, as the routes read it), sorted by name, each name and value encoded; repeated names sorted by value. */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const params = parseQuery(query);
  const out: string[] = [];
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    const values = Array.isArray(value) ? [...value].sort() : [value ?? ''];
    for (const v of values) out.push(`${encodeSegment(name)}=${encodeSegment(v)}`);
  }
  return out.join('&');
}

/** `20240503T080104Z` as epoch milliseconds; undefined when it is not that form or not a real time. */
export function parseSdkDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return undefined;
  return ms;
}

function headerValue(value: string | readonly string[] | undefined): string {
  return value === undefined ? '' : typeof value === 'string' ? value : value.join(',');
}
