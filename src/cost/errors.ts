/**
 * The cost domain's errors. Each has a stable `code` that callers compare (never the message),
 * and a message written for the person who sent the bad input: what was wrong, where, and what
 * is accepted. HTTP routes map these to 400s; config loading maps them to exit code 2.
 */
import { quoteValue } from '../quote-value.js';

/** Stable codes of the cost domain's errors. */
export const CostErrorCode = {
  quantityInvalid: 'COST_QUANTITY_INVALID',
  priceSheetInvalid: 'COST_PRICE_SHEET_INVALID',
  workloadInvalid: 'COST_WORKLOAD_INVALID',
} as const;

/** One of {@link CostErrorCode}. */
export type CostErrorCode = (typeof CostErrorCode)[keyof typeof CostErrorCode];

/** Base of every cost-domain error: a stable code plus a human message. */
export abstract class CostError extends Error {
  abstract readonly code: CostErrorCode;
}

/** A string that is not a Kubernetes resource quantity. */
export class QuantityError extends CostError {
  readonly code = CostErrorCode.quantityInvalid;
  override readonly name = 'QuantityError';

  constructor(
    /** The rejected input, as given. */
    readonly input: string,
    reason: string,
  ) {
    super(`invalid quantity ${quoteValue(input)}: ${reason}`);
  }
}

/** A price sheet (PRICING_CONFIG) that does not parse or does not validate. */
export class PriceSheetError extends CostError {
  readonly code = CostErrorCode.priceSheetInvalid;
  override readonly name = 'PriceSheetError';
}

/** A workload object that cannot be priced; `path` is the Kubernetes field path at fault. */
export class WorkloadError extends CostError {
  readonly code = CostErrorCode.workloadInvalid;
  override readonly name = 'WorkloadError';

  constructor(
    /** Field path in Kubernetes notation, e.g. `spec.template.spec.containers[0].resources.requests[cpu]`. */
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}
