import { MEMORY_CUSTOM_EVENT_BYTES } from './memory-custom-events.js';
import type { StoreLimits } from './store.js';

/** Default of `CUSTOM_EVENT_CAPACITY`: custom events kept per project. */
export const DEFAULT_CUSTOM_EVENT_CAPACITY = 100_000;

/** Default of `CUSTOM_EVENT_RETENTION`: 30 days. */
export const DEFAULT_CUSTOM_EVENT_RETENTION_MS = 30 * 86_400_000;

/** Every bound with its value: what the backends read, never defaulting one themselves. */
export type ResolvedLimits = Readonly<Required<StoreLimits>>;

/** The one place the limits' defaults are applied; a backend calls it once, when it is made. */
export function resolveLimits(limits: StoreLimits): ResolvedLimits {
  return {
    etlLogCapacity: limits.etlLogCapacity,
    auditCapacity: limits.auditCapacity,
    customEventCapacity: limits.customEventCapacity ?? DEFAULT_CUSTOM_EVENT_CAPACITY,
    customEventRetentionMs: limits.customEventRetentionMs ?? DEFAULT_CUSTOM_EVENT_RETENTION_MS,
    memoryCustomEventBytes: limits.memoryCustomEventBytes ?? MEMORY_CUSTOM_EVENT_BYTES,
  };
}
