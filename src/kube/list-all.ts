import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import { isExpired, KubeApiError } from './api-error.js';
import type { KubeObject } from './kube-object.js';
import { isKubeObject } from './kube-object.js';
import { KubeConnection } from './kube-request.js';
import { fetchListPage } from './list-page.js';

/** How to take one consistent list of a collection. */
export interface ListAllOptions<T> {
  readonly kubeConfig: KubeConfig;
  readonly path: string;
  /** Items per page (`limit`); the server may return fewer. */
  readonly pageSize: number;
  /** Projects each raw item as its page arrives, so whole objects are never all held at once. */
  readonly transform: (obj: KubeObject) => T;
  /** Called for an item that is not an object or that `transform` throws on; the item is skipped. */
  readonly onBadItem: (err: unknown, item: unknown) => void;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly pageTimeoutMs: number;
  readonly maxPageBytes: number;
  /** How many times an expired continue token may restart the list before giving up. */
  readonly maxRestarts: number;
}

/** A consistent list: every item and the snapshot resourceVersion to watch from. */
export interface ListAllResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
  readonly pages: number;
  /** Times the list started over because a continue token expired. */
  readonly restarts: number;
}

/**
 * Lists a collection page by page. No `resourceVersion` is sent, so the server takes a fresh,
 * consistent snapshot (a quorum read) that every page reports, and paginates it for real (many
 * servers ignore `limit` when `resourceVersion=0`). When a continue token expires mid-list, the
 * 410 offers a token to carry on, but that would mix two snapshots: start over instead. The
 * pages go over one keep-alive connection (one TLS handshake per list, not per page).
 */
export async function listAll<T>(o: ListAllOptions<T>): Promise<ListAllResult<T>> {
  const connection = new KubeConnection();
  try {
    return await listPages(o, connection);
  } finally {
    connection.close();
  }
}

async function listPages<T>(o: ListAllOptions<T>, connection: KubeConnection): Promise<ListAllResult<T>> {
  let pages = 0;
  for (let restarts = 0; restarts <= o.maxRestarts; restarts++) {
    const items: T[] = [];
    let rv: string | undefined;
    let cont: string | undefined;
    let expired = false;
    do {
      const query: Record<string, string> = { limit: String(o.pageSize) };
      if (cont !== undefined) query['continue'] = cont;
      let page;
      try {
        page = await fetchListPage(o.kubeConfig, o.path, query, { signal: o.signal, connection, clock: o.clock, timeoutMs: o.pageTimeoutMs, maxBytes: o.maxPageBytes });
      } catch (err) {
        if (cont !== undefined && isExpired(err)) {
          expired = true;
          break;
        }
        throw err;
      }
      pages++;
      rv ??= page.resourceVersion;
      for (const raw of page.items) {
        if (!isKubeObject(raw)) {
          o.onBadItem(new Error('list item is not an object'), raw);
          continue;
        }
        try {
          items.push(o.transform(raw));
        } catch (err) {
          o.onBadItem(err, raw);
        }
      }
      cont = page.continueToken;
    } while (cont !== undefined);
    if (!expired && rv !== undefined) return { items, resourceVersion: rv, pages, restarts };
  }
  throw new KubeApiError(410, 'Expired', `the list of ${o.path} expired ${o.maxRestarts + 1} times in a row before it was complete`);
}
