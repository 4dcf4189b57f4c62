import { describe, expect, it } from 'vitest';
import { watchReadiness } from '../../src/kube/watch-readiness.js';
import type { WatchStatus } from '../../src/kube/watch-types.js';

const status = (kind: string, o: Partial<WatchStatus> = {}): WatchStatus => ({ kind, state: 'watching', synced: true, relists: 0, restarts: 0, ...o });

describe('the readiness of watch loops', () => {
  it('is ready once every loop has listed, naming what each is doing', () => {
    expect(watchReadiness([status('Node'), status('Pod', { state: 'backoff', lastError: 'gone' })])).toEqual({
      ready: true,
      state: 'synced',
      detail: 'Node: watching, Pod: backoff',
    });
  });

  it('is not ready while one has not, naming only those with their last error', () => {
    const statuses = [status('Node'), status('Pod', { state: 'backoff', synced: false, lastError: 'list: 500' }), status('Service', { state: 'listing', synced: false })];
    expect(watchReadiness(statuses)).toEqual({ ready: false, state: 'not synced', detail: 'Pod: backoff (list: 500), Service: listing' });
  });

  it('is ready with no loop at all', () => {
    expect(watchReadiness([])).toEqual({ ready: true, state: 'synced', detail: '' });
  });
});
