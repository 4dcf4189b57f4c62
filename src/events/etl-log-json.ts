import type { EtlPage } from '../storage/store.js';

/** The `data` of `/model/etl/log`: the stored events' JSON joined, then the counters (already in lexical key order). */
export function renderEtlData(page: EtlPage): string {
  return `{"allocation":[${page.allocation.join(',')}],"asset":[${page.asset.join(',')}],"counters":${JSON.stringify(page.counters)}}`;
}

/** The JSON `/model/etl/log` answers. */
export function renderEtlPage(page: EtlPage): string {
  return `{"code":200,"data":${renderEtlData(page)}}`;
}
