import type { EtlPage } from '../storage/store.js';

/** The JSON `/model/etl/log` answers: the stored events' JSON joined, then the counters (already in lexical key order). */
export function renderEtlPage(page: EtlPage): string {
  return `{"code":200,"data":{"allocation":[${page.allocation.join(',')}],"asset":[${page.asset.join(',')}],"counters":${JSON.stringify(page.counters)}}}`;
}
