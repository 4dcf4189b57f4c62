import type { ComponentStatus } from '../readiness.js';
import type { WatchStatus } from './watch-types.js';

/**
 * The readiness of a set of watch loops, for `/readyz`: ready once every loop has delivered its
 * first full list; until then, each loop still waiting with its state and last error.
 */
export function watchReadiness(statuses: readonly WatchStatus[]): ComponentStatus {
  const waiting = statuses.filter((s) => !s.synced);
  if (waiting.length === 0) return { ready: true, state: 'synced', detail: statuses.map((s) => `${s.kind}: ${s.state}`).join(', ') };
  return {
    ready: false,
    state: 'not synced',
    detail: waiting.map((s) => `${s.kind}: ${s.state}${s.lastError === undefined ? '' : ` (${s.lastError})`}`).join(', '),
  };
}
