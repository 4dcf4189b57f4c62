import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Waits for something the network will deliver (not for time to pass: tests drive time with
 * ManualClock). Yields one event-loop turn at a time until `predicate` holds, failing after a
 * hard cap of real time so a broken test ends with a message instead of a hang.
 */
export async function waitFor(predicate: () => boolean, what = 'the condition', capMs = 5_000): Promise<void> {
  const deadline = Date.now() + capMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`waitFor: ${what} did not happen within ${capMs} ms`);
    await nextTurn();
  }
}
