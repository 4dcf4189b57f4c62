import { describe, expect, it } from 'vitest';
import type { Feature } from '../src/feature.js';
import { Lifecycle } from '../src/lifecycle.js';
import { Readiness } from '../src/readiness.js';

/** A feature that writes what happens to it into `seen`. */
const recorded = (seen: string[], name: string, o: { startFails?: boolean; stopFails?: boolean } = {}): Feature => ({
  name,
  readiness: [{ name, status: () => ({ ready: true, state: 'ready' }) }],
  app: { auditEnabled: name === 'b' },
  async start() {
    seen.push(`start ${name}`);
    if (o.startFails === true) throw new Error(`${name} cannot start`);
  },
  async stop() {
    seen.push(`stop ${name}`);
    if (o.stopFails === true) throw new Error(`${name} cannot stop`);
  },
});

const quiet = { error: () => undefined };

describe('the lifecycle', () => {
  it('stops the features started so far in reverse when one fails to start, including the one that failed half way', async () => {
    const seen: string[] = [];
    const lifecycle = new Lifecycle(new Readiness(), quiet);
    await lifecycle.start(recorded(seen, 'a'));
    await lifecycle.start(recorded(seen, 'b'));
    await expect(lifecycle.start(recorded(seen, 'c', { startFails: true }))).rejects.toThrow('c cannot start');
    await lifecycle.stop();
    expect(seen).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('stops each feature once however often it is asked, and starts nothing after', async () => {
    const seen: string[] = [];
    const lifecycle = new Lifecycle(new Readiness(), quiet);
    await lifecycle.start(recorded(seen, 'a'));
    await lifecycle.start(recorded(seen, 'b'));
    await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    await lifecycle.stop();
    await expect(lifecycle.start(recorded(seen, 'c'))).rejects.toThrow('cannot start c: the server is stopping');
    expect(seen).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });

  it('still stops the rest when a stop fails, logs it, and rejects with that failure', async () => {
    const seen: string[] = [];
    const logged: unknown[] = [];
    const lifecycle = new Lifecycle(new Readiness(), { error: (o: unknown) => logged.push(o) });
    await lifecycle.start(recorded(seen, 'a'));
    await lifecycle.start(recorded(seen, 'b', { stopFails: true }));
    await lifecycle.start(recorded(seen, 'c'));
    await expect(lifecycle.stop()).rejects.toThrow('b cannot stop');
    expect(seen).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    expect(logged).toEqual([{ err: new Error('b cannot stop'), feature: 'b' }]);
  });

  it('registers each feature’s readiness components and app options, in start order', async () => {
    const readiness = new Readiness();
    const lifecycle = new Lifecycle(readiness, quiet);
    await lifecycle.start(recorded([], 'a'));
    await lifecycle.start(recorded([], 'b'));
    expect(Object.keys(readiness.report().components)).toEqual(['a', 'b']);
    expect(lifecycle.app()).toEqual({ auditEnabled: true });
  });
});
