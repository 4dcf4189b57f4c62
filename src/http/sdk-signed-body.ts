import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { EMPTY_BODY_SHA256, verifySdkSignature, type SdkClaim } from '../cloud-eye/sdk-signature.js';
import type { AccessKey } from '../cloud-eye/token-grants.js';
import { readsBody } from './request-body.js';

/**
 * A `preParsing` step for a signed request: the body is hashed as it streams to the parser and
 * the signature verified when it ends, before a byte is parsed (a wrong signature is a 401, not a
 * 400 about the body); then `granted` decides (a 403 throws). A request Fastify will not read a
 * body of is verified at once, against the empty body. Either way the body is never held twice:
 * the hash is of the bytes Fastify reads, within its body limit.
 */
export function verifySignedBody(request: FastifyRequest, payload: Readable, claim: SdkClaim, granted: (key: AccessKey) => void): Readable {
  const verify = (bodySha256: string): void => {
    const result = verifySdkSignature({ method: request.method, url: request.url, headers: request.headers }, claim, bodySha256);
    if (!result.ok) throw new AppError('CES_UNAUTHENTICATED', result.reason);
    granted(result.value);
  };
  if (!readsBody(request)) {
    verify(EMPTY_BODY_SHA256);
    return payload;
  }
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      try {
        verify(hash.digest('hex'));
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  payload.on('error', (err) => hashing.destroy(err));
  // Fastify listens for this stream's errors only while it reads the body. A request it has
  // answered without reading to the end (a type the route does not parse, a body over the limit)
  // still ends, and its failed check then has nobody to tell: unheard, the error would be the
  // process's uncaught exception. Fastify's own listener, while there is one, gets it too.
  hashing.on('error', () => {});
  return payload.pipe(hashing);
}
