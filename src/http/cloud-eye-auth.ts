import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { TokenGrants, type CesAction, type Principal } from '../cloud-eye/token-grants.js';

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

/**
 * Access control of the Cloud Eye routes. `onRequest` identifies the caller (so the rate limit,
 * which runs next, counts per token, or per address when none is valid); `preParsing` decides,
 * before a body is read: no valid token is a 401, a token outside its grant (action or project)
 * a 403. Without `access` everything is allowed, and the rate limit counts per address.
 */
export function installCesAuth(app: FastifyInstance, access: CesAccess | undefined): (request: FastifyRequest) => string {
  const principals = new WeakMap<FastifyRequest, Principal>();
  const principalOf = (request: FastifyRequest): Principal => {
    let p = principals.get(request);
    if (p === undefined) {
      const header = request.headers['x-auth-token'];
      const token = typeof header === 'string' && header.length <= MAX_TOKEN ? header : undefined;
      p = access === undefined ? { known: false } : access.grants.identify(token);
      principals.set(request, p);
    }
    return p;
  };
  if (access !== undefined) {
    app.addHook('onRequest', async (request) => {
      principalOf(request);
    });
    app.addHook('preParsing', async (request) => {
      const config = request.routeOptions.config as CesRouteConfig;
      const project = (request.params as { project_id?: unknown } | undefined)?.project_id;
      const decision = TokenGrants.decide(principalOf(request), typeof project === 'string' ? project : undefined, config.cesAction);
      if (decision === 'unauthenticated') {
        throw new AppError('CES_UNAUTHENTICATED', request.headers['x-auth-token'] === undefined ? 'X-Auth-Token is missing; send a token CES_TOKENS_FILE grants' : 'X-Auth-Token is not valid');
      }
      if (decision === 'forbidden') {
        throw new AppError('CES_FORBIDDEN', `the token does not allow ${config.cesAction ?? 'this'} on project ${typeof project === 'string' ? project : '(none)'}`);
      }
    });
  }
  // The rate limit's key: the token's hash when it is valid, else the address.
  return (request) => {
    const p = principalOf(request);
    return p.known ? `token:${p.key}` : `ip:${request.ip}`;
  };
}
