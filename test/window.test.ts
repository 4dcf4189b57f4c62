import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs, parseWindow, windowContains, WindowError } from '../src/window.js';

/** The `now` of the resolution table in the research notes: a Friday. */
const NOW = '2024-05-03T08:01:04.000Z';
const DAY = 86_400_000;

function resolve(input: string, now = NOW): { start: string; end: string } {
  const w = parseWindow(input, Date.parse(now));
  return { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() };
}

function rejection(input: string, now = NOW): WindowError {
  try {
    parseWindow(input, Date.parse(now));
  } catch (err) {
    if (err instanceof WindowError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseWindow reproduces the OpenCost resolution table (now = Friday 2024-05-03T08:01:04Z)', () => {
  it.each([
    ['today runs from this midnight to the next', 'today', '2024-05-03T00:00:00.000Z', '2024-05-04T00:00:00.000Z'],
    ['yesterday is the previous whole day', 'yesterday', '2024-05-02T00:00:00.000Z', '2024-05-03T00:00:00.000Z'],
    ['week starts on the last Sunday and ends now', 'week', '2024-04-28T00:00:00.000Z', NOW],
    ['lastweek is the previous Sunday to Sunday', 'lastweek', '2024-04-21T00:00:00.000Z', '2024-04-28T00:00:00.000Z'],
    ['month starts on the 1st and ends now', 'month', '2024-05-01T00:00:00.000Z', NOW],
    ['lastmonth is the whole previous month', 'lastmonth', '2024-04-01T00:00:00.000Z', '2024-05-01T00:00:00.000Z'],
    ['30m ends at the next minute', '30m', '2024-05-03T07:32:00.000Z', '2024-05-03T08:02:00.000Z'],
    ['2h ends at the next hour', '2h', '2024-05-03T07:00:00.000Z', '2024-05-03T09:00:00.000Z'],
    ['3d ends at the next UTC midnight', '3d', '2024-05-01T00:00:00.000Z', '2024-05-04T00:00:00.000Z'],
    ['1w is seven whole days ending at the next midnight', '1w', '2024-04-27T00:00:00.000Z', '2024-05-04T00:00:00.000Z'],
    ['24h offset 14h is not rounded', '24h offset 14h', '2024-05-01T18:01:04.000Z', '2024-05-02T18:01:04.000Z'],
    ['a unix-seconds pair is taken as given', '1586822400,1586908800', '2020-04-14T00:00:00.000Z', '2020-04-15T00:00:00.000Z'],
    ['an RFC 3339 pair is taken as given', '2020-04-08T00:00:00Z,2020-04-12T00:00:00Z', '2020-04-08T00:00:00.000Z', '2020-04-12T00:00:00.000Z'],
  ])('%s', (_name, input, start, end) => {
    expect(resolve(input)).toEqual({ start, end });
  });
});

describe('parseWindow on calendar edges', () => {
  it.each([
    ['month on the 31st starts on the 1st', 'month', '2024-03-31T12:00:00Z', '2024-03-01T00:00:00.000Z', '2024-03-31T12:00:00.000Z'],
    ['lastmonth on March 31 is all of February', 'lastmonth', '2024-03-31T23:59:59Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['lastmonth on January 1 is December of the previous year', 'lastmonth', '2024-01-01T00:30:00Z', '2023-12-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z'],
    ['lastmonth in a leap year ends with February 29', 'lastmonth', '2024-03-15T10:00:00Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['lastmonth in a common year ends with February 28', 'lastmonth', '2023-03-15T10:00:00Z', '2023-02-01T00:00:00.000Z', '2023-03-01T00:00:00.000Z'],
    ['yesterday on March 1 of a leap year is February 29', 'yesterday', '2024-03-01T05:00:00Z', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['week on a Sunday starts today', 'week', '2024-05-05T10:00:00Z', '2024-05-05T00:00:00.000Z', '2024-05-05T10:00:00.000Z'],
    ['lastweek on a Sunday ends this morning', 'lastweek', '2024-05-05T10:00:00Z', '2024-04-28T00:00:00.000Z', '2024-05-05T00:00:00.000Z'],
    ['lastweek on a Saturday ends on the Sunday before', 'lastweek', '2024-05-04T23:00:00Z', '2024-04-21T00:00:00.000Z', '2024-04-28T00:00:00.000Z'],
    ['today at exactly midnight starts at that midnight', 'today', '2024-05-03T00:00:00Z', '2024-05-03T00:00:00.000Z', '2024-05-04T00:00:00.000Z'],
    ['30m at an exact minute still ends one minute later', '30m', '2024-05-03T08:01:00Z', '2024-05-03T07:32:00.000Z', '2024-05-03T08:02:00.000Z'],
    ['1h at an exact hour still ends one hour later', '1h', '2024-05-03T08:00:00Z', '2024-05-03T08:00:00.000Z', '2024-05-03T09:00:00.000Z'],
    ['1d at exactly midnight ends at the next midnight', '1d', '2024-05-03T00:00:00Z', '2024-05-03T00:00:00.000Z', '2024-05-04T00:00:00.000Z'],
  ])('%s', (_name, input, now, start, end) => {
    expect(resolve(input, now)).toEqual({ start, end });
  });

  it('counts 29 days in lastmonth of a leap February and 28 in a common one', () => {
    const leap = parseWindow('lastmonth', Date.parse('2024-03-15T10:00:00Z'));
    const common = parseWindow('lastmonth', Date.parse('2023-03-15T10:00:00Z'));
    expect((leap.end - leap.start) / DAY).toBe(29);
    expect((common.end - common.start) / DAY).toBe(28);
  });
});

describe('parseWindow on durations, offsets and pairs', () => {
  it.each([
    ['7d equals 1w', '7d', '2024-04-27T00:00:00.000Z', '2024-05-04T00:00:00.000Z'],
    ['2w is fourteen days ending at the next midnight', '2w', '2024-04-20T00:00:00.000Z', '2024-05-04T00:00:00.000Z'],
    ['0h is an empty window at the next hour', '0h', '2024-05-03T09:00:00.000Z', '2024-05-03T09:00:00.000Z'],
    ['1d offset 1w ends seven days ago, not 168', '1d offset 1w', '2024-04-25T08:01:04.000Z', '2024-04-26T08:01:04.000Z'],
    ['7d offset 48h is the kubectl-cost default', '7d offset 48h', '2024-04-24T08:01:04.000Z', '2024-05-01T08:01:04.000Z'],
    ['30m offset 0m ends now', '30m offset 0m', '2024-05-03T07:31:04.000Z', NOW],
    ['a unix pair may be separated by |', '1586822400|1586908800', '2020-04-14T00:00:00.000Z', '2020-04-15T00:00:00.000Z'],
    ['a unix pair may be separated by -', '1586822400-1586908800', '2020-04-14T00:00:00.000Z', '2020-04-15T00:00:00.000Z'],
    ['a unix pair with equal ends is an empty window', '1586822400,1586822400', '2020-04-14T00:00:00.000Z', '2020-04-14T00:00:00.000Z'],
    ['an RFC pair with +02:00 offsets is converted to UTC', '2024-05-03T10:00:00+02:00,2024-05-03T12:00:00+02:00', '2024-05-03T08:00:00.000Z', '2024-05-03T10:00:00.000Z'],
    ['an RFC pair with -07:00 offsets is converted to UTC', '2024-05-02T20:00:00-07:00,2024-05-03T20:00:00-07:00', '2024-05-03T03:00:00.000Z', '2024-05-04T03:00:00.000Z'],
    ['an RFC pair may mix Z and an offset', '2024-05-03T00:00:00Z,2024-05-03T05:30:00+05:30', '2024-05-03T00:00:00.000Z', '2024-05-03T00:00:00.000Z'],
    ['an RFC pair keeps fractional seconds to the millisecond', '2024-05-03T00:00:00.5Z,2024-05-03T00:00:01.123456789Z', '2024-05-03T00:00:00.500Z', '2024-05-03T00:00:01.123Z'],
    ['an RFC pair accepts February 29 of a leap year', '2024-02-29T00:00:00Z,2024-03-01T00:00:00Z', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['an RFC pair keeps two-digit years as they are', '0099-01-01T00:00:00Z,0099-01-02T00:00:00Z', '0099-01-01T00:00:00.000Z', '0099-01-02T00:00:00.000Z'],
  ])('%s', (_name, input, start, end) => {
    expect(resolve(input)).toEqual({ start, end });
  });
});

describe('parseWindow rejections', () => {
  it.each([
    ['an empty string', '', /the window is empty/],
    ['an unknown keyword', 'fortnight', /not a recognised window/],
    ['a keyword in another case', 'Today', /not a recognised window/],
    ['a keyword with surrounding spaces', ' today', /not a recognised window/],
    ['an upper-case unit', '7D', /lower case/],
    ['an upper-case offset unit', '7d offset 2H', /lower case/],
    ['a seconds unit', '30s', /seconds are not accepted/],
    ['a seconds offset', '1h offset 30s', /seconds are not accepted/],
    ['a fractional duration', '1.5h', /not a recognised window/],
    ['a negative duration', '-1h', /not a recognised window/],
    ['a reversed unix pair', '1586908800,1586822400', /start is after end/],
    ['a reversed RFC pair', '2024-05-01T00:00:00Z,2024-04-01T00:00:00Z', /start is after end/],
    ['a duration beyond a safe integer', '99999999999999999999d', /outside the range of a date/],
    ['a duration beyond the Date range', '200000000d', /outside the range of a date/],
    ['an offset beyond the Date range', '1d offset 200000000d', /outside the range of a date/],
    ['a duration of hundreds of digits', `${'9'.repeat(400)}h`, /outside the range of a date/],
    ['unix seconds beyond the Date range', '0,9999999999999', /outside the range of a date/],
    ['February 29 of a common year', '2023-02-29T00:00:00Z,2023-03-01T00:00:00Z', /2023-02-29T00:00:00Z is not a real calendar date/],
    ['April 31', '2024-04-01T00:00:00Z,2024-04-31T00:00:00Z', /2024-04-31T00:00:00Z is not a real calendar date/],
    ['month 13', '2024-13-01T00:00:00Z,2024-12-01T00:00:00Z', /not a real calendar date/],
    ['hour 24', '2024-05-03T24:00:00Z,2024-05-04T00:00:00Z', /not a real calendar date/],
    ['second 60', '2024-05-03T00:00:60Z,2024-05-04T00:00:00Z', /not a real calendar date/],
    ['an offset of 25 hours', '2024-05-03T00:00:00+25:00,2024-05-04T00:00:00Z', /not a real calendar date/],
    ['an RFC pair with leading and trailing junk', 'junk2020-04-01T00:00:00Z,2020-04-03T00:00:00Zjunk', /not a recognised window/],
    ['an RFC pair without a zone', '2020-04-01T00:00:00,2020-04-03T00:00:00', /not a recognised window/],
    ['a single RFC time', '2020-04-01T00:00:00Z', /not a recognised window/],
    ['three RFC times', '2020-04-01T00:00:00Z,2020-04-02T00:00:00Z,2020-04-03T00:00:00Z', /not a recognised window/],
  ])('rejects %s', (_name, input, reason) => {
    const err = rejection(input);
    expect(err.input).toBe(input);
    expect(err.message).toMatch(reason);
  });

  it('names the input and lists the accepted forms in the message', () => {
    expect(rejection('fortnight').message).toBe(
      'invalid window "fortnight": not a recognised window; accepted: today, yesterday, week, month, lastweek, ' +
        'lastmonth; a duration such as 30m, 24h, 7d or 1w (units m, h, d, w in lower case); ' +
        '"<duration> offset <duration>" such as "7d offset 48h"; unix seconds "start,end" (separator , | or -); ' +
        'RFC 3339 times "2024-05-01T00:00:00Z,2024-05-02T00:00:00Z"',
    );
  });

  it('quotes at most 100 characters of a long input in the message', () => {
    const err = rejection('x'.repeat(5000));
    expect(err.message).toContain(`"${'x'.repeat(100)}"`);
    expect(err.input).toHaveLength(5000);
  });

  it('throws a RangeError, not a WindowError, when now itself is not a valid time', () => {
    expect(() => parseWindow('today', NaN)).toThrow(RangeError);
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 7 * DAY],
    ['2w', 14 * DAY],
    ['0s', 0],
  ])('reads %s as %d ms', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms);
  });

  it.each([
    ['a bare number', '5'],
    ['an unknown unit', '5x'],
    ['a negative duration', '-1h'],
    ['a fractional duration', '1.5h'],
    ['an upper-case unit', '1H'],
    ['an empty string', ''],
    ['a duration beyond a safe integer', '99999999999999999999w'],
  ])('rejects %s', (_name, input) => {
    expect(parseDurationMs(input)).toBeUndefined();
  });
});

describe('formatDurationMs', () => {
  it.each([
    [3_600_000, '1h'],
    [5_400_000, '90m'],
    [86_400_000, '1d'],
    [604_800_000, '7d'],
    [10_000, '10s'],
    [1_500, '1500ms'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });
});

describe('a reversed pair', () => {
  it('is a WindowError that says it is reversed; other errors are not', () => {
    const reversed = (input: string) => {
      try {
        parseWindow(input, Date.parse('2024-05-03T08:01:04Z'));
      } catch (err) {
        if (err instanceof WindowError) return err.reversed;
      }
      return undefined;
    };
    expect([reversed('1586908800,1586822400'), reversed('2024-05-01T00:00:00Z,2024-04-01T00:00:00Z'), reversed('fortnight')]).toEqual([true, true, false]);
  });
});

describe('windowContains', () => {
  const w = { start: 1_000, end: 2_000 };

  it.each([
    ['includes the start', 1_000, true],
    ['includes the last millisecond before the end', 1_999, true],
    ['excludes the end', 2_000, false],
    ['excludes the millisecond before the start', 999, false],
  ])('%s', (_name, ms, inside) => {
    expect(windowContains(w, ms)).toBe(inside);
  });

  it('contains nothing when the window is empty', () => {
    expect(windowContains({ start: 1_000, end: 1_000 }, 1_000)).toBe(false);
  });
});
