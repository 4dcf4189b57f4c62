import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { checkSdkClaim, isSdkSigned, type SdkCheck, type SdkClaim } from '../cloud-eye/sdk-signature.js';
import { TokenGrants, type CesAction, type Principal } from '../cloud-eye/token-grants.js';
import type { Clock } from '../clock.js';
import { verifySignedBody } from './sdk-signed-body.js';

/** Where the grants in force come from (the reloading token file); absent, the routes are open. */
export interface CesAccess {
  readonly grants: TokenGrants;
}

/** A route's action, in its `config`. */
export interface CesRouteConfig {
  readonly cesAction?: CesAction;
}

/** Longest token read (Cloud Eye's X-Auth-Token is 1 to 16384 characters); longer ones are not valid. */
const MAX_TOKEN = 16_384;

/** Longest Authorization read; an SDK's is about 200 characters. */
const MAX_AUTHORIZATION = 4096;

/** How a request presents itself: a token (or nothing), or an AK/SK signature checked up to its body. */
type Caller = { readonly by: 'token'; readonly principal: Principal } | { readonly by: 'signature'; readonly claim: SdkCheck<SdkClaim> };

/**
 * Access control of the Cloud Eye routes, by `X-Auth-Token` or by an AK/SK signature
 * (`Authorization: SDK-HMAC-SHA256 …`, as Huawei Cloud's SDKs send). `onRequest` identifies the
 * caller (so the rate limit, which runs next, counts per token, per access key and address, or per
 * address when none is valid); `preParsing` decides before a body is parsed: no valid credential is a 401, a
 * credential outside its grant (action or project) a 403. A signature's form, key and date are
 * checked before the body is read; its HMAC, which covers the body, as the body ends (see
 * verifySignedBody), and only then its grant. Without `access` everything is allowed, and the rate
 * limit counts per address.
 */
export function installCesAuth(app: FastifyInstance, access: CesAccess | undefined, clock: Clock): (request: FastifyRequest) => string {
  const callers = new WeakMap<FastifyRequest, Caller>();
  const verified = new WeakSet<FastifyRequest>();
  const callerOf = (request: FastifyRequest): Caller => {
    let c = callers.get(request);
    if (c === undefined) {
      c = identify(request, access, clock);
      callers.set(request, c);
    }
    return c;
  };
  if (access !== undefined) {
    app.addHook('onRequest', async (request) => {
      callerOf(request);
    });
    app.addHook('preParsing', async (request, _reply, payload) => {
      const config = request.routeOptions.config as CesRouteConfig;
      const project = (request.params as { project_id?: unknown } | undefined)?.project_id;
      const decide = (principal: Principal) => authorize(principal, typeof project === 'string' ? project : undefined, config.cesAction, request);
      const caller = callerOf(request);
      if (caller.by === 'token') {
        decide(caller.principal);
        return payload;
      }
      if (!caller.claim.ok) throw new AppError('CES_UNAUTHENTICATED', caller.claim.reason);
      return verifySignedBody(request, payload, caller.claim.value, (key) => {
        decide({ known: true, grant: key.grant, key: `ak:${key.ak}` });
        verified.add(request);
      });
    });
    // No handler runs for a signature that was not verified, whatever path the body took.
    app.addHook('preValidation', async (request) => {
      if (callerOf(request).by === 'signature' && !verified.has(request)) throw new AppError('CES_UNAUTHENTICATED', 'the signature was not verified against the body');
    });
  }
  // The rate limit's key: the token's hash when valid; the access key with the address for a
  // signature (the limit runs before the HMAC over the body is checked, and an access key is not
  // secret, so a forger elsewhere must not spend the key's budget at its real caller's address);
  // else the address.
  return (request) => {
    const c = callerOf(request);
    if (c.by === 'signature') return c.claim.ok ? `ak:${c.claim.value.key.ak}@${request.ip}` : `ip:${request.ip}`;
    return c.principal.known ? c.principal.key : `ip:${request.ip}`;
  };
}

function identify(request: FastifyRequest, access: CesAccess | undefined, clock: Clock): Caller {
  if (access === undefined) return { by: 'token', principal: { known: false } };
  const authorization = request.headers.authorization;
  if (isSdkSigned(authorization)) {
    if (authorization.length > MAX_AUTHORIZATION) return { by: 'signature', claim: { ok: false, reason: `Authorization is longer than ${MAX_AUTHORIZATION} characters` } };
    return { by: 'signature', claim: checkSdkClaim({ method: request.method, url: request.url, headers: request.headers }, authorization, (ak) => access.grants.accessKey(ak), clock.nowMs()) };
  }
  const header = request.headers['x-auth-token'];
  const token = typeof header === 'string' && header.length <= MAX_TOKEN ? header : undefined;
  return { by: 'token', principal: access.grants.identify(token) };
}

/** Throws the 401 or 403 a principal gets for `action` on `project`; returns when granted. */
function authorize(principal: Principal, project: string | undefined, action: CesAction | undefined, request: FastifyRequest): void {
  const decision = TokenGrants.decide(principal, project, action);
  if (decision === 'unauthenticated') {
    throw new AppError(
      'CES_UNAUTHENTICATED',
      request.headers['x-auth-token'] === undefined
        ? 'X-Auth-Token is missing; send a token CES_TOKENS_FILE grants, or sign the request with an access key it grants (Authorization: SDK-HMAC-SHA256 …)'
        : 'X-Auth-Token is not valid',
    );
  }
  if (decision === 'forbidden') {
    const who = principal.known && principal.key.startsWith('ak:') ? `the access key ${principal.key.slice(3)}` : 'the token';
    throw new AppError('CES_FORBIDDEN', `${who} does not allow ${action ?? 'this'} on project ${project ?? '(none)'}`);
  }
}
