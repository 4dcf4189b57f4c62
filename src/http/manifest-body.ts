/**
 * The Predict API's request bodies: which content types are read how. Registered inside the
 * route's own plugin, so no other route starts accepting YAML. The parsers only tag the text with
 * its format; the domain (`src/predict/manifests.ts`) reads it, after the query is checked.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { ManifestFormat } from '../predict/manifests.js';

/** Content types read as YAML. */
export const YAML_CONTENT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;

/**
 * Generic content types whose body is sniffed: JSON when it starts with `{` or `[`, else YAML.
 * `application/x-www-form-urlencoded` is what `curl --data-binary @deploy.yaml` sends unless told
 * otherwise; no manifest is ever form-encoded, so it is read as the file it is.
 */
export const SNIFFED_CONTENT_TYPES = ['text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded'] as const;

/** A request body, as text, with how to read it. */
export interface ManifestBody {
  readonly format: ManifestFormat;
  readonly text: string;
}

/** Whether the parsed body is one of ours (anything else means the request had no body). */
export function isManifestBody(body: unknown): body is ManifestBody {
  return typeof body === 'object' && body !== null && 'format' in body && 'text' in body && typeof body.text === 'string';
}

const ACCEPTED = `${YAML_CONTENT_TYPES.join(', ')}, application/json, ${SNIFFED_CONTENT_TYPES.join(', ')} or none`;

/** Replaces the plugin's parsers with ours: YAML, JSON, sniffed, and a 415 naming the accepted types. */
export function registerManifestParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  const tag = (format: ManifestFormat) => (_request: unknown, text: string, done: (err: Error | null, body?: ManifestBody) => void) =>
    done(null, { format, text });
  app.addContentTypeParser([...YAML_CONTENT_TYPES], { parseAs: 'string' }, tag('yaml'));
  app.addContentTypeParser('application/json', { parseAs: 'string' }, tag('json'));
  app.addContentTypeParser([...SNIFFED_CONTENT_TYPES], { parseAs: 'string' }, tag('sniff'));
  // The catch-all sees untyped bodies (sniffed: kubectl-cost sends no Content-Type) and every other type (refused).
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text: string, done) => {
    const type = request.headers['content-type'];
    if (type === undefined || type.trim() === '') {
      done(null, { format: 'sniff', text });
      return;
    }
    done(new AppError('UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Type ${JSON.stringify(type.slice(0, 100))}; accepts ${ACCEPTED}`), undefined);
  });
}
