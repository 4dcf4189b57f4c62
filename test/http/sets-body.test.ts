import { describe, expect, it } from 'vitest';
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
      const body = setsBody(sets.map(renderAllocationSet), warnings);
      expect(bytesOf(body.identity)).toBe(bytesOf(bodyFromText(sets.map(previousRenderAllocationSet), warnings)));
    }
  });

  it('answers no sets as an empty list, and an empty set as {}', () => {
    expect(setsBody([], []).identity.toString()).toBe('{"code":200,"data":[]}');
    const empty = { cluster: 'c', window: HOUR_10, allocations: [] };
    expect(setsBody([renderAllocationSet(empty), renderAllocationSet(empty)], []).identity.toString()).toBe('{"code":200,"data":[{},{}]}');
  });
});
