import { STATUS_CODES } from 'node:http';

/** A JSON value, as the OpenAPI document is made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What each status means in this API, for responses whose route gave no description. */
const RESPONSE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  200: 'OK',
  201: 'Created',
  400: 'A parameter or the body is not acceptable; the message names it and what it accepts',
  401: 'No valid token or AK/SK signature',
  403: 'The token or access key does not grant this action',
  404: 'No such route or object, or the feature is disabled (the message says how to enable it)',
  409: 'Conflicts with what is stored',
  413: 'The body is larger than the route accepts; the message gives the limit',
  415: 'The body has a content type the route does not read; the message lists those it does',
  429: 'Too many requests',
  500: 'Internal error; the message names the request id to find in the server log',
  503: 'A component the request needs is unavailable (storage, the Kubernetes API); /readyz has the details',
};

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Finishes the document @fastify/swagger derives from the routes, generically, so routes added
 * by anyone are finished alike: unions of string literals become one `enum`, responses without a
 * description get this API's meaning of their status, and operations without an `operationId`
 * get one derived from method and path (`getModelEtlLog`).
 */
export function finishDocument(doc: JsonObject): JsonObject {
  collapseLiteralUnions(doc);
  const paths = doc['paths'];
  if (isObject(paths)) {
    for (const [path, item] of Object.entries(paths)) {
      if (!isObject(item)) continue;
      for (const [method, operation] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method) || !isObject(operation)) continue;
        operation['operationId'] ??= operationIdOf(method, path);
        describeResponses(operation);
        errorsAsJson(operation);
        declareMalformedUrl(operation);
        // No scheme named: the operation needs no credentials (the Cloud Eye routes name theirs).
        operation['security'] ??= [];
      }
    }
  }
  return doc;
}

/** `get` + `/V1.0/{project_id}/events` → `getV10ProjectIdEvents`. */
export function operationIdOf(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  return method.toLowerCase() + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function describeResponses(operation: JsonObject): void {
  const responses = operation['responses'];
  if (!isObject(responses)) return;
  for (const [status, response] of Object.entries(responses)) {
    if (!isObject(response) || response['description'] !== 'Default Response') continue;
    response['description'] = RESPONSE_DESCRIPTIONS[status] ?? STATUS_CODES[Number(status)] ?? 'Response';
  }
}

const ENVELOPE_REF = '#/components/schemas/ErrorEnvelope';

/**
 * Every route can answer 400 for a URL that does not parse (`frameworkErrors`, before routing),
 * in the envelope; an operation that declares no other 4xx declares that one.
 */
function declareMalformedUrl(operation: JsonObject): void {
  const responses = operation['responses'];
  if (!isObject(responses) || Object.keys(responses).some((status) => status.startsWith('4'))) return;
  responses['400'] = { description: 'The URL does not parse (a malformed percent-encoding, for one)', content: { 'application/json': { schema: { $ref: ENVELOPE_REF } } } };
}

/** A route that `produces` text still fails in the JSON error envelope (the root error handler writes it): say so. */
function errorsAsJson(operation: JsonObject): void {
  const responses = operation['responses'];
  if (!isObject(responses)) return;
  for (const response of Object.values(responses)) {
    const content = isObject(response) ? response['content'] : undefined;
    if (!isObject(content) || !isObject(response)) continue;
    const media = Object.values(content);
    const first = media[0];
    const envelopeOnly = media.every((m) => isObject(m) && isObject(m['schema']) && m['schema']['$ref'] === ENVELOPE_REF);
    if (envelopeOnly && first !== undefined && content['application/json'] === undefined) response['content'] = { 'application/json': first };
  }
}

/** A `{type, enum: [one value]}` schema, as @fastify/swagger renders a TypeBox literal; anything more is not one. */
function literalOf(member: Json): { type: Json; value: Json } | undefined {
  if (!isObject(member)) return undefined;
  const keys = Object.keys(member);
  const values = member['enum'];
  if (keys.length !== 2 || !Array.isArray(values) || values.length !== 1 || member['type'] === undefined) return undefined;
  return { type: member['type'], value: values[0] ?? null };
}

/** `anyOf: [{type: string, enum: [a]}, {type: string, enum: [b]}]` → `type: string, enum: [a, b]`, in place, everywhere. */
function collapseLiteralUnions(node: Json): void {
  if (Array.isArray(node)) {
    for (const item of node) collapseLiteralUnions(item);
    return;
  }
  if (!isObject(node)) return;
  for (const value of Object.values(node)) collapseLiteralUnions(value);
  const members = node['anyOf'];
  if (!Array.isArray(members) || members.length < 2 || node['type'] !== undefined || node['enum'] !== undefined) return;
  const literals = members.map(literalOf);
  const type = literals[0]?.type;
  if (literals.some((l) => l === undefined || l.type !== type) || type === undefined) return;
  delete node['anyOf'];
  node['type'] = type;
  node['enum'] = literals.map((l) => l?.value ?? null);
}
