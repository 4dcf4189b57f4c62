import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BillingExportError, parseFocus, parseFocusDecimal, parseFocusTime, readFocusFile, type FocusRow } from '../../src/etl/focus-csv.js';

const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', name);
const HEADER = 'ResourceId,ChargePeriodStart,ChargePeriodEnd,BilledCost';
const DAY = '2024-05-03T00:00:00Z,2024-05-04T00:00:00Z';

function rowsOf(text: string): FocusRow[] {
  const rows: FocusRow[] = [];
  parseFocus(text, 'export.csv', (r) => rows.push(r));
  return rows;
}

function focusError(text: string): BillingExportError {
  try {
    rowsOf(text);
  } catch (err) {
    if (err instanceof BillingExportError) return err;
    throw err;
  }
  throw new Error('expected a BillingExportError');
}

describe('FOCUS values', () => {
  it('reads ISO 8601 UTC times with or without fractions, Z or +00:00', () => {
    const t = Date.UTC(2024, 4, 3);
    for (const s of ['2024-05-03T00:00:00Z', '2024-05-03T00:00:00.000Z', '2024-05-03T00:00:00.0000000Z', '2024-05-03T00:00:00+00:00', '2024-05-03T00:00:00']) {
      expect(parseFocusTime(s)).toBe(t);
    }
    expect(parseFocusTime('2024-05-03T10:20:30.1239Z')).toBe(Date.UTC(2024, 4, 3, 10, 20, 30, 123));
  });

  it('refuses other times', () => {
    for (const s of ['2024-05-03', '2024-05-03 00:00:00Z', '2024-05-03T00:00:00+01:00', '2024-02-30T00:00:00Z', '2024-05-03T24:00:00Z', '1714694400', '', '2024-5-3T00:00:00Z']) {
      expect(parseFocusTime(s), s).toBeUndefined();
    }
  });

  it('reads decimals as FOCUS writes them, and refuses symbols, separators and a leading +', () => {
    expect([parseFocusDecimal('12'), parseFocusDecimal('-100.2'), parseFocusDecimal('35.2E-7'), parseFocusDecimal('1.5e3'), parseFocusDecimal('0.')]).toEqual([12, -100.2, 35.2e-7, 1500, 0]);
    for (const s of ['', '$32', '3,432', '+333', '1 1/2', 'NaN', 'Infinity', '1e999', '32 GiB', '-']) expect(parseFocusDecimal(s), s).toBeUndefined();
  });
});

describe('FOCUS rows', () => {
  it('finds the columns by name in any order, ignores the others, and records ChargeCategory and BillingCurrency', () => {
    const rows = rowsOf(readFileSync(fixture('aws-focus.csv'), 'utf8'));
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual({
      resourceId: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc123',
      start: Date.UTC(2024, 4, 2),
      end: Date.UTC(2024, 4, 3),
      billedCost: 2.4,
      chargeCategory: 'Usage',
      currency: 'USD',
      line: 2,
    });
    // The data-transfer row's description spans two lines; the rows after it keep their file lines.
    expect(rows.map((r) => [r.line, r.resourceId === '' ? '(none)' : r.resourceId.slice(-10), r.chargeCategory])).toEqual([
      [2, '/i-0abc123', 'Usage'],
      [3, '/i-0abc123', 'Usage'],
      [4, 'e/vol-0abc', 'Usage'],
      [5, '(none)', 'Usage'],
      [7, '/i-0abc123', 'Tax'],
      [8, '/i-0abc123', 'Purchase'],
    ]);
  });

  it('leaves ChargeCategory and BillingCurrency out when the export has no such columns', () => {
    expect(rowsOf(`${HEADER}\ni-1,${DAY},1.5\n`)).toEqual([{ resourceId: 'i-1', start: Date.UTC(2024, 4, 3), end: Date.UTC(2024, 4, 4), billedCost: 1.5, line: 2 }]);
  });

  it('names every missing required column, and a column spelt in another case', () => {
    const e = focusError('resourceid,ChargePeriodStart,Cost\nx,2024-05-03T00:00:00Z,1\n');
    expect(e.message).toBe(
      'billing export export.csv, line 1: the header lacks ResourceId, ChargePeriodEnd, BilledCost (found "resourceid" for ResourceId: FOCUS column names are case-sensitive); ' +
        'a FOCUS export needs the columns ResourceId, ChargePeriodStart, ChargePeriodEnd, BilledCost (ChargeCategory and BillingCurrency are read when present, other columns are ignored)',
    );
    expect(e.line).toBe(1);
    expect(e.file).toBe('export.csv');
  });

  it('refuses a required column given twice', () => {
    expect(focusError(`${HEADER},BilledCost\n`).message).toBe('billing export export.csv, line 1: the column BilledCost appears more than once in the header');
  });

  it('refuses a bad number with its line and what is accepted', () => {
    expect(focusError(`${HEADER}\ni-1,${DAY},1\ni-1,${DAY},$1.00\n`).message).toBe(
      'billing export export.csv, line 3: BilledCost "$1.00" is not a number; accepted: a decimal number such as 12, -0.5, 1.234 or 35.2E-7 (no currency symbol, thousands separator or leading +)',
    );
    expect(focusError(`${HEADER}\ni-1,${DAY},\n`).message).toMatch(/^billing export export.csv, line 2: BilledCost "" is not a number/);
  });

  it('refuses a bad time with its line and what is accepted', () => {
    expect(focusError(`${HEADER}\ni-1,2024-05-03 00:00:00,2024-05-04T00:00:00Z,1\n`).message).toBe(
      'billing export export.csv, line 2: ChargePeriodStart "2024-05-03 00:00:00" is not a FOCUS date/time; accepted: ISO 8601 in UTC, ' +
        'YYYY-MM-DDTHH:mm:ss with optional fractional seconds and Z or +00:00 (or no suffix, read as UTC), such as 2024-05-03T00:00:00Z',
    );
    expect(focusError(`${HEADER}\ni-1,2024-05-03T00:00:00Z,2024-05-04T00:00:00+02:00,1\n`).message).toMatch(/line 2: ChargePeriodEnd "2024-05-04T00:00:00\+02:00" is not a FOCUS date\/time/);
  });

  it('refuses a charge period that does not end after it starts', () => {
    expect(focusError(`${HEADER}\ni-1,2024-05-03T00:00:00Z,2024-05-03T00:00:00Z,1\n`).message).toBe(
      'billing export export.csv, line 2: ChargePeriodEnd 2024-05-03T00:00:00Z is not after ChargePeriodStart 2024-05-03T00:00:00Z; a charge period is [start, end) with end after start',
    );
  });

  it('refuses a row with the wrong number of fields, counting lines inside quoted fields', () => {
    expect(focusError(`${HEADER}\n"i-1\nsplit",${DAY},1\ni-2,${DAY},1,extra\n`).message).toBe(
      'billing export export.csv, line 4: the row has 5 fields where the header has 4; every row needs one field per column (quote fields that hold commas)',
    );
  });

  it('refuses an unterminated quote and a file without a header', () => {
    expect(focusError(`${HEADER}\ni-1,${DAY},1\n"i-2,${DAY},1\n`).message).toMatch(/^billing export export.csv, line 3: a quoted field is never closed \(unterminated quote\)/);
    expect(focusError('\uFEFF\r\n').message).toBe(
      'billing export export.csv: the file is empty; expected a FOCUS CSV whose header has ResourceId, ChargePeriodStart, ChargePeriodEnd, BilledCost',
    );
  });
});

describe('reading a FOCUS file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const tempDir = (): string => (dir = mkdtempSync(join(tmpdir(), 'focus-csv-')));

  it('digests the bytes it reads and hands on the rows of a file with a BOM and CRLF line ends', () => {
    const rows: FocusRow[] = [];
    const read = readFocusFile(fixture('azure-focus.csv'), (r) => rows.push(r));
    const bytes = readFileSync(fixture('azure-focus.csv'));
    expect(read.digest).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    expect(read.bytes).toBe(bytes.length);
    expect(rows.map((r) => [r.billedCost, r.chargeCategory, r.currency])).toEqual([
      [4.8, 'Usage', 'USD'],
      [0.48, 'Usage', 'USD'],
      [9.6, 'Usage', 'USD'],
      [-1, 'Credit', 'USD'],
    ]);
  });

  it('reads a file of several chunks the same as its text, multi-byte characters split across chunks included', () => {
    const path = join(tempDir(), 'big.csv');
    const line = (i: number): string => `"arn:aws:ec2:r:1:instance/i-${i}","Übergröße – ${'€'.repeat(i % 7)}",${DAY},${(i / 100).toFixed(2)}`;
    const text = `ResourceId,ChargeDescription,ChargePeriodStart,ChargePeriodEnd,BilledCost\n${Array.from({ length: 30_000 }, (_, i) => line(i)).join('\n')}\n`;
    writeFileSync(path, text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 * 1024 * 1024);
    const fromFile: FocusRow[] = [];
    readFocusFile(path, (r) => fromFile.push(r));
    expect(fromFile).toEqual(rowsOf(text).map((r) => r));
    expect(fromFile).toHaveLength(30_000);
  });

  it('refuses a missing file, a directory and a file over the size limit, naming the path', () => {
    const d = tempDir();
    const missing = join(d, 'nope.csv');
    expect(() => readFocusFile(missing, () => undefined)).toThrow(`billing export ${missing}: no such file (BILLING_EXPORT names a FOCUS CSV file; it may appear later)`);
    expect(() => readFocusFile(d, () => undefined)).toThrow(`billing export ${d}: not a regular file; BILLING_EXPORT names a FOCUS CSV file`);
    const path = join(d, 'big.csv');
    writeFileSync(path, `${HEADER}\ni-1,${DAY},1\n`);
    expect(() => readFocusFile(path, () => undefined, 20)).toThrow(
      `billing export ${path}: the file is 104 bytes, over the limit of 20 bytes; export a shorter period or raise the limit`,
    );
  });
});
