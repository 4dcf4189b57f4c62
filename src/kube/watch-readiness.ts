import type { ComponentStatus } from '../readiness.js';
import type { WatchStatus } from './watch-types.js';

/** `Pod: backoff (list: connect ECONNREFUSED)`: a loop's kind, state and last error. */
function describeLoop(s: WatchStatus): string {
  return `${s.kind}: ${s.state}${s.lastError === undefined ? '' : ` (${s.lastError})`}`;
}

/**
 * The readiness of a set of watch loops, for `/readyz`: ready once every loop has delivered its
 * first full list; until then, each loop still waiting with its state and last error.
 */
export function watchReadiness(statuses: readonly WatchStatus[]): ComponentStatus {
  const waiting = statuses.filter((s) => !s.synced);
  if (waiting.length === 0) return { ready: true, state: 'synced', detail: statuses.map((s) => `${s.kind}: ${s.state}`).join(', ') };
  return { ready: false, state: 'not synced', detail: waiting.map(describeLoop).join(', ') };
}

/**
 * Whether a set of watch loops is current: every loop has listed and none is behind: failing (in
 * backoff, or reconnecting after a failure) or relisting after a gap in its history, any of which
 * means changes may have been missed that the retry or the relist will bring. A loop streaming, or
 * between two watches after a clean end (the routine reconnect at the server's timeout), is current.
 */
export function watchCurrency(statuses: readonly WatchStatus[]): ComponentStatus {
  const behind = statuses.filter((s) => !s.synced || s.state === 'backoff' || s.state === 'listing' || (s.state === 'connecting' && s.failures > 0));
  if (behind.length === 0) return { ready: true, state: 'current' };
  return { ready: false, state: 'not current', detail: behind.map(describeLoop).join(', ') };
}
