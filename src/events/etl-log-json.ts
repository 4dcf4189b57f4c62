import type { EtlCounters } from './etl-log.js';
import type { EtlPage } from '../storage/store.js';

/** The JSON around the two lists of events: before allocation's, between the lists, after asset's (with the counters). */
export interface EtlFrame {
  readonly open: string;
  readonly between: string;
  readonly close: string;
}

const PAGE_OPEN = '{"code":200,"data":';

/** The frame of the `data` of `/model/etl/log`; the counters are already in lexical key order. */
export function etlDataFrame(counters: EtlCounters): EtlFrame {
  return { open: '{"allocation":[', between: '],"asset":[', close: `],"counters":${JSON.stringify(counters)}}` };
}

/** The frame of the whole answer of `/model/etl/log`. */
export function etlPageFrame(counters: EtlCounters): EtlFrame {
  const data = etlDataFrame(counters);
  return { open: PAGE_OPEN + data.open, between: data.between, close: `${data.close}}` };
}

function render(frame: EtlFrame, page: EtlPage): string {
  return `${frame.open}${page.allocation.join(',')}${frame.between}${page.asset.join(',')}${frame.close}`;
}

/** The `data` of `/model/etl/log`: the stored events' JSON joined, then the counters. */
export function renderEtlData(page: EtlPage): string {
  return render(etlDataFrame(page.counters), page);
}

/** The JSON `/model/etl/log` answers. */
export function renderEtlPage(page: EtlPage): string {
  return render(etlPageFrame(page.counters), page);
}
