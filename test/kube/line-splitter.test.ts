import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/kube/line-splitter.js';

/** Feeds `chunks` (bytes as given) through a splitter; returns the lines, and those after end(). */
function split(chunks: readonly (string | Buffer)[], maxLineBytes = 1024): { lines: string[]; afterEnd: string[] } {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l), maxLineBytes);
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  const before = lines.length;
  s.end();
  return { lines, afterEnd: lines.slice(before) };
}

describe('LineSplitter', () => {
  it('hands on each line of a chunk without its newline', () => {
    expect(split(['{"a":1}\n{"b":2}\n']).lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('joins a line split across several chunks', () => {
    expect(split(['{"ty', 'pe":"ADD', 'ED"}\n{"x"', ':1}\n']).lines).toEqual(['{"type":"ADDED"}', '{"x":1}']);
  });

  it('joins a multi-byte character split between two chunks', () => {
    const bytes = Buffer.from('{"name":"café 日本"}\n', 'utf8');
    // Cut inside "é" (2 bytes) and inside "日" (3 bytes).
    const e = bytes.indexOf(0xc3) + 1;
    const ja = bytes.indexOf(0xe6) + 2;
    expect(split([bytes.subarray(0, e), bytes.subarray(e, ja), bytes.subarray(ja)]).lines).toEqual(['{"name":"café 日本"}']);
  });

  it('hands on a last line without a newline only when the stream ends', () => {
    expect(split(['{"a":1}\n{"b"', ':2}'])).toEqual({ lines: ['{"a":1}', '{"b":2}'], afterEnd: ['{"b":2}'] });
  });

  it('drops a carriage return before the newline and skips empty lines', () => {
    expect(split(['{"a":1}\r\n\n\r\n{"b":2}\n']).lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('throws once the line being read is longer than the limit', () => {
    const s = new LineSplitter(() => undefined, 8);
    s.push(Buffer.from('12345'));
    expect(() => s.push(Buffer.from('6789'))).toThrow('a line longer than 8 bytes');
  });
});
