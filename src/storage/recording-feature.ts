import type { Feature, FeatureContext } from '../feature.js';
import type { Storage } from './storage.js';
import { subscribeWriter, type NotifyHook } from './subscribe-writer.js';

/**
 * Stores what the bus carries: the writer subscribed to every stored topic, with the
 * notifications each event triggers committed in the same unit. Started after storage and
 * notifications, before any producer, so no event goes unstored.
 */
export function recordingFeature({ bus }: FeatureContext, storage: Storage, notify: NotifyHook | undefined): Feature {
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'recording',
    start() {
      unsubscribe = subscribeWriter(bus, storage.writer, notify);
    },
    stop() {
      unsubscribe?.();
    },
  };
}
