import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
// `schema.hide` (routes left out of the OpenAPI document) is declared by the swagger plugin.
import type {} from '@fastify/swagger';
import type { BuildInfo } from '../build-info.js';
import type { StaticFiles } from '../ui-server/static-files.js';
import { negotiateCoding } from './encoding.js';
import { Envelope, errorBody, errorResponses } from './envelope.js';

/** What the page shows in its header and which parts it offers: `GET /ui/api/info`. */
export const UiInfoSchema = Type.Object({
  version: Type.String({ description: 'The package version of the running build.', examples: ['0.1.0'] }),
  commit: Type.Union([Type.String(), Type.Null()], { description: 'The git commit it was built from; null when unknown.', examples: ['69d4569'] }),
  builtAt: Type.Union([Type.String(), Type.Null()], { description: 'When it was built, RFC 3339; null when run from source.' }),
  clusterId: Type.String({ description: "This server's CLUSTER_ID: the cluster its watchers and ETL describe.", examples: ['cluster-one'] }),
  docs: Type.Boolean({ description: 'Whether the interactive API docs are served at /docs (DOCS_ENABLED).' }),
  audit: Type.Boolean({ description: 'Whether the Cost Events Audit API is enabled (COST_EVENTS_AUDIT_ENABLED).' }),
  etlResolutionMs: Type.Integer({ minimum: 1, description: 'ETL_RESOLUTION in milliseconds: the width of the windows the ETL builds.', examples: [3_600_000] }),
});

/** The answer of `GET /ui/api/info`. */
export const UiInfoResponseSchema = Envelope(UiInfoSchema);

/** What the page's routes need. */
export interface UiRouteDeps {
  /** The built page; undefined when it was not built (run from source): `/ui/` then says so. */
  readonly files: StaticFiles | undefined;
  readonly build: BuildInfo;
  readonly clusterId: string;
  readonly docs: boolean;
  readonly audit: boolean;
  readonly etlResolutionMs: number;
}

/**
 * The page allows only its own origin: scripts and styles from its files (no inline ones), API
 * calls to the server that served it, nothing framed, nothing fetched elsewhere.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const NOT_BUILT_MESSAGE = 'the web page is not built: run `npm run build` (it builds the server and the page into dist/)';

/** A browser asks for HTML; an API client or a probe does not, and keeps the plain 404 at `/`. */
function wantsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/.test(request.headers.accept ?? '');
}

/** `/ui/…` with the leading `/ui/` removed and the query dropped; undefined for `/ui` itself. */
function pageFile(url: string): string | undefined {
  const path = url.split('?')[0] ?? '';
  if (path === '/ui') return undefined;
  const rest = decodeURIComponent(path.slice('/ui/'.length));
  return rest === '' ? 'index.html' : rest;
}

function sendFile(request: FastifyRequest, reply: FastifyReply, file: StaticFiles extends ReadonlyMap<string, infer F> ? F : never): FastifyReply {
  reply
    .header('content-type', file.contentType)
    .header('etag', file.etag)
    .header('vary', 'Accept-Encoding')
    // Hashed assets never change under their name; index.html names them, so it is revalidated each load.
    .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  const inm = request.headers['if-none-match'];
  if (inm !== undefined && inm.split(',').some((t) => t.trim() === file.etag || t.trim() === `W/${file.etag}`)) return reply.code(304).send();
  const coding = negotiateCoding(request.headers['accept-encoding']);
  const body = file.bodies[coding];
  if (coding !== 'identity' && body !== file.bodies.identity) reply.header('content-encoding', coding);
  return reply.send(body);
}

/** `GET /` (a browser is sent to the page), `GET /ui/` (the page and its files) and `GET /ui/api/info`. */
export function uiRoutes(deps: UiRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Encapsulated: these headers go on the page's answers only, not on the API's.
    app.addHook('onSend', async (_request, reply) => {
      reply
        .header('content-security-policy', UI_CONTENT_SECURITY_POLICY)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cross-origin-opener-policy', 'same-origin');
    });

    app.get('/', { schema: { hide: true } }, (request, reply) => {
      // Relative, so the redirect keeps whatever prefix a proxy put before the server's root.
      if (wantsHtml(request)) return reply.redirect('ui/', 302);
      return reply.code(404).send(errorBody(404, 'no route for GET /; the web page is at /ui/'));
    });

    app.get(
      '/ui/api/info',
      {
        schema: {
          summary: "What the web page shows in its header: the build, this server's cluster, which parts are enabled",
          tags: ['ui'],
          response: { 200: UiInfoResponseSchema, 500: errorResponses[500] },
        },
        logLevel: 'warn',
      },
      () => ({
        code: 200 as const,
        data: {
          version: deps.build.version,
          commit: deps.build.commit,
          builtAt: deps.build.builtAt,
          clusterId: deps.clusterId,
          docs: deps.docs,
          audit: deps.audit,
          etlResolutionMs: deps.etlResolutionMs,
        },
      }),
    );

    const page = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
      const name = pageFile(request.url);
      // `/ui` without its slash: relative URLs in the page would resolve one level too high.
      if (name === undefined) return reply.redirect('ui/', 302);
      if (deps.files === undefined) return reply.code(404).send(errorBody(404, NOT_BUILT_MESSAGE));
      const file = deps.files.get(name);
      if (file === undefined) return reply.code(404).send(errorBody(404, `no file ${name} in the web page`));
      return sendFile(request, reply, file);
    };
    // The router ignores trailing slashes, so `/ui` answers both `/ui` and `/ui/`; the handler tells them apart.
    app.get('/ui', { schema: { hide: true }, logLevel: 'warn' }, page);
    app.get('/ui/*', { schema: { hide: true }, logLevel: 'warn' }, page);
  };
}
