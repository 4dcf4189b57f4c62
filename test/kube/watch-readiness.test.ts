import { describe, expect, it } from 'vitest';
import { watchCurrency, watchReadiness } from '../../src/kube/watch-readiness.js';
import type { WatchStatus } from '../../src/kube/watch-types.js';

const status = (kind: string, o: Partial<WatchStatus> = {}): WatchStatus => ({ kind, state: 'watching', synced: true, failures: 0, relists: 0, restarts: 0, ...o });

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

describe('the currency of watch loops', () => {
  it('is current while every loop streams, or reconnects after a clean end', () => {
    expect(watchCurrency([status('Node'), status('Pod', { state: 'connecting', lastError: 'watch: old failure' })])).toEqual({ ready: true, state: 'current' });
  });

  it('is not current while a loop fails, reconnects after a failure, relists, or has not listed', () => {
    const statuses = [
      status('Node'),
      status('Pod', { state: 'backoff', failures: 2, lastError: 'watch: socket hang up' }),
      status('Service', { state: 'connecting', failures: 1, lastError: 'watch: 500' }),
      status('PersistentVolume', { state: 'listing', lastError: 'watch: 410 Expired' }),
      status('PersistentVolumeClaim', { state: 'listing', synced: false }),
    ];
    expect(watchCurrency(statuses)).toEqual({
      ready: false,
      state: 'not current',
      detail: 'Pod: backoff (watch: socket hang up), Service: connecting (watch: 500), PersistentVolume: listing (watch: 410 Expired), PersistentVolumeClaim: listing',
    });
  });
});
