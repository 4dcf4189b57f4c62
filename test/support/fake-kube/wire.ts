import type { ServerResponse } from 'node:http';
import type { FakeResource } from './resources.js';
import { apiVersionOf } from './resources.js';
import type { FakeObject } from './types.js';
import { statusBody } from './types.js';

/** Sends a whole JSON body with the API server's content type. */
export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends a failure Status with the same HTTP status code. */
export function sendStatus(res: ServerResponse, code: number, reason: string, message: string, extra: { continue?: string } = {}): void {
  sendJson(res, code, statusBody(code, reason, message, extra));
}

/** An object as it travels in a get or a watch event: with its kind and apiVersion (list items go without). */
export function withTypeMeta(r: FakeResource, o: FakeObject): Record<string, unknown> {
  return { kind: r.kind, apiVersion: apiVersionOf(r), ...o };
}
