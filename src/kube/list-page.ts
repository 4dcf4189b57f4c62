import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import { KubeApiError, KubeTimeoutError } from './api-error.js';
import type { KubeConnection, KubeRequest } from './kube-request.js';
import { prepareKubeRequest } from './kube-request.js';

/** One page of a list: raw items, the snapshot's resourceVersion and the token for the next page. */
export interface ListPage {
  readonly items: readonly unknown[];
  readonly resourceVersion: string;
  readonly continueToken: string | undefined;
}

/** How one page request is bounded. */
export interface PageRequestLimits {
  readonly signal: AbortSignal;
  /** The list's connection, shared by its pages. */
  readonly connection?: KubeConnection;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/**
 * GETs one page of a collection with the kubeconfig's TLS settings and credentials.
 *
 * Why not the generated `listXxx` calls: each kind has its own function (kinds here are data), and
 * they rebuild every item into model classes, which costs time and memory on 100,000 objects.
 */
export async function fetchListPage(kc: KubeConfig, path: string, query: Readonly<Record<string, string>>, limits: PageRequestLimits): Promise<ListPage> {
  const { status, body } = await get(await prepareKubeRequest(kc, path, { query, connection: limits.connection }), limits);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw status === 200 ? new Error(`list ${path}: the answer is not JSON`) : KubeApiError.fromStatus(status, undefined);
  }
  if (status !== 200) throw KubeApiError.fromStatus(status, parsed);
  return toPage(path, parsed);
}

function toPage(path: string, v: unknown): ListPage {
  if (typeof v !== 'object' || v === null) throw new Error(`list ${path}: the answer is not an object`);
  const { items, metadata } = v as { items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown } };
  // An empty list may come with `items: null` from some servers.
  if (items !== undefined && items !== null && !Array.isArray(items)) throw new Error(`list ${path}: items is not an array`);
  const rv = metadata?.resourceVersion;
  if (typeof rv !== 'string' || rv === '') throw new Error(`list ${path}: the answer has no metadata.resourceVersion`);
  const cont = metadata?.continue;
  return { items: Array.isArray(items) ? (items as unknown[]) : [], resourceVersion: rv, continueToken: typeof cont === 'string' && cont !== '' ? cont : undefined };
}

function get({ url, options, send, release }: KubeRequest, limits: PageRequestLimits): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = send(url, options);
    const timer = limits.clock.setTimeout(() => {
      req.destroy(new KubeTimeoutError(`no complete answer within ${limits.timeoutMs} ms`));
    }, limits.timeoutMs);
    const onAbort = (): void => {
      req.destroy(limits.signal.reason instanceof Error ? limits.signal.reason : new Error('aborted'));
    };
    const settle = (): void => {
      limits.clock.clearTimeout(timer);
      limits.signal.removeEventListener('abort', onAbort);
      release();
    };
    if (limits.signal.aborted) onAbort();
    else limits.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => {
      settle();
      reject(err);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let tooLarge = false;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limits.maxBytes) {
          // A cut answer must never be parsed as a whole one, even if 'end' was already queued.
          tooLarge = true;
          req.destroy(new Error(`list page larger than ${limits.maxBytes} bytes`));
        } else chunks.push(c);
      });
      res.on('error', (err) => {
        settle();
        reject(err);
      });
      res.on('end', () => {
        settle();
        if (tooLarge) reject(new Error(`list page larger than ${limits.maxBytes} bytes`));
        else resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('close', () => {
        // A socket destroyed mid-answer ends the response without 'end'; settling twice is harmless.
        settle();
        if (!res.complete) reject(new Error('the connection closed before the list answer was complete'));
      });
    });
    req.end();
  });
}
