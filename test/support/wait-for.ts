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

/**
 * Like {@link waitFor}, for a condition that takes a request to check (a child server's answer):
 * asks again, one request at a time, until `probe` returns something, and returns it.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, what = 'the condition', capMs = 15_000): Promise<T> {
  const deadline = Date.now() + capMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`eventually: ${what} did not happen within ${capMs} ms${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`);
    await nextTurn();
  }
}
