import type { FakeResource } from './resources.js';
import { apiVersionOf } from './resources.js';
import type { FakeStore } from './store.js';
import { objectKey } from './store.js';
import type { FakeObject } from './types.js';

interface Snapshot {
  readonly rv: number;
  readonly items: readonly FakeObject[];
}

interface Token {
  s: number; // snapshot id
  rv: number; // snapshot resourceVersion
  a: string; // key of the last item served
}

/** What a list request asks for, already parsed from its query. */
export interface ListQuery {
  limit: number | undefined;
  continueToken: string | undefined;
  resourceVersion: string | undefined;
  matches: (o: FakeObject) => boolean;
}

/** A list answer: a 200 body, or a failure Status to send. */
export type ListResult =
  | { ok: true; body: { kind: string; apiVersion: string; metadata: Record<string, unknown>; items: FakeObject[] } }
  | { ok: false; code: number; reason: string; message: string; continue?: string };

const keyOf = (o: FakeObject): string => objectKey(o.metadata.namespace, o.metadata.name);

/** First index whose key sorts after `after`: where a continued page starts. */
function startAfter(items: readonly FakeObject[], after: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keyOf(items[mid]!) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Paginated lists over a fixed snapshot, as etcd serves them: every page of one list reports the
 * snapshot's resourceVersion, and a continue token dies when its snapshot is compacted away or
 * the test expires it (then 410 Expired, carrying a fresh, inconsistent token as the real one does).
 */
export class Lister {
  readonly #snapshots = new Map<number, Snapshot>();
  #nextId = 1;

  constructor(
    private readonly store: FakeStore,
    private readonly maxSnapshots = 256,
  ) {}

  /** Makes every outstanding continue token expired. */
  expireTokens(): void {
    this.#snapshots.clear();
  }

  /** Answers one list request of `r` (in `namespace`, or all). */
  list(r: FakeResource, namespace: string | undefined, q: ListQuery): ListResult {
    let snap: Snapshot;
    let id: number;
    let start = 0;
    if (q.continueToken !== undefined) {
      const tok = decode(q.continueToken);
      if (tok === undefined) return { ok: false, code: 400, reason: 'BadRequest', message: 'continue key is not valid' };
      const found = this.#snapshots.get(tok.s);
      if (found === undefined || tok.rv < this.store.floor) {
        // The real server offers a token to go on from here at the newest rv: inconsistent, but it exists.
        const fresh = this.#register(this.#take(r, namespace, q));
        const next = encode({ s: fresh.id, rv: fresh.snap.rv, a: tok.a });
        return {
          ok: false,
          code: 410,
          reason: 'Expired',
          message: 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          continue: next,
        };
      }
      snap = found;
      id = tok.s;
      start = startAfter(snap.items, tok.a);
    } else {
      const rv = q.resourceVersion;
      if (rv !== undefined && rv !== '' && rv !== '0' && q.limit !== undefined && Number(rv) < this.store.floor) {
        return { ok: false, code: 410, reason: 'Expired', message: `too old resource version: ${rv} (${this.store.floor})` };
      }
      snap = this.#take(r, namespace, q);
      id = 0;
    }
    const end = q.limit === undefined ? snap.items.length : Math.min(snap.items.length, start + q.limit);
    const metadata: Record<string, unknown> = { resourceVersion: String(snap.rv) };
    if (end < snap.items.length) {
      if (id === 0) id = this.#register(snap).id;
      metadata['continue'] = encode({ s: id, rv: snap.rv, a: keyOf(snap.items[end - 1]!) });
      metadata['remainingItemCount'] = snap.items.length - end;
    } else if (id !== 0) {
      this.#snapshots.delete(id);
    }
    return {
      ok: true,
      body: { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata, items: snap.items.slice(start, end) },
    };
  }

  #take(r: FakeResource, namespace: string | undefined, q: ListQuery): Snapshot {
    return { rv: this.store.currentRv, items: this.store.list(r, namespace).filter(q.matches) };
  }

  #register(snap: Snapshot): { id: number; snap: Snapshot } {
    const id = this.#nextId++;
    this.#snapshots.set(id, snap);
    if (this.#snapshots.size > this.maxSnapshots) {
      // Maps iterate in insertion order: the first key is the oldest snapshot.
      const oldest = this.#snapshots.keys().next().value;
      if (oldest !== undefined) this.#snapshots.delete(oldest);
    }
    return { id, snap };
  }
}

function encode(t: Token): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decode(s: string): Token | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (typeof v !== 'object' || v === null) return undefined;
    const t = v as Partial<Token>;
    if (typeof t.s !== 'number' || typeof t.rv !== 'number' || typeof t.a !== 'string') return undefined;
    return { s: t.s, rv: t.rv, a: t.a };
  } catch {
    return undefined;
  }
}
