/** Capped exponential backoff: the first delay, the ceiling, and the growth per failure. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
}

/** client-go's reflector numbers: 800 ms doubling to 30 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 800, maxMs: 30_000, factor: 2 };

/**
 * The delay before retry `attempt` (0 for the first): the capped exponential step with "equal
 * jitter", half fixed and half random, so retries of many watchers spread out but never wait
 * longer than the cap nor less than half the step.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const step = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  return step / 2 + (step / 2) * Math.min(1, Math.max(0, random()));
}
