import { formatRfc3339Nano } from '../time.js';
import type { EtlEvent, EtlMetadata } from './etl-event.js';

/**
 * The JSON of ETL events exactly as `/model/etl/log` prints them. Storage backends keep the
 * metadata in this form and every backend renders an event through {@link etlEventJson}, so the
 * answer is byte for byte the same whichever backend holds the log.
 */

/** Metadata with its keys in Kubecost's order, and nothing but the documented keys. */
export function etlMetadataJson(m: EtlMetadata): string {
  const parts: string[] = [];
  if (m.size !== undefined) parts.push(`"size":${m.size}`);
  if (m.window !== undefined) parts.push(`"window":{"start":${JSON.stringify(m.window.start)},"end":${JSON.stringify(m.window.end)}}`);
  if (m.error !== undefined) parts.push(`"error":${JSON.stringify(m.error)}`);
  return `{${parts.join(',')}}`;
}

/** One event's JSON from its parts: the kind, the metadata JSON of {@link etlMetadataJson}, the time in epoch ns. */
export function etlEventJson(kind: string, metadataJson: string, timeNs: bigint): string {
  return `{"kind":"${kind}","metadata":${metadataJson},"time":"${formatRfc3339Nano(timeNs)}"}`;
}

/** One event's JSON. */
export function etlEventToJson(e: EtlEvent): string {
  return etlEventJson(e.kind, etlMetadataJson(e.metadata), e.time);
}
