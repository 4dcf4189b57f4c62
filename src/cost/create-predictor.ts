/**
 * Picks the cost predictor the setting names: the one place that choice is made. The Predict
 * feature calls this once and hands the predictor to the audit and to the Predict API route, so
 * both price with the same one.
 */
import { createKubecostPredictor } from './kubecost-predictor.js';
import type { PriceSheet } from './price-sheet.js';
import type { CostPredictor } from './predictor.js';
import { REQUESTS_PREDICTOR, type PredictorSetting } from './predictor-settings.js';
import { createRequestsPredictor } from './requests-predictor.js';

/** What the predictors need; `kubecost` is required when the setting is `kubecost`. */
export interface PredictorOptions {
  readonly sheet: PriceSheet;
  readonly kubecost?: {
    readonly baseUrl: string;
    readonly clusterId: string;
    readonly timeoutMs?: number;
  };
}

/** The predictor named by `setting`; throws RangeError when `kubecost` is chosen without its options. */
export function createPredictor(setting: PredictorSetting, options: PredictorOptions): CostPredictor {
  if (setting === REQUESTS_PREDICTOR) return createRequestsPredictor(options.sheet);
  if (options.kubecost === undefined) {
    throw new RangeError('the kubecost predictor needs a Kubecost URL and cluster ID');
  }
  return createKubecostPredictor({ ...options.kubecost, sheet: options.sheet });
}
