/**
 * The names `COST_PREDICTOR` accepts, one constant per predictor: kept apart from the predictors
 * themselves so the settings can list them without loading either.
 */

/** Prices a change by pod requests × replicas × the price sheet. */
export const REQUESTS_PREDICTOR = 'requests';

/** Asks a Kubecost Predict API, falling back to requests. */
export const KUBECOST_PREDICTOR = 'kubecost';

/** The values of the predictor setting. */
export const PREDICTOR_SETTINGS = [REQUESTS_PREDICTOR, KUBECOST_PREDICTOR] as const;

/** A predictor setting: `requests` (default) or `kubecost`. */
export type PredictorSetting = (typeof PREDICTOR_SETTINGS)[number];
