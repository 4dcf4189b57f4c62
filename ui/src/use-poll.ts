import { useEffect, useState } from 'preact/hooks';
import { DEFAULT_POLL, Poller, type PollTiming } from './poller.js';

/** The state of a polled URL: the last data, the last error (cleared by the next success). */
export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  /** Bumped on each new data, so views can mark what arrived. */
  readonly version: number;
}

/** Polls `path` while the component is mounted; a new path starts over. `undefined` polls nothing. */
export function usePoll<T>(path: string | undefined, timing: PollTiming = DEFAULT_POLL, okStatuses: readonly number[] = []): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined, version: 0 });
  useEffect(() => {
    if (path === undefined) return undefined;
    setState((s) => ({ ...s, error: undefined }));
    const poller = new Poller<T>(
      path,
      {
        data: (data) => setState((s) => ({ data, error: undefined, version: s.version + 1 })),
        error: (error) => setState((s) => ({ ...s, error })),
      },
      timing,
      okStatuses,
    );
    poller.start();
    return () => poller.stop();
    // timing and okStatuses are constants of each caller; only the path starts a new poll.
  }, [path]);
  return state;
}
