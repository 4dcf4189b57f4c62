/** The cost domain's public surface: quantities, the price sheet, workloads, and the predictors. */
export * from './errors.js';
export { decimalQuotient } from './decimal.js';
export * from './quantity.js';
export * from './price-sheet.js';
export * from './workload-object.js';
export * from './workload.js';
export * from './manifest.js';
export * from './predictor.js';
export * from './spec-cost.js';
export * from './requests-predictor.js';
export * from './kubecost-predictor.js';
export * from './create-predictor.js';
