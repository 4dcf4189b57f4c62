/**
 * The cost domain's errors. Each has a stable `code` that callers compare (never the message),
 * and a message written for the person who sent the bad input: what was wrong, where, and what
 * is accepted. Their codes are entries of the one catalogue (`src/errors.ts`); HTTP routes map
 * them to 400s through `asClientError`; config loading maps them to exit code 2.
 */
import { DomainError, type DomainErrorCode } from '../errors.js';
import { quoteValue } from '../quote-value.js';

/** The codes of the cost domain's errors, entries of the one catalogue (`src/errors.ts`). */
export type CostErrorCode = Extract<DomainErrorCode, `COST_${string}`>;

/** Base of every cost-domain error: a stable code plus a human message. */
export abstract class CostError extends DomainError {
  abstract override readonly code: CostErrorCode;
}

/** A string that is not a Kubernetes resource quantity. */
export class QuantityError extends CostError {
  readonly code = 'COST_QUANTITY_INVALID';
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
  readonly code = 'COST_PRICE_SHEET_INVALID';
  override readonly name = 'PriceSheetError';
}

/** A workload object that cannot be priced; `path` is the Kubernetes field path at fault. */
export class WorkloadError extends CostError {
  readonly code = 'COST_WORKLOAD_INVALID';
  override readonly name = 'WorkloadError';

  constructor(
    /** Field path in Kubernetes notation, e.g. `spec.template.spec.containers[0].resources.requests[cpu]`. */
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}
