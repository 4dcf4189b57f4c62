import type { TimeRange } from '../storage/catalogue.js';
import { AppError } from '../errors.js';

/** A query's `from` and `to` as a range, refusing one that is empty or reversed (Cloud Eye: from must be smaller than to). */
export function timeRange(q: { readonly from?: number | undefined; readonly to?: number | undefined }): TimeRange {
  if (q.from !== undefined && q.to !== undefined && q.from >= q.to) {
    throw new AppError('CES_BAD_PARAMETER', `invalid parameter 'to': got "${q.to}"; accepts epoch milliseconds greater than from (${q.from})`);
  }
  return { ...(q.from !== undefined && { fromMs: q.from }), ...(q.to !== undefined && { toMs: q.to }) };
}
