import type { FastifyInstance } from 'fastify';
import { clipText } from '../quote-value.js';

/** Methods a route may be registered for; OPTIONS is every path's (CORS answers it). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/**
 * The methods `path` answers, for the `Allow` header of a 405, or none when no route has the
 * path (a 404). Asked of the router, so routes registered by any plugin count.
 */
export function allowedMethods(app: FastifyInstance, url: string): string[] {
  const path = url.split('?')[0] ?? '';
  // findRoute's types say it always finds; it answers null when no route matches.
  const found: string[] = METHODS.filter((method) => (app.findRoute({ method, url: path }) as unknown) !== null);
  return found.length === 0 ? [] : [...found, 'OPTIONS'];
}

/** The message of a 405. */
export function methodNotAllowedMessage(method: string, url: string, allowed: readonly string[]): string {
  return `${clipText(url.split('?')[0] ?? '')} does not answer ${method}; it answers ${allowed.join(', ')}`;
}
