import type { ChunkPool, JsonBytes } from '../etl/json-writer.js';
import { RenderedBody } from './render-cache.js';

/** Chunks the set routes keep for their renders to reuse (256 KB each: 32 MB held while idle, once answers that large were made). */
export const POOLED_CHUNKS = 128;

const OPEN = Buffer.from('{"code":200,"data":[');
const COMMA = Buffer.from(',');

/**
 * The success envelope of the set routes (`GET /model/allocation`, `/model/assets`) around sets
 * rendered as bytes (set-json.ts), with Kubecost's `warning` when a stored set was left out. The
 * sets are large (41 MB for 39,130 allocations), so their chunks are copied once, into the body
 * (one Buffer.concat), never decoded, joined as text or encoded again; then they go back to `pool`
 * for the next answer's render (nothing else may hold them).
 */
export function setsBody(sets: readonly JsonBytes[], warnings: readonly string[], pool: ChunkPool): RenderedBody {
  const parts: Buffer[] = [OPEN];
  for (const [i, set] of sets.entries()) {
    if (i > 0) parts.push(COMMA);
    for (const chunk of set) parts.push(chunk);
  }
  const warning = warnings.length === 0 ? '' : `,"warning":${JSON.stringify(warnings.join('; '))}`;
  parts.push(Buffer.from(`]${warning}}`));
  const body = new RenderedBody(Buffer.concat(parts));
  for (const set of sets) pool.give(set);
  return body;
}
