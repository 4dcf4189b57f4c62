import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { createRequestsPredictor } from '../../src/cost/requests-predictor.js';
import type { SpecCostDiff } from '../../src/cost/spec-cost.js';
import { PREDICT_BODY_LIMIT } from '../../src/http/predict-routes.js';
import { TOO_DEEP_MESSAGE } from '../../src/json-nesting.js';
import { kubeLiveWorkloads } from '../../src/predict/kube-live-workloads.js';
import { noCluster, type LiveWorkloads } from '../../src/predict/live-workloads.js';
import { Readiness } from '../../src/readiness.js';
import { emptyEvents } from '../support/app.js';
import { daemonSetObject, deploymentObject, FakeKubeServer, nodeObject, podObject, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';

// POST /model/prediction/speccost through inject, with costBefore read over real HTTP from the
// fake Kubernetes API server.

const fixture = (name: string) => readFileSync(new URL(`../predict/fixtures/${name}`, import.meta.url), 'utf8');

let fake: FakeKubeServer;
let kubeconfig: FakeKubeconfig;
let app: FastifyInstance;
let clock: ManualClock;

beforeEach(async () => {
  fake = await FakeKubeServer.start();
  kubeconfig = await writeKubeconfig(fake.url);
  clock = new ManualClock('2024-05-03T08:01:04Z');
});

afterEach(async () => {
  await app.close();
  await fake.close();
  await kubeconfig.remove();
});

/** The app with the Predict route, reading the fake cluster unless told otherwise. */
const setup = (live?: LiveWorkloads) => {
  app = buildApp({
    clock,
    events: emptyEvents(),
    readiness: new Readiness(),
    predict: {
      clusterId: 'cluster-one',
      predictor: createRequestsPredictor(DEFAULT_PRICE_SHEET),
      live: live ?? kubeLiveWorkloads({ kubeConfig: kubeconfig.kubeConfig, clock }),
    },
  });
};

const QUERY = 'clusterID=cluster-one&defaultNamespace=customdefault';

/** POSTs `body`; a `contentType` of null sends no Content-Type at all. */
const post = (body: string | undefined, contentType: string | null = 'application/yaml', query = QUERY): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'POST',
    url: `/model/prediction/speccost?${query}`,
    ...(body !== undefined && { payload: body }),
    headers: contentType === null ? {} : { 'content-type': contentType },
  });

const predicted = async (body: string, contentType?: string | null, query?: string): Promise<SpecCostDiff[]> => {
  const res = await post(body, contentType, query);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<SpecCostDiff[]>();
};

const failure = async (res: Promise<LightMyRequestResponse>) => {
  const r = await res;
  return { status: r.statusCode, body: r.json<{ code: number; data: null; message: string }>() };
};

const deployment = (name: string, o: { ns?: string; replicas?: number; cpu?: string; memory?: string } = {}) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    ...(o.ns === undefined ? [] : [`  namespace: ${o.ns}`]),
    'spec:',
    `  replicas: ${o.replicas ?? 1}`,
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: app',
    '        resources:',
    `          requests: {cpu: ${o.cpu ?? '100m'}, memory: ${o.memory ?? '32Mi'}}`,
    '',
  ].join('\n');

const daemonSet = (name: string, ns: string, cpu = '100m') =>
  `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  template:\n    spec:\n      containers: [{name: a, resources: {requests: {cpu: ${cpu}, memory: 32Mi}}}]\n`;

/** Asserts the monthly cost of `cores` CPU and `mib` MiB at the default sheet ($23.08 / core, $3.09 / GiB). */
const expectMonthly = (cost: SpecCostDiff['costAfter'] | undefined, cores: number, mib: number) => {
  expect(cost?.monthlyCPUCoreHours).toBe(cores * 730);
  expect(cost?.monthlyRAMByteHours).toBe(mib * 2 ** 20 * 730);
  expect(cost?.cpuMonthlyRate).toBeCloseTo(cores * 23.08, 10);
  expect(cost?.ramMonthlyRate).toBeCloseTo((mib / 1024) * 3.09, 10);
  expect(cost?.totalMonthlyRate).toBeCloseTo(cores * 23.08 + (mib / 1024) * 3.09, 10);
};

describe('POST /model/prediction/speccost: the Kubecost doc example', () => {
  it('reproduces the documented figures: new workload in defaultNamespace, running one diffed', async () => {
    // Live: what the doc's costBefore implies, 73 core-hours and 304653271040 byte-hours a month.
    fake.create('deployments', deploymentObject('kubecost', 'kubecost-cost-analyzer', 1, { cpu: '100m', memory: '398Mi' }));
    setup();
    const [analyzer, created] = await predicted(fixture('kubecost-doc-example.yaml'));

    expect(analyzer).toMatchObject({ namespace: 'kubecost', controllerKind: 'deployment', controllerName: 'kubecost-cost-analyzer' });
    expect(analyzer!.costBefore.monthlyCPUCoreHours).toBe(73);
    expect(analyzer!.costBefore.monthlyRAMByteHours).toBe(304653271040);
    // 3 replicas × (1m + 1m) and (1Mi + 1Mi), from requests (Kubecost's 19.71 blends in usage).
    expect(analyzer!.costAfter.monthlyCPUCoreHours).toBe(4.38);
    expect(analyzer!.costAfter.monthlyRAMByteHours).toBe(4592762880);
    expect(analyzer!.costChange.monthlyCPUCoreHours).toBeCloseTo(4.38 - 73, 10);
    expect(analyzer!.costChange.totalMonthlyRate).toBeLessThan(0);

    // The doc's second workload, exactly: 3 × 10m / 10Mi in customdefault, nothing running.
    expect(created).toMatchObject({ namespace: 'customdefault', controllerKind: 'deployment', controllerName: 'default-deployment' });
    expect(created!.costAfter.monthlyCPUCoreHours).toBe(21.9);
    expect(created!.costAfter.monthlyRAMByteHours).toBe(22963814400);
    // At $23.08 / core-month and $3.09 / GiB-month: the original draft's 0.6924 and 0.0905273.
    expect(created!.costAfter.cpuMonthlyRate).toBeCloseTo(0.6924, 10);
    expect(created!.costAfter.ramMonthlyRate).toBeCloseTo(0.0905273, 7);
    expect(created!.costAfter.totalMonthlyRate).toBeCloseTo(0.6924 + 0.09052734375, 10);
    expect(created!.costBefore).toEqual({ totalMonthlyRate: 0, cpuMonthlyRate: 0, ramMonthlyRate: 0, gpuMonthlyRate: 0, monthlyCPUCoreHours: 0, monthlyRAMByteHours: 0, monthlyGPUHours: 0 });
    expect(created!.costChange).toEqual(created!.costAfter);
  });

  it('answers a bare JSON array that parses with exactly the field set of kubectl-cost SpecCostDiff', async () => {
    fake.create('deployments', deploymentObject('kubecost', 'kubecost-cost-analyzer', 1, { cpu: '100m', memory: '398Mi' }));
    setup();
    const res = await post(fixture('kubecost-doc-example.yaml'));
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    // kubectl-cost pkg/query/prediction_speccost.go, field for field: every one present, every cost a number.
    const CostPrediction = Type.Object(
      {
        totalMonthlyRate: Type.Number(),
        cpuMonthlyRate: Type.Number(),
        ramMonthlyRate: Type.Number(),
        gpuMonthlyRate: Type.Number(),
        monthlyCPUCoreHours: Type.Number(),
        monthlyRAMByteHours: Type.Number(),
        monthlyGPUHours: Type.Number(),
      },
      { additionalProperties: false },
    );
    const KubectlCostSpecCostDiff = Type.Object(
      {
        namespace: Type.String(),
        controllerKind: Type.String(),
        controllerName: Type.String(),
        costBefore: CostPrediction,
        costAfter: CostPrediction,
        costChange: CostPrediction,
      },
      { additionalProperties: false },
    );
    const body: unknown = JSON.parse(res.body);
    expect(Array.isArray(body)).toBe(true);
    expect(Value.Errors(Type.Array(KubectlCostSpecCostDiff, { minItems: 2 }), body).First()).toBeUndefined();
  });
});

describe('POST /model/prediction/speccost: bodies', () => {
  it('prices every document of a multi-document YAML body, in body order, with defaultNamespace where none is set', async () => {
    setup();
    const body = [deployment('a', { ns: 'team-a' }), deployment('b'), deployment('c', { ns: 'team-c', replicas: 2 })].join('---\n');
    const diffs = await predicted(body);
    expect(diffs.map((d) => `${d.namespace}/${d.controllerName}`)).toEqual(['team-a/a', 'customdefault/b', 'team-c/c']);
    expect(diffs[2]!.costAfter.monthlyCPUCoreHours).toBe(146);
  });

  it('prices the items of a List as kubectl get -o json prints it, limits standing in for requests', async () => {
    setup();
    const diffs = await predicted(fixture('deployments-list.json'), 'application/json');
    expect(diffs.map((d) => `${d.controllerKind} ${d.namespace}/${d.controllerName}`)).toEqual(['deployment shop/api', 'deployment shop/worker']);
    expectMonthly(diffs[0]?.costAfter, 0.5, 512);
    expect(diffs[1]!.costAfter).toMatchObject({ monthlyCPUCoreHours: 730, monthlyRAMByteHours: 2 ** 30 * 730, monthlyGPUHours: 730, gpuMonthlyRate: 0.95 * 730 });
  });

  it('prices one JSON object', async () => {
    setup();
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'job-runner' }, spec: { containers: [{ name: 'run', resources: { requests: { cpu: '2', memory: '4Gi' } } }] } };
    const [diff] = await predicted(JSON.stringify(pod), 'application/json');
    expect(diff).toMatchObject({ namespace: 'customdefault', controllerKind: 'pod', controllerName: 'job-runner' });
    expectMonthly(diff?.costAfter, 2, 4096);
  });

  it('lists the kinds it ignores in X-Ignored-Kinds and prices the rest', async () => {
    setup();
    const res = await post(fixture('mixed.yaml'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-ignored-kinds']).toBe('ConfigMap/app-config, Service/web');
    expect(res.json<SpecCostDiff[]>().map((d) => `${d.controllerKind} ${d.namespace}/${d.controllerName}`)).toEqual(['deployment customdefault/web', 'daemonset logging/log-shipper']);
  });

  it('answers 400 listing what it found when no object is a priced kind', async () => {
    setup();
    const body = fixture('mixed.yaml').split('---\n').slice(0, 2).join('---\n');
    expect(await failure(post(body))).toEqual({
      status: 400,
      body: { code: 400, data: null, message: 'the body holds no workload to price (priced kinds: Deployment, StatefulSet, DaemonSet, Pod); found ConfigMap/app-config, Service/web' },
    });
  });

  it('answers 400 naming the document, line and column of malformed YAML', async () => {
    setup();
    const body = `${deployment('ok')}---\nkind: Deployment\nmetadata:\n  name: broken\nspec:\n  replicas: [1, 2\n  template: {}\n`;
    expect(await failure(post(body))).toEqual({
      status: 400,
      body: { code: 400, data: null, message: 'invalid YAML in document 2 at line 19, column 3: Flow sequence in block collection must be sufficiently indented and end with a ]' },
    });
  });

  it('answers 400 naming the line and column of malformed JSON', async () => {
    setup();
    const { status, body } = await failure(post('{\n  "kind": "Pod",\n  "metadata": {"name": "x"}\n  "spec": {}\n}', 'application/json'));
    expect(status).toBe(400);
    expect(body.message).toBe("invalid JSON at line 4, column 3: Expected ',' or '}' after property value");
  });

  it('answers 400 naming the field and document of a workload that cannot be priced', async () => {
    setup();
    const { status, body } = await failure(post(`${deployment('ok')}---\n${deployment('bad', { cpu: 'lots' })}`));
    expect(status).toBe(400);
    expect(body.message).toMatch(/^document 2 \(Deployment bad\): spec\.template\.spec\.containers\[0\]\.resources\.requests\[cpu\]: invalid quantity "lots"/);
  });

  it('answers 400 to YAML nested thousands of levels deep, and carries on', async () => {
    // These bodies once ran the YAML reader out of stack; in the server, two of three runs of this
    // sequence then ended the process (V8's fatal out-of-memory error compiling a regular
    // expression with no stack left), rather than reporting the overflow.
    setup();
    const aliases = ['kind: Pod', 'l:', '  a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) aliases.push(`  a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const deepFlow = `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const deepBlock = `${'- '.repeat(3000)}x\n`;
    for (let round = 0; round < 3; round++) {
      expect((await failure(post(aliases.join('\n')))).body.message).toMatch(/^invalid YAML in document 1: .*alias/i);
      for (const body of [deepFlow, deepBlock]) expect(await failure(post(body))).toEqual({ status: 400, body: { code: 400, data: null, message: TOO_DEEP_MESSAGE } });
    }
    expect(await predicted(deployment('after'))).toHaveLength(1);
  });

  it('answers 413 in the envelope past 5 MiB', async () => {
    setup();
    const body = `${deployment('big')}# ${'x'.repeat(PREDICT_BODY_LIMIT)}\n`;
    expect(await failure(post(body))).toEqual({
      status: 413,
      body: { code: 413, data: null, message: 'the body is larger than 5242880 bytes (5 MiB); send fewer manifests per request' },
    });
  });

  it('accepts a body just under 5 MiB', async () => {
    setup();
    const head = deployment('big');
    const body = `${head}# ${'x'.repeat(PREDICT_BODY_LIMIT - head.length - 3)}\n`;
    expect(Buffer.byteLength(body)).toBe(PREDICT_BODY_LIMIT);
    expect((await post(body)).statusCode).toBe(200);
  });

  it('answers 400 for an empty body', async () => {
    setup();
    const message = 'the body holds no Kubernetes objects; send manifests of Deployment, StatefulSet, DaemonSet, Pod as YAML or JSON';
    expect((await failure(post(''))).body.message).toBe(message);
    expect((await failure(post('# nothing but a comment\n---\n'))).body.message).toBe(message);
    expect((await failure(post(undefined, null))).body.message).toBe(message);
  });
});

describe('POST /model/prediction/speccost: content types', () => {
  const yaml = deployment('web');
  const json = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', resources: { requests: { cpu: '100m', memory: '32Mi' } } }] } } } });

  for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'application/yaml; charset=utf-8']) {
    it(`reads ${type} as YAML`, async () => {
      setup();
      expect((await predicted(yaml, type)).map((d) => d.controllerName)).toEqual(['web']);
    });
  }

  for (const [label, body, type] of [
    ['untyped YAML (kubectl-cost sends no Content-Type)', yaml, null],
    ['untyped JSON', json, null],
    ['text/plain JSON', json, 'text/plain'],
    ['text/plain YAML', yaml, 'text/plain'],
    ['application/octet-stream YAML', yaml, 'application/octet-stream'],
    ['application/x-www-form-urlencoded YAML (curl --data-binary without -H)', yaml, 'application/x-www-form-urlencoded'],
  ] as const) {
    it(`sniffs ${label}`, async () => {
      setup();
      expect((await predicted(body, type)).map((d) => d.costAfter.monthlyCPUCoreHours)).toEqual([73]);
    });
  }

  it('reads an untyped body starting with { as JSON, and anything else as YAML, as its errors show', async () => {
    setup();
    expect((await failure(post('{"kind": "Pod",}', null))).body.message).toMatch(/^invalid JSON/);
    expect((await failure(post('kind: Pod\nkind: Pod\n', 'text/plain'))).body.message).toMatch(/^invalid YAML in document 1 at line 2, column 1: Map keys must be unique/);
  });

  it('answers 415 naming the accepted types for any other type', async () => {
    setup();
    expect(await failure(post('<Deployment/>', 'application/xml'))).toEqual({
      status: 415,
      body: {
        code: 415,
        data: null,
        message: 'unsupported Content-Type "application/xml"; accepts application/yaml, application/x-yaml, text/yaml, application/json, text/plain, application/octet-stream, application/x-www-form-urlencoded or none',
      },
    });
  });

  it('reads YAML sent as application/json as the JSON it is not, and says so', async () => {
    setup();
    const { status, body } = await failure(post(yaml, 'application/json'));
    expect(status).toBe(400);
    expect(body.message).toMatch(/^invalid JSON/);
  });
});

describe('POST /model/prediction/speccost: costBefore from the cluster', () => {
  it('diffs against the running workload of the same namespace, kind and name', async () => {
    fake.create('deployments', deploymentObject('shop', 'api', 2, { cpu: '250m', memory: '256Mi' }));
    setup();
    const [diff] = await predicted(deployment('api', { ns: 'shop', replicas: 3, cpu: '500m', memory: '256Mi' }));
    expectMonthly(diff?.costBefore, 0.5, 512);
    expectMonthly(diff?.costAfter, 1.5, 768);
    expect(diff!.costChange.monthlyCPUCoreHours).toBe(730);
    expect(diff!.costChange.monthlyRAMByteHours).toBe(256 * 2 ** 20 * 730);
    expect(diff!.costChange.totalMonthlyRate).toBe(diff!.costAfter.totalMonthlyRate - diff!.costBefore.totalMonthlyRate);
  });

  it('does not diff against a workload of another kind or namespace with the same name', async () => {
    fake.create('statefulsets', { ...deploymentObject('shop', 'api', 5), spec: { ...(deploymentObject('shop', 'api', 5).spec as object), serviceName: 'api' } });
    fake.create('deployments', deploymentObject('other', 'api', 5));
    setup();
    const [diff] = await predicted(deployment('api', { ns: 'shop' }));
    expect(diff!.costBefore.totalMonthlyRate).toBe(0);
  });

  it('diffs a bare Pod against the running Pod', async () => {
    fake.create('pods', podObject('batch', 'once', { cpu: '1', memory: '1Gi' }));
    setup();
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: once, namespace: batch}\nspec:\n  containers: [{name: a, resources: {requests: {cpu: 2, memory: 1Gi}}}]\n';
    const [diff] = await predicted(pod);
    expect(diff!.costBefore.monthlyCPUCoreHours).toBe(730);
    expect(diff!.costChange.monthlyCPUCoreHours).toBe(730);
    expect(diff!.costChange.monthlyRAMByteHours).toBe(0);
  });

  it('looks each workload up with one GET of that object', async () => {
    setup();
    fake.clearRequests();
    await predicted(`${deployment('a', { ns: 'x' })}---\n${deployment('b')}`);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status ?? ''}`)).toEqual([
      'GET /apis/apps/v1/namespaces/x/deployments/a 404',
      'GET /apis/apps/v1/namespaces/customdefault/deployments/b 404',
    ]);
  });

  it('answers 503 naming the workload when the API server cannot be reached, rather than a zero costBefore', async () => {
    setup();
    await fake.stop();
    const { status, body } = await failure(post(deployment('api', { ns: 'shop' })));
    expect(status).toBe(503);
    expect(body.message).toMatch(/^cannot read the running Deployment shop\/api from the Kubernetes API \(.*ECONNREFUSED.*\); try again once the cluster answers$/);
  });

  it('prices against zero when no cluster is connected', async () => {
    setup(noCluster());
    const [diff] = await predicted(deployment('api', { ns: 'shop' }));
    expect(diff!.costBefore.totalMonthlyRate).toBe(0);
    expect(diff!.costChange).toEqual(diff!.costAfter);
  });
});

describe('POST /model/prediction/speccost: DaemonSets, priced per node', () => {
  it('uses status.desiredNumberScheduled of the running DaemonSet, before and after', async () => {
    fake.create('daemonsets', { ...daemonSetObject('logging', 'shipper', 3), status: { observedGeneration: 1, desiredNumberScheduled: 3 } });
    setup();
    const [diff] = await predicted(daemonSet('shipper', 'logging', '200m'));
    expect(diff!.costBefore.monthlyCPUCoreHours).toBe(219); // 3 nodes × 100m × 730 h
    expect(diff!.costAfter.monthlyCPUCoreHours).toBe(438); // 3 nodes × 200m × 730 h
  });

  it('counts schedulable nodes for a new DaemonSet, listing Nodes once per request', async () => {
    fake.create('nodes', nodeObject('n1'));
    fake.create('nodes', nodeObject('n2'));
    fake.create('nodes', { ...nodeObject('n3'), spec: { unschedulable: true } });
    setup();
    fake.clearRequests();
    const diffs = await predicted(`${daemonSet('a', 'logging')}---\n${daemonSet('b', 'logging')}`);
    expect(diffs.map((d) => d.costAfter.monthlyCPUCoreHours)).toEqual([146, 146]);
    expect(fake.calls('nodes')).toHaveLength(1);
  });

  it('counts schedulable nodes when the running DaemonSet has not been observed by its controller yet', async () => {
    fake.create('nodes', nodeObject('n1'));
    fake.create('daemonsets', daemonSetObject('logging', 'shipper', 0));
    setup();
    const [diff] = await predicted(daemonSet('shipper', 'logging'));
    expect(diff!.costBefore.monthlyCPUCoreHours).toBe(73);
  });

  it('prices for one node without a cluster, and says so in a Warning header', async () => {
    setup(noCluster());
    const res = await post(daemonSet('shipper', 'logging'));
    expect(res.statusCode).toBe(200);
    expect(res.json<SpecCostDiff[]>()[0]!.costAfter.monthlyCPUCoreHours).toBe(73);
    expect(res.headers['warning']).toEqual(['299 - "no cluster is connected, so DaemonSets are priced for one node (the figures are per node)"']);
  });

  it('does not list Nodes when no DaemonSet needs them', async () => {
    setup();
    fake.clearRequests();
    await predicted(deployment('web'));
    expect(fake.calls('nodes')).toEqual([]);
  });
});

describe('POST /model/prediction/speccost: query parameters', () => {
  it('accepts the parameters kubectl-cost sends', async () => {
    setup();
    const query = 'clusterID=cluster-one&defaultNamespace=default&noUsage=false&window=2d&windowAvgUsage=2d&windowResourceCost=7d%20offset%2048h';
    expect((await post(deployment('web'), 'application/yaml', query)).statusCode).toBe(200);
  });

  it('answers 400 naming this server’s cluster for another clusterID', async () => {
    setup();
    expect(await failure(post(deployment('web'), 'application/yaml', 'clusterID=cluster-two&defaultNamespace=default'))).toEqual({
      status: 400,
      body: { code: 400, data: null, message: `invalid parameter 'clusterID': got "cluster-two"; accepts cluster-one (this server's CLUSTER_ID)` },
    });
  });

  for (const [missing, query, accepts] of [
    ['clusterID', 'defaultNamespace=default', "this server's CLUSTER_ID"],
    ['defaultNamespace', 'clusterID=cluster-one', 'a namespace name (lower-case letters, digits and hyphens, at most 63, starting and ending alphanumeric)'],
  ] as const) {
    it(`answers 400 for a missing ${missing}, saying what it accepts`, async () => {
      setup();
      expect((await failure(post(deployment('web'), 'application/yaml', query))).body).toEqual({ code: 400, data: null, message: `missing parameter '${missing}'; accepts ${accepts}` });
    });
  }

  it('answers 400 for a defaultNamespace that is not a namespace name', async () => {
    setup();
    const { status, body } = await failure(post(deployment('web'), 'application/yaml', 'clusterID=cluster-one&defaultNamespace=Team_A'));
    expect(status).toBe(400);
    expect(body.message).toBe(`invalid parameter 'defaultNamespace': got "Team_A"; accepts a namespace name (lower-case letters, digits and hyphens, at most 63, starting and ending alphanumeric)`);
  });

  for (const name of ['window', 'windowAvgUsage', 'windowResourceCost']) {
    it(`answers 400 for a ${name} that does not parse`, async () => {
      setup();
      const { status, body } = await failure(post(deployment('web'), 'application/yaml', `${QUERY}&${name}=3x`));
      expect(status).toBe(400);
      expect(body.message).toMatch(new RegExp(`^invalid parameter '${name}': got "3x"; accepts today, yesterday, week`));
    });
  }

  it('answers 400 for a noUsage that is not true or false', async () => {
    setup();
    expect((await failure(post(deployment('web'), 'application/yaml', `${QUERY}&noUsage=maybe`))).body.message).toBe(`invalid parameter 'noUsage': got "maybe"; accepts true or false`);
  });

  it('checks the query before reading the body', async () => {
    setup();
    expect((await failure(post('{ not yaml', 'application/yaml', 'clusterID=elsewhere&defaultNamespace=default'))).body.message).toMatch(/^invalid parameter 'clusterID'/);
  });
});
