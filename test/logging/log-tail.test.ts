import { describe, expect, it } from 'vitest';
import { LogTail } from '../../src/logging/log-tail.js';
import { tapLog } from '../../src/logging/tap-log.js';

const line = (level: number, msg: string) => `{"level":${level},"time":1714723264000,"msg":"${msg}"}\n`;

describe('the log tail', () => {
  it('keeps the most recent lines, at most the line bound', () => {
    const tail = new LogTail({ maxLines: 3 });
    for (let i = 1; i <= 5; i++) tail.push(`line ${i}\n`);
    expect(tail.lines()).toEqual(['line 3', 'line 4', 'line 5']);
    expect(tail.dropped).toBe(2);
  });

  it('keeps at most the byte bound, dropping the oldest first', () => {
    const tail = new LogTail({ maxLines: 100, maxBytes: 20, maxLineBytes: 20 });
    tail.push('aaaaaaaaaa'); // 10 bytes
    tail.push('bbbbbbbbbb'); // 20 in all: still within the bound
    tail.push('cccc'); // 24: the oldest goes
    expect(tail.lines()).toEqual(['bbbbbbbbbb', 'cccc']);
  });

  it('cuts a line longer than the line bound and says how much was cut', () => {
    const tail = new LogTail({ maxLineBytes: 8 });
    tail.push('0123456789abcdef');
    expect(tail.lines()).toEqual(['01234567… (8 more bytes cut)']);
  });

  it('never cuts a multi-byte character in half', () => {
    const tail = new LogTail({ maxLineBytes: 4 });
    tail.push('ééé'); // 6 bytes; 4 fit two characters whole
    expect(tail.lines()).toEqual(['éé… (2 more bytes cut)']);
  });
});

describe('tapping the log', () => {
  it('writes what the configured level lets through and keeps the warnings and errors', () => {
    const out: string[] = [];
    const tail = new LogTail();
    const tap = tapLog('info', { write: (l) => out.push(l) }, tail);
    expect(tap.level).toBe('info');
    for (const [level, msg] of [[20, 'debug'], [30, 'request'], [40, 'careful'], [50, 'broken'], [60, 'dying']] as const) tap.stream.write(line(level, msg));
    expect(out.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['request', 'careful', 'broken', 'dying']);
    expect(tail.lines().map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['careful', 'broken', 'dying']);
  });

  it('logs warnings for the tail even when the configured level is quieter, without printing them', () => {
    const out: string[] = [];
    const tail = new LogTail();
    const tap = tapLog('error', { write: (l) => out.push(l) }, tail);
    expect(tap.level).toBe('warn');
    tap.stream.write(line(40, 'careful'));
    tap.stream.write(line(50, 'broken'));
    expect(out).toEqual([line(50, 'broken')]);
    expect(tail.lines()).toHaveLength(2);
  });

  it('prints nothing when silent, yet keeps the warnings', () => {
    const out: string[] = [];
    const tail = new LogTail();
    const tap = tapLog('silent', { write: (l) => out.push(l) }, tail);
    tap.stream.write(line(50, 'broken'));
    expect(out).toEqual([]);
    expect(tail.lines()).toHaveLength(1);
  });
});
