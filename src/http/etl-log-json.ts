import type { EtlEvent } from '../events/etl-event.js';
import type { EtlLogView } from '../events/etl-log.js';
import { formatRfc3339Nano } from '../time.js';

/**
 * Renders ETL log views to the JSON `/model/etl/log` answers. Each event's JSON is made once and
 * remembered (events are immutable), so rendering a full log is a join of cached strings.
 */
export function createEtlLogRenderer(): (view: EtlLogView) => string {
  const fragments = new WeakMap<EtlEvent, string>();
  const fragment = (e: EtlEvent): string => {
    let s = fragments.get(e);
    if (s === undefined) {
      s = `{"kind":"${e.kind}","metadata":${metadataJson(e)},"time":"${formatRfc3339Nano(e.time)}"}`;
      fragments.set(e, s);
    }
    return s;
  };
  return (view) =>
    `{"code":200,"data":{"allocation":[${view.allocation.map(fragment).join(',')}],"asset":[${view.asset
      .map(fragment)
      .join(',')}],"counters":${JSON.stringify(view.counters)}}}`;
}

/** Metadata with its keys in Kubecost's order, and nothing but the documented keys. */
function metadataJson({ metadata: m }: EtlEvent): string {
  const parts: string[] = [];
  if (m.size !== undefined) parts.push(`"size":${m.size}`);
  if (m.window !== undefined) parts.push(`"window":{"start":${JSON.stringify(m.window.start)},"end":${JSON.stringify(m.window.end)}}`);
  if (m.error !== undefined) parts.push(`"error":${JSON.stringify(m.error)}`);
  return `{${parts.join(',')}}`;
}
