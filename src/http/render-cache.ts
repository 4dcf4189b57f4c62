import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Coding } from './encoding.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** An answer's bytes in each coding, as the caches below hold them and `sendRendered` sends them. */
export interface CodedBody {
  /** The bytes in `coding`. */
  bytes(coding: Coding): Promise<Buffer>;
  /** Bytes held, for a cache's budget. */
  readonly weight: number;
}

/** Brotli quality 5 is the usual setting for dynamic content: near gzip's speed, smaller output. */
export function brotliBytes(identity: Buffer, quality = 5): Promise<Buffer> {
  return brotliAsync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: quality, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length } });
}

/** A rendered body and its compressed forms, made at most once each. */
export class RenderedBody implements CodedBody {
  readonly identity: Buffer;
  readonly #coded = new Map<Exclude<Coding, 'identity'>, Promise<Buffer>>();

  /** `body` as text (encoded as UTF-8 here) or as its bytes already (kept as they are: the set answers are written as bytes). */
  constructor(body: string | Buffer) {
    this.identity = typeof body === 'string' ? Buffer.from(body) : body;
  }

  /** The bytes in `coding`, compressed on first use. */
  async bytes(coding: Coding): Promise<Buffer> {
    if (coding === 'identity') return this.identity;
    let p = this.#coded.get(coding);
    if (p === undefined) {
      p = coding === 'gzip' ? gzipAsync(this.identity) : brotliBytes(this.identity);
      this.#coded.set(coding, p);
    }
    return p;
  }

  /** Bytes held now, for the cache's budget (compressed forms are small next to identity). */
  get weight(): number {
    return this.identity.length * 2;
  }
}

/**
 * A small LRU of bodies keyed by query, each remembering the data version it was made from,
 * bounded by bytes: the same answer is serialised and compressed once per change rather than once
 * per request, and a stale answer is replaced rather than kept beside the new. Concurrent misses
 * of one key and version share one making (a database read, for the SQL backends).
 */
export class BodyCache<B extends CodedBody> {
  readonly #entries = new Map<string, { version: string; body: B }>();
  readonly #making = new Map<string, Promise<B>>();
  #bytes = 0;

  constructor(readonly budgetBytes: number) {}

  /** The body for `key` at data `version`, made with `make` when absent or stale. */
  getBody(key: string, version: string, make: () => B | Promise<B>): Promise<B> {
    const hit = this.#entries.get(key);
    if (hit?.version === version) {
      // Most recently used goes last.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return Promise.resolve(hit.body);
    }
    const id = `${version}\u0000${key}`;
    let making = this.#making.get(id);
    if (making === undefined) {
      making = (async () => {
        const body = await make();
        this.#store(key, version, body);
        return body;
      })();
      this.#making.set(id, making);
      const forget = () => this.#making.delete(id);
      making.then(forget, forget);
    }
    return making;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  #store(key: string, version: string, body: B): void {
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= old.body.weight;
    }
    if (body.weight > this.budgetBytes) return;
    this.#entries.set(key, { version, body });
    this.#bytes += body.weight;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.budgetBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.body.weight;
    }
  }
}

/** A {@link BodyCache} of JSON rendered as one string. */
export class RenderCache extends BodyCache<RenderedBody> {
  /** The body for `key` at data `version`, rendering it with `render` when absent or stale. */
  get(key: string, version: string, render: () => string | Promise<string>): Promise<RenderedBody> {
    return this.getBody(key, version, async () => new RenderedBody(await render()));
  }
}
