import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { LOGGED_URL_CHARACTERS, loggedUrl } from '../../src/http/request-log.js';
import { Readiness } from '../../src/readiness.js';
import { emptyEvents } from '../support/app.js';
import { ManualClock } from '../support/manual-clock.js';

describe('the request log line', () => {
  it('keeps a URL of up to 1,024 characters whole', () => {
    const url = `/model/etl/log?kind=${'x'.repeat(LOGGED_URL_CHARACTERS - 20)}`;
    expect(loggedUrl(url)).toBe(url);
  });

  it('cuts a longer URL and says how long it was', async () => {
    const lines: string[] = [];
    const app = buildApp({ clock: new ManualClock(), events: emptyEvents(), readiness: new Readiness(), logger: { level: 'info', stream: { write: (l: string) => lines.push(l) } } });
    const url = `/model/etl/log?k=${'y'.repeat(10_000)}`;
    await app.inject(url);
    await app.close();
    const logged = lines.map((l) => JSON.parse(l) as { url?: string }).find((l) => l.url !== undefined);
    expect(logged?.url).toBe(`${url.slice(0, 1024)}… (10017 characters)`);
  });

  it('does not log /readyz answering 503 (no cluster yet) as a failure: probes log at warn, and it is an answer, not an error', async () => {
    const lines: string[] = [];
    const readiness = new Readiness();
    readiness.register({ name: 'kubernetes', status: () => ({ ready: false, state: 'no cluster' }) });
    const app = buildApp({ clock: new ManualClock(), events: emptyEvents(), readiness, logger: { level: 'info', stream: { write: (l: string) => lines.push(l) } } });
    expect((await app.inject('/readyz')).statusCode).toBe(503);
    expect((await app.inject('/nope')).statusCode).toBe(404);
    await app.close();
    const logged = lines.map((l) => JSON.parse(l) as { url?: string; level: number; msg: string }).filter((l) => l.url !== undefined);
    expect(logged.map((l) => [l.url, l.level, l.msg])).toEqual([['/nope', 30, 'request']]);
  });
});
