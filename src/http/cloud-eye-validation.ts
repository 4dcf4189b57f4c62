import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type ValueError } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';
import { AppError, invalidParameterMessage, missingParameterMessage, repeatedParameterMessage } from '../errors.js';
import { queryValueToQuote, quoteValue } from '../quote-value.js';
import { EMPTY_REPORT } from './cloud-eye-errors.js';

/**
 * Validation of the Cloud Eye routes, by TypeBox's compiler instead of the server's shared Ajv:
 * Cloud Eye refuses a string where its body has a number, and the shared Ajv coerces types (it
 * would take `"time": "1742264993000"`, and wrap a lone object into the array a report must be).
 * Query strings are still converted (they are text), an empty query value counts as absent, and
 * the first failure becomes an AppError of a Cloud Eye code naming the field, what was sent and what is accepted.
 */

/** `/0/detail/event_level` → `[0].detail.event_level`. */
function fieldOf(path: string): string {
  return path
    .split('/')
    .slice(1)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}


/** The schema's `x-accepts`, or TypeBox's message. */
function accepts(e: ValueError): string {
  const annotated = (e.schema as { 'x-accepts'?: unknown })['x-accepts'];
  return typeof annotated === 'string' ? annotated : e.message.replace(/^Expected /, '').toLowerCase();
}

/** The first failure of a part of the request as Cloud Eye's error; `sent` is the query as it came, before conversion. */
function describe(part: string, e: ValueError, data: unknown, sent?: unknown): AppError {
  if (part === 'body') {
    if (e.path === '' && (data === null || data === undefined || (Array.isArray(data) && data.length === 0))) {
      return new AppError('CES_CONTENT_REQUIRED', EMPTY_REPORT);
    }
    const field = fieldOf(e.path);
    // A missing field fails as "required" at its own path, with nothing there.
    if (e.value === undefined) return new AppError('CES_BAD_BODY', `invalid body: '${field}' is missing; accepts ${accepts(e)}`);
    return new AppError('CES_BAD_BODY', `invalid body: ${field === '' ? 'the body' : `'${field}'`} got ${quoteValue(e.value)}; accepts ${accepts(e)}`);
  }
  const name = fieldOf(e.path);
  if (Array.isArray(e.value)) return new AppError('CES_BAD_PARAMETER', repeatedParameterMessage(name));
  if (e.value === undefined) return new AppError('CES_BAD_PARAMETER', missingParameterMessage(name, accepts(e)));
  // As converted (`got 0`), unless converting changed it (`Infinity` read as NaN, a number too long to hold exactly).
  const asSent = typeof sent === 'object' && sent !== null ? (sent as Record<string, unknown>)[name] : undefined;
  return new AppError(part === 'params' && name === 'project_id' ? 'CES_BAD_PROJECT' : 'CES_BAD_PARAMETER', invalidParameterMessage(name, quoteValue(queryValueToQuote(e.value, asSent)), accepts(e)));
}

/** Query values as sent, without the empty ones. */
function withoutEmpty(data: unknown): unknown {
  if (data === null || typeof data !== 'object') return data;
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== ''));
}

/** The validator compiler of the Cloud Eye plugin. */
export const cesValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  return (data: unknown) => {
    const query = httpPart === 'querystring';
    const value = query ? Value.Convert(schema, withoutEmpty(data)) : data;
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    return { error: first === undefined ? new AppError('CES_BAD_PARAMETER', `invalid ${httpPart ?? 'request'}`) : describe(httpPart ?? '', first, value, query ? data : undefined) };
  };
};
