import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, ChunkPool } from '../../src/etl/json-writer.js';
import { renderAllocationSet } from '../../src/etl/set-json.js';
import { setsBody } from '../../src/http/sets-body.js';
import { HOUR_10 } from '../support/etl-records.js';
import { previousRenderAllocationSet } from '../support/previous-set-json.js';
import { randomAllocationSets } from '../support/random-allocation-sets.js';

/** The set routes' body as it was built before the sets were bytes: one string of the rendered sets, then its UTF-8. */
function bodyFromText(sets: readonly string[], warnings: readonly string[]): Buffer {
  const warning = warnings.length === 0 ? '' : `,"warning":${JSON.stringify(warnings.join('; '))}`;
  return Buffer.from(`{"code":200,"data":[${sets.join(',')}]${warning}}`);
}

/** Bytes as one character each (latin1), so equal text is equal bytes and a difference shows where. */
const bytesOf = (b: Buffer): string => b.toString('latin1');

describe('setsBody', () => {
  it.each([1, 2, 3])('is byte for byte the body built as one string from the previous renderer (seeded random sets, one empty; seed %i)', (seed) => {
    const next = randomAllocationSets({ seed, window: HOUR_10, records: [300, 1200, 3000][seed - 1] ?? 300, awkwardNames: true });
    const sets = [next(), { ...next(), allocations: [] }, next()];
    for (const warnings of [[], ['stored allocation set c 2024-05-03T10:00:00.000Z (3600s) cannot be read: "bad" é\u2028; the answer leaves it out', 'second']]) {
      const body = setsBody(sets.map((set) => renderAllocationSet(set)), warnings, new ChunkPool(0));
      expect(bytesOf(body.identity)).toBe(bytesOf(bodyFromText(sets.map(previousRenderAllocationSet), warnings)));
    }
  });

  it('answers no sets as an empty list, and an empty set as {}', () => {
    expect(setsBody([], [], new ChunkPool(0)).identity.toString()).toBe('{"code":200,"data":[]}');
    const empty = { cluster: 'c', window: HOUR_10, allocations: [] };
    expect(setsBody([renderAllocationSet(empty), renderAllocationSet(empty)], [], new ChunkPool(0)).identity.toString()).toBe('{"code":200,"data":[{},{}]}');
  });

  it('gives the sets\u2019 chunks back to the pool once copied, and answers rendered from them again are right, the earlier unchanged', () => {
    const pool = new ChunkPool(8);
    const next = randomAllocationSets({ seed: 4, window: HOUR_10, records: 2500, awkwardNames: true });
    const sets = [next(), next(), next()];
    const bodies = sets.map((set) => setsBody([renderAllocationSet(set, pool), renderAllocationSet(set, pool)], [], pool));
    expect(pool.size).toBe(8);
    sets.forEach((set, i) => {
      const text = previousRenderAllocationSet(set);
      expect(bytesOf(bodies[i]!.identity)).toBe(bytesOf(bodyFromText([text, text], [])));
    });
    expect(bodies[0]!.identity.length).toBeGreaterThan(2 * CHUNK_BYTES);
  });
});
