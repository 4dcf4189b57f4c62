import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, ChunkPool, fragment, JsonWriter } from '../../src/etl/json-writer.js';
import { roundForJson } from '../../src/etl/set-json.js';
import { jsonText } from '../support/json-bytes.js';
import { mulberry32 } from '../support/seeded-random.js';

const written = (write: (w: JsonWriter) => void): string => {
  const w = new JsonWriter();
  write(w);
  return jsonText(w.chunks());
};

/** `n` bytes of ASCII JSON text (a string of x's, quotes included), for filling a chunk to a given point. */
const filler = (n: number): string => `"${'x'.repeat(n - 2)}"`;

const utf8 = new TextDecoder('utf-8', { fatal: true });

describe('JsonWriter', () => {
  it('prints rounded amounts as JSON.stringify prints roundForJson of them, edges included', () => {
    const edges = [
      0, -0, 1e-7, -1e-7, 5e-6, -5e-6, 4.9999999e-6, 0.000015, 1.000005, 0.1 + 0.2, 2.675, 1.005, 123456789.123456, 9999999999.99999,
      1e10 - 0.000005, 1e10, -1e10 - 0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 0.00001, 2 ** 53, 1e15 + 0.3, 1e21, 1e300, -1e300,
      Number.MIN_VALUE, Number.MAX_VALUE, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
    ];
    const rnd = mulberry32(19);
    const drawn = Array.from({ length: 20_000 }, () => {
      const r = rnd();
      const x = rnd() * 10 ** Math.floor(rnd() * 24 - 8);
      if (r < 0.1) return Math.round(x * 1e5 + 0.5) / 1e5 - 0.000005; // about half a unit of the fifth decimal
      return r < 0.5 ? -x : x;
    });
    const xs = [...edges, ...drawn];
    expect(xs.map((x) => written((w) => w.rounded(x)))).toEqual(xs.map((x) => JSON.stringify(roundForJson(x))));
  });

  it('prints numbers as JSON.stringify does', () => {
    for (const x of [0, -0, 1.5, -2e-7, 1e21, 2 ** 53 + 2, Number.NaN, Number.NEGATIVE_INFINITY]) expect(written((w) => w.number(x))).toBe(JSON.stringify(x));
  });

  it('prints strings as JSON.stringify does: escapes, characters beyond ASCII and lone surrogates', () => {
    const rnd = mulberry32(7);
    const strings = ['', 'plain', 'a"b', 'back\\slash', '\u0000\u001f\u007f', 'line\nbreak\ttab', 'é-ü', '\u2028', '😀', '\ud800', 'x\udc00y'];
    for (let i = 0; i < 500; i++) strings.push(String.fromCharCode(...Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => (rnd() < 0.7 ? 32 + Math.floor(rnd() * 95) : Math.floor(rnd() * 0x10000)))));
    for (const s of strings) expect(written((w) => w.string(s))).toBe(JSON.stringify(s));
    expect(written((w) => strings.forEach((s) => w.string(s)))).toBe(strings.map((s) => JSON.stringify(s)).join(''));
  });

  it('keeps the order of everything written across chunks, however long a piece', () => {
    const long = 'x'.repeat(600_000);
    const parts: string[] = [];
    const text = written((w) => {
      for (let i = 0; i < 30_000; i++) {
        const s = i % 997 === 0 ? `é${i}` : `k${i}`;
        w.string(s);
        w.json(i % 5_000 === 0 ? `[${JSON.stringify(long)}]` : ',');
        w.rounded(i / 7);
        parts.push(JSON.stringify(s), i % 5_000 === 0 ? `[${JSON.stringify(long)}]` : ',', JSON.stringify(roundForJson(i / 7)));
      }
    });
    expect(text).toBe(parts.join(''));
  });

  it('writes a string beyond ASCII or needing escapes that does not fit the chunk whole into the next, no character split', () => {
    for (const s of ['é-ü', 'a"b', '😀x', '\u2028', '\ud800']) {
      const printed = JSON.stringify(s);
      const size = Buffer.byteLength(printed);
      for (const room of [0, 1, size - 1, size]) {
        const w = new JsonWriter();
        w.json(filler(CHUNK_BYTES - room));
        w.string(s);
        w.json(',1');
        const chunks = w.chunks();
        expect(jsonText(chunks)).toBe(`${filler(CHUNK_BYTES - room)}${printed},1`);
        expect(chunks[0]?.length).toBe(room === size ? CHUNK_BYTES : CHUNK_BYTES - room);
        for (const c of chunks) expect(() => utf8.decode(c)).not.toThrow();
      }
    }
  });

  it('hands on a chunk filled exactly to its end and goes on in a fresh one', () => {
    const lastFour: [string, (w: JsonWriter) => void][] = [
      ['"é"', (w) => w.json('"é"')],
      ['"ü"', (w) => w.string('ü')],
      ['"xy"', (w) => w.string('xy')],
      ['"xy"', (w) => w.bytes(fragment('"xy"'))],
      ['"xy"', (w) => w.json('"xy"')],
    ];
    for (const [text, write] of lastFour) {
      const w = new JsonWriter();
      w.json(filler(CHUNK_BYTES - 4));
      write(w);
      w.rounded(1.5);
      w.json(':');
      const chunks = w.chunks();
      expect(chunks.map((c) => c.length)).toEqual([CHUNK_BYTES, 4]);
      expect(jsonText(chunks)).toBe(`${filler(CHUNK_BYTES - 4)}${text}1.5:`);
    }
  });

  it('writes text longer than a chunk as bytes of its own, between the chunks around it', () => {
    const long = `é${'x'.repeat(CHUNK_BYTES)}`;
    const text = written((w) => {
      w.json('[');
      w.string(long);
      w.json(`,${JSON.stringify(long)}]`);
    });
    expect(text).toBe(`[${JSON.stringify(long)},${JSON.stringify(long)}]`);
  });

  it('gives no bytes for nothing written, and a small answer its bytes without a whole chunk', () => {
    expect(new JsonWriter().chunks()).toEqual([]);
    const w = new JsonWriter();
    w.json('{}');
    const chunks = w.chunks();
    expect(chunks).toEqual([Buffer.from('{}')]);
    expect(chunks[0]!.buffer.byteLength).toBeLessThan(CHUNK_BYTES);
  });

  it('takes its chunks from the pool given, gives its last back when done, and the pool keeps no more than its bound', () => {
    const pool = new ChunkPool(2);
    const first = new JsonWriter(pool);
    first.json(filler(CHUNK_BYTES + 10));
    first.json(',');
    expect(jsonText(first.chunks())).toBe(`${filler(CHUNK_BYTES + 10)},`);
    expect(pool.size).toBe(1); // the chunk it was writing; the long text was bytes of its own
    const reused = new JsonWriter(pool);
    expect(pool.size).toBe(0);
    reused.json(filler(CHUNK_BYTES));
    reused.json('1');
    const bytes = reused.chunks();
    expect(jsonText(bytes)).toBe(`${filler(CHUNK_BYTES)}1`);
    expect(pool.size).toBe(1); // its last chunk
    pool.give(bytes); // its full chunk fits under the bound, the copy of its last is not a chunk
    expect(pool.size).toBe(2);
    const third = new JsonWriter(new ChunkPool(0));
    third.json(filler(CHUNK_BYTES));
    third.json('2');
    pool.give(third.chunks());
    expect(pool.size).toBe(2);
  });

  it('keeps a chunk given back twice once, so two writers never write into the same memory', () => {
    const pool = new ChunkPool(4);
    const w = new JsonWriter(new ChunkPool(0));
    w.json(filler(CHUNK_BYTES));
    w.json('1');
    const bytes = w.chunks();
    pool.give(bytes);
    pool.give(bytes);
    expect(pool.size).toBe(1);
    const [a, b] = [pool.take(), pool.take()];
    expect(a.buffer).not.toBe(b.buffer);
    // Taken, it may come back again.
    pool.give([a]);
    expect(pool.size).toBe(1);
  });
});
