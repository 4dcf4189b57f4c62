import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { nestsDeeperThan, TOO_DEEP_MESSAGE } from '../json-nesting.js';

/**
 * The JSON body parser of every route: Fastify's own (prototype poisoning refused, an empty body
 * its usual error), behind the nesting limit, so a body nested past `MAX_JSON_DEPTH` is a
 * 400 `BAD_BODY` before it is parsed, validated or quoted. Each route group's error handler puts
 * that 400 in its own envelope. Plugins that read bodies their own way (the Predict API) check
 * the limit themselves.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const text = typeof raw === 'string' ? raw : raw.toString('utf8');
    if (nestsDeeperThan(text)) {
      done(new AppError('BAD_BODY', TOO_DEEP_MESSAGE), undefined);
      return;
    }
    void parse(request, text, done);
  });
}
