import type { JsonBytes } from '../etl/json-writer.js';
import { RenderedBody } from './render-cache.js';

const OPEN = Buffer.from('{"code":200,"data":[');
const COMMA = Buffer.from(',');

/**
 * The success envelope of the set routes (`GET /model/allocation`, `/model/assets`) around sets
 * rendered as bytes (set-json.ts), with Kubecost's `warning` when a stored set was left out. The
 * sets are large (41 MB for 39,130 allocations), so their chunks are copied once, into the body
 * (one Buffer.concat), never decoded, joined as text or encoded again.
 */
export function setsBody(sets: readonly JsonBytes[], warnings: readonly string[]): RenderedBody {
  const parts: Buffer[] = [OPEN];
  for (const [i, set] of sets.entries()) {
    if (i > 0) parts.push(COMMA);
    for (const chunk of set) parts.push(chunk);
  }
  const warning = warnings.length === 0 ? '' : `,"warning":${JSON.stringify(warnings.join('; '))}`;
  parts.push(Buffer.from(`]${warning}}`));
  return new RenderedBody(Buffer.concat(parts));
}
