import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Coding } from './encoding.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** A rendered JSON body and its compressed forms, made at most once each. */
export class RenderedBody {
  readonly identity: Buffer;
  readonly #coded = new Map<Exclude<Coding, 'identity'>, Promise<Buffer>>();

  constructor(json: string) {
    this.identity = Buffer.from(json);
  }

  /** The bytes in `coding`, compressed on first use. */
  async bytes(coding: Coding): Promise<Buffer> {
    if (coding === 'identity') return this.identity;
    let p = this.#coded.get(coding);
    if (p === undefined) {
      // Brotli quality 5 is the usual setting for dynamic content: near gzip's speed, smaller output.
      p =
        coding === 'gzip'
          ? gzipAsync(this.identity)
          : brotliAsync(this.identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: this.identity.length } });
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
 * A small LRU of rendered bodies keyed by query, each remembering the data version it was
 * rendered from, bounded by bytes: the same answer is serialised and compressed once per change
 * rather than once per request, and a stale answer is replaced rather than kept beside the new.
 * Concurrent misses of one key and version share one rendering (a database read, for the SQL backends).
 */
export class RenderCache {
  readonly #entries = new Map<string, { version: string; body: RenderedBody }>();
  readonly #rendering = new Map<string, Promise<RenderedBody>>();
  #bytes = 0;

  constructor(readonly budgetBytes: number) {}

  /** The body for `key` at data `version`, rendering it with `render` when absent or stale. */
  get(key: string, version: string, render: () => string | Promise<string>): Promise<RenderedBody> {
    const hit = this.#entries.get(key);
    if (hit?.version === version) {
      // Most recently used goes last.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return Promise.resolve(hit.body);
    }
    const id = `${version}\u0000${key}`;
    let rendering = this.#rendering.get(id);
    if (rendering === undefined) {
      rendering = (async () => {
        const body = new RenderedBody(await render());
        this.#store(key, version, body);
        return body;
      })();
      this.#rendering.set(id, rendering);
      const forget = () => this.#rendering.delete(id);
      rendering.then(forget, forget);
    }
    return rendering;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  #store(key: string, version: string, body: RenderedBody): void {
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
