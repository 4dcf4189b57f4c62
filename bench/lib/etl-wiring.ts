import { EventBus } from '../../src/events/bus.js';
import { EtlLog } from '../../src/events/etl-log.js';
import type { Topics } from '../../src/events/topics.js';

/** A bus with an ETL log subscribed, exactly as src/server.ts wires them, without the HTTP side. */
export function wireEtlLog(capacity: number): { bus: EventBus<Topics>; etlLog: EtlLog } {
  const etlLog = new EtlLog(capacity);
  const bus = new EventBus<Topics>((topic, err) => {
    throw new Error(`subscriber of ${topic} failed: ${String(err)}`);
  });
  bus.subscribe('etl', (e) => etlLog.append(e));
  return { bus, etlLog };
}
