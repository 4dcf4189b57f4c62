import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { createRequestsPredictor } from '../../src/cost/requests-predictor.js';
import { PREDICT_BODY_EXAMPLE, PREDICT_RESPONSE_EXAMPLE } from '../../src/http/predict-routes.js';
import { noCluster } from '../../src/predict/live-workloads.js';
import { Readiness } from '../../src/readiness.js';
import { emptyEvents } from '../support/app.js';
import { ManualClock } from '../support/manual-clock.js';

describe('the documented Predict example', () => {
  it('is what the route answers to the documented body at the default prices', async () => {
    const app = buildApp({
      clock: new ManualClock(),
      events: emptyEvents(),
      readiness: new Readiness(),
      predict: { clusterId: 'cluster-one', predictor: createRequestsPredictor(DEFAULT_PRICE_SHEET), live: noCluster() },
    });
    const res = await app.inject({
      method: 'POST',
      url: '/model/prediction/speccost?clusterID=cluster-one&defaultNamespace=default',
      headers: { 'content-type': 'application/yaml' },
      payload: PREDICT_BODY_EXAMPLE,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(PREDICT_RESPONSE_EXAMPLE);
    await app.close();
  });
});
