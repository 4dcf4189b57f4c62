import { describe, expect, it } from 'vitest';
import { CsvParser, CsvSyntaxError, parseCsv } from '../../src/etl/csv.js';

/** Records with the line each starts on, feeding the text in chunks of `size` characters. */
function chunked(text: string, size: number): [string[], number][] {
  const out: [string[], number][] = [];
  const p = new CsvParser((fields, line) => out.push([fields, line]));
  for (let i = 0; i < text.length; i += size) p.write(text.slice(i, i + size));
  p.end();
  return out;
}

describe('the CSV parser', () => {
  it('reads LF, CRLF and lone CR line ends alike, and a last record without one', () => {
    expect(parseCsv('a,b\nc,d')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(parseCsv('a,b\r\nc,d\r\n')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(parseCsv('a,b\rc,d\r')).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields', () => {
    expect(parseCsv('"a,b","say ""hi""","two\r\nlines","x\ny"\n')).toEqual([['a,b', 'say "hi"', 'two\r\nlines', 'x\ny']]);
  });

  it('keeps empty fields, quoted and not, and a trailing empty field', () => {
    expect(parseCsv('a,,c\n"",b,\n,\n')).toEqual([['a', '', 'c'], ['', 'b', ''], ['', '']]);
    expect(parseCsv('a,""')).toEqual([['a', '']]);
  });

  it('drops a UTF-8 byte order mark at the start only, and skips blank lines', () => {
    expect(parseCsv('\uFEFFa,b\n\n\r\nc,\uFEFFd\n')).toEqual([['a', 'b'], ['c', '\uFEFFd']]);
    expect(parseCsv('')).toEqual([]);
  });

  it('gives the same records and lines whatever the chunk boundaries (inside a CRLF, a quote pair, a field)', () => {
    const text = '\uFEFFh1,h2,h3\r\n"q ""x"", y","multi\r\nline\nfield",plain\r\nlast,"",\r\n"a""",b,c';
    const whole = chunked(text, text.length);
    expect(whole).toEqual([
      [['h1', 'h2', 'h3'], 1],
      [['q "x", y', 'multi\r\nline\nfield', 'plain'], 2],
      [['last', '', ''], 5],
      [['a"', 'b', 'c'], 6],
    ]);
    for (const size of [1, 2, 3, 7]) expect(chunked(text, size)).toEqual(whole);
  });

  it('refuses a quote left open, naming the line where it opened', () => {
    try {
      parseCsv('a,b\nc,"open\nstill open\n');
    } catch (err) {
      expect((err as CsvSyntaxError).line).toBe(2);
      expect((err as CsvSyntaxError).message).toMatch(/^line 2: a quoted field is never closed \(unterminated quote\)/);
    }
  });

  it('refuses a quote inside an unquoted field and text after a closing quote', () => {
    expect(() => parseCsv('a,b\nab"c,d\n')).toThrow(/^line 2: a double quote inside an unquoted field/);
    expect(() => parseCsv('a,b\n"ab"c,d\n')).toThrow(/^line 2: "c" after the closing quote of a field/);
  });

  it('is linear: 200,000 quoted fields on few lines parse quickly', () => {
    const line = Array.from({ length: 20_000 }, (_, i) => `"f${i}"`).join(',');
    const text = `${line}\n`.repeat(10);
    const t0 = performance.now();
    expect(parseCsv(text)).toHaveLength(10);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
