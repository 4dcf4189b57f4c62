import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import { KubeApiError, KubeTimeoutError } from './api-error.js';
import { isKubeObject, type KubeObject } from './kube-object.js';
import { prepareKubeRequest, type KubeConnection, type KubeRequest } from './kube-request.js';

/** How one GET is bounded: a whole-answer deadline on the injected clock and a size cap. */
export interface GetObjectLimits {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/**
 * The path of one namespaced object, from its kind's all-namespaces collection path:
 * `/apis/apps/v1/deployments` → `/apis/apps/v1/namespaces/<ns>/deployments/<name>`.
 */
export function namespacedObjectPath(collectionPath: string, namespace: string, name: string): string {
  const cut = collectionPath.lastIndexOf('/');
  const plural = collectionPath.slice(cut + 1);
  return `${collectionPath.slice(0, cut)}/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}`;
}

/**
 * GETs one object with the kubeconfig's TLS settings and credentials; undefined when the API
 * server answers 404. Any other failure throws: {@link KubeApiError} for an answered error,
 * {@link KubeTimeoutError} past the deadline, the socket's error otherwise. Like the list pages,
 * it uses node:http(s) with the options client-node computes, since global fetch ignores the agent
 * that carries the kubeconfig's CA and client certificates. On `connection` when given (a
 * connection of its own otherwise).
 */
export async function getObject(kc: KubeConfig, path: string, limits: GetObjectLimits, connection?: KubeConnection): Promise<KubeObject | undefined> {
  const { status, body } = await sendKubeRequest(await prepareKubeRequest(kc, path, { connection }), limits);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    if (status === 200) throw new Error(`get ${path}: the answer is not JSON`);
    parsed = undefined;
  }
  if (status === 404) return undefined;
  if (status !== 200) throw KubeApiError.fromStatus(status, parsed);
  if (!isKubeObject(parsed)) throw new Error(`get ${path}: the answer is not an object`);
  return parsed;
}

/** Sends a prepared Kubernetes request (with `body`, when given), as {@link sendRequest} bounds it, and releases what it opened. */
export async function sendKubeRequest(req: KubeRequest, limits: GetObjectLimits, body?: string): Promise<TextAnswer> {
  try {
    return await sendRequest(req.url, req.options, limits, { method: req.options.method ?? 'GET', ...(body !== undefined && { body }) });
  } finally {
    req.release();
  }
}

/** What one request sends. */
export interface RequestBody {
  readonly method: string;
  readonly body?: string | Buffer;
}

/** A completed answer: its status, headers and text. */
export interface TextAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * One HTTP(S) request bounded by a whole-answer deadline on the injected clock and a size cap;
 * resolves with any status, rejects with the socket's error, {@link KubeTimeoutError} past the
 * deadline, or an error past the size cap. Shared by the Kubernetes GETs and the notification sinks.
 */
export function sendRequest(url: URL, opts: https.RequestOptions, limits: GetObjectLimits, what: RequestBody): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? https.request : http.request;
    const req = request(url, { ...opts, method: what.method });
    let settled = false;
    // Why we cut the request short, so whichever event reports it first gives the real reason.
    let cause: Error | undefined;
    const cut = (err: Error): void => {
      cause ??= err;
      req.destroy(err);
    };
    const timer = limits.clock.setTimeout(() => cut(new KubeTimeoutError(`no complete answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    const fail = (err: Error): void => {
      if (settle()) reject(cause ?? err);
    };
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      limits.clock.clearTimeout(timer);
      return true;
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (cause !== undefined) return;
        size += c.length;
        if (size > limits.maxBytes) cut(new Error(`the answer is larger than ${limits.maxBytes} bytes`));
        else chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => {
        // A cut answer may still end when its last bytes were already read: it is not an answer.
        if (cause !== undefined) fail(cause);
        else if (settle()) resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('close', () => {
        // A socket destroyed mid-answer closes the response without 'end'.
        if (!res.complete) fail(new Error('the connection closed before the answer was complete'));
      });
    });
    req.end(what.body);
  });
}
