import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import type { CostPredictor } from '../../src/cost/predictor.js';
import { createRequestsPredictor, priceByRequests } from '../../src/cost/requests-predictor.js';
import type { WorkloadObject } from '../../src/cost/workload-object.js';
import { AppError } from '../../src/errors.js';
import type { LiveWorkloads } from '../../src/predict/live-workloads.js';
import { parseManifests } from '../../src/predict/manifests.js';
import { PREDICT_CONCURRENCY, predictSpecCosts } from '../../src/predict/predict-spec-costs.js';
import { waitFor } from '../support/wait-for.js';

const requests = createRequestsPredictor(DEFAULT_PRICE_SHEET);

const deployment = (name: string, cpu = '100m', extra = '') =>
  `kind: Deployment\napiVersion: apps/v1\nmetadata: {name: ${name}${extra}}\nspec:\n  template:\n    spec:\n      containers: [{name: a, resources: {requests: {cpu: ${cpu}}}}]\n`;
const daemonSet = (name: string) => `kind: DaemonSet\napiVersion: apps/v1\nmetadata: {name: ${name}, namespace: logging}\nspec:\n  template:\n    spec:\n      containers: [{name: a, resources: {requests: {cpu: 100m}}}]\n`;

const objects = (...docs: string[]) => parseManifests(docs.join('---\n'), 'yaml');

/** A cluster with the given objects (by `kind/ns/name`) and nodes, counting what it is asked. */
const cluster = (live: Record<string, WorkloadObject> = {}, nodes: number | undefined = 2) => {
  const asked = { find: [] as string[], nodes: 0 };
  const workloads: LiveWorkloads = {
    find: (kind, ns, name) => {
      asked.find.push(`${kind}/${ns}/${name}`);
      return Promise.resolve(live[`${kind}/${ns}/${name}`]);
    },
    schedulableNodes: () => {
      asked.nodes++;
      return Promise.resolve(nodes);
    },
  };
  return { workloads, asked };
};

const liveDaemonSet = (desired: number, observed = true): WorkloadObject => ({
  kind: 'DaemonSet',
  metadata: { name: 'shipper', namespace: 'logging' },
  spec: { template: { spec: { containers: [{ resources: { requests: { cpu: '100m' } } }] } } },
  status: { desiredNumberScheduled: desired, ...(observed && { observedGeneration: 1 }) },
});

describe('predictSpecCosts', () => {
  it('looks up each named workload in its namespace, or defaultNamespace', async () => {
    const { workloads, asked } = cluster();
    await predictSpecCosts(objects(deployment('a'), deployment('b', '100m', ', namespace: team')), 'dflt', { predictor: requests, live: workloads });
    expect(asked.find).toEqual(['deployment/dflt/a', 'deployment/team/b']);
  });

  it('does not look up an object named only by generateName: it will get a fresh name', async () => {
    const { workloads, asked } = cluster();
    const doc = 'kind: Pod\nmetadata: {generateName: job-}\nspec: {containers: [{name: a}]}\n';
    const { diffs } = await predictSpecCosts(objects(doc), 'dflt', { predictor: requests, live: workloads });
    expect(asked.find).toEqual([]);
    expect(diffs[0]?.controllerName).toBe('job-');
  });

  it('prices a DaemonSet on the running one’s desiredNumberScheduled without listing nodes', async () => {
    const { workloads, asked } = cluster({ 'daemonset/logging/shipper': liveDaemonSet(5) });
    const { diffs } = await predictSpecCosts(objects(daemonSet('shipper')), 'dflt', { predictor: requests, live: workloads });
    expect(diffs[0]?.costAfter.monthlyCPUCoreHours).toBe(365);
    expect(diffs[0]?.costBefore.monthlyCPUCoreHours).toBe(365);
    expect(asked.nodes).toBe(0);
  });

  it('counts schedulable nodes once per request for DaemonSets not yet observed', async () => {
    const { workloads, asked } = cluster({ 'daemonset/logging/shipper': liveDaemonSet(0, false) }, 3);
    const { diffs } = await predictSpecCosts(objects(daemonSet('shipper'), daemonSet('other'), daemonSet('third')), 'dflt', { predictor: requests, live: workloads });
    expect(diffs.map((d) => d.costAfter.monthlyCPUCoreHours)).toEqual([219, 219, 219]);
    expect(asked.nodes).toBe(1);
  });

  it('reports a predictor fallback as a warning, once', async () => {
    const fallingBack: CostPredictor = {
      name: 'kubecost',
      predict: (w) => Promise.resolve({ ...priceByRequests(w, DEFAULT_PRICE_SHEET), fallback: { from: 'kubecost', reason: 'Kubecost answered HTTP 502' } }),
    };
    const { warnings } = await predictSpecCosts(objects(deployment('a'), deployment('b')), 'dflt', { predictor: fallingBack, live: cluster().workloads });
    expect(warnings).toEqual(['priced by requests because the kubecost predictor failed: Kubecost answered HTTP 502']);
  });

  it('answers 500, not 400, when the running object cannot be priced: the client did not send it', async () => {
    const broken: WorkloadObject = { metadata: { name: 'a' }, spec: { template: { spec: { containers: [{ resources: { requests: { cpu: 'lots' } } }] } } } };
    const err = await predictSpecCosts(objects(deployment('a')), 'dflt', { predictor: requests, live: cluster({ 'deployment/dflt/a': broken }).workloads }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).statusCode).toBe(500);
    expect((err as AppError).message).toMatch(/^cannot price the running Deployment dflt\/a: /);
  });

  it(`looks up at most ${PREDICT_CONCURRENCY} workloads at once and answers in body order`, async () => {
    const pending: (() => void)[] = [];
    let inFlight = 0;
    let peak = 0;
    const live: LiveWorkloads = {
      find: () =>
        new Promise((resolve) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          pending.push(() => {
            inFlight--;
            resolve(undefined);
          });
        }),
      schedulableNodes: () => Promise.resolve(1),
    };
    const names = Array.from({ length: 20 }, (_, i) => `w${i}`);
    const state = { done: false };
    const answer = predictSpecCosts(objects(...names.map((n) => deployment(n))), 'dflt', { predictor: requests, live }).finally(() => (state.done = true));
    while (!state.done) {
      await waitFor(() => pending.length > 0 || state.done, 'a lookup or the answer');
      // Finish the lookups in reverse order of asking, so completion order differs from body order.
      pending.splice(0).reverse().forEach((finish) => finish());
    }
    expect(peak).toBe(PREDICT_CONCURRENCY);
    expect((await answer).diffs.map((d) => d.controllerName)).toEqual(names);
  });

  it('stops taking workloads after one fails', async () => {
    let calls = 0;
    const live: LiveWorkloads = {
      find: () => {
        calls++;
        return Promise.reject(new AppError('CLUSTER_UNAVAILABLE', 'cannot read'));
      },
      schedulableNodes: () => Promise.resolve(1),
    };
    const docs = Array.from({ length: 30 }, (_, i) => deployment(`w${i}`));
    await expect(predictSpecCosts(objects(...docs), 'dflt', { predictor: requests, live })).rejects.toThrow('cannot read');
    expect(calls).toBe(PREDICT_CONCURRENCY);
  });
});
