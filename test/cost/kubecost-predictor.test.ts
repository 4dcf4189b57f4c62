import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKubecostPredictor } from '../../src/cost/kubecost-predictor.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { priceByRequests } from '../../src/cost/requests-predictor.js';
import type { WorkloadSpec } from '../../src/cost/workload.js';

interface Seen {
  method: string;
  url: URL;
  contentType: string | undefined;
  body: unknown;
}

interface Stub {
  baseUrl: string;
  seen: Seen[];
  server: Server;
}

const stubs: Server[] = [];

/** A Kubecost stand-in on a real socket; `answer` writes the response (or never does). */
async function startStub(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<Stub> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://stub'),
        contentType: req.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      answer(req, res);
    });
  });
  stubs.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, seen, server };
}

afterEach(async () => {
  for (const server of stubs.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

function json(status: number, body: unknown): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

const workload: WorkloadSpec = {
  kind: 'deployment',
  namespace: 'kubecost',
  name: 'sample-deployment',
  replicas: 2,
  perPod: { cpuCores: 0.1, memoryBytes: 32 * 2 ** 20, gpus: 0 },
};

const costAfter = {
  totalMonthlyRate: 5.6,
  cpuMonthlyRate: 4.088,
  ramMonthlyRate: 1.512,
  gpuMonthlyRate: 0,
  monthlyCPUCoreHours: 146,
  monthlyRAMByteHours: 48989470720,
  monthlyGPUHours: 0,
};

const zero = { ...costAfter, totalMonthlyRate: 0, cpuMonthlyRate: 0, ramMonthlyRate: 0 };

const answer = [
  { namespace: 'kubecost', controllerKind: 'deployment', controllerName: 'sample-deployment', costBefore: zero, costAfter, costChange: costAfter },
];

const local = priceByRequests(workload, DEFAULT_PRICE_SHEET);

function predictor(baseUrl: string, timeoutMs?: number) {
  return createKubecostPredictor({
    baseUrl,
    clusterId: 'cluster-one',
    sheet: DEFAULT_PRICE_SHEET,
    ...(timeoutMs !== undefined && { timeoutMs }),
  });
}

describe('the kubecost predictor, when Kubecost answers', () => {
  it('sends the credentials of its URL as Basic auth, never in the URL nor in a fallback reason', async () => {
    let authorization: string | undefined;
    const stub = await startStub((req, res) => {
      authorization = req.headers.authorization;
      json(200, answer)(req, res);
    });
    const prediction = await predictor(stub.baseUrl.replace('http://', 'http://admin:p%40ss-w0rd@')).predict(workload);
    expect(prediction.predictor).toBe('kubecost');
    expect(authorization).toBe(`Basic ${Buffer.from('admin:p@ss-w0rd').toString('base64')}`);
    expect(stub.seen[0]?.url.pathname).toBe('/model/prediction/speccost');
    stub.server.closeAllConnections();
    await new Promise<void>((resolve) => stub.server.close(() => resolve()));
    const unreachable = await predictor(stub.baseUrl.replace('http://', 'http://admin:p%40ss-w0rd@')).predict(workload);
    expect(unreachable.fallback?.reason).toBe('Kubecost unreachable: ECONNREFUSED');
  });

  it('takes the rates of costAfter and says kubecost priced it', async () => {
    const stub = await startStub(json(200, answer));
    const prediction = await predictor(stub.baseUrl).predict(workload);
    expect(prediction.predictor).toBe('kubecost');
    expect(prediction).not.toHaveProperty('fallback');
    expect(prediction.costPrediction).toEqual({ totalMonthlyRate: 5.6, cpuMonthlyRate: 4.088, ramMonthlyRate: 1.512, gpuMonthlyRate: 0 });
  });

  it('takes the monthly resource-hours Kubecost answers', async () => {
    const stub = await startStub(json(200, answer));
    const prediction = await predictor(stub.baseUrl).predict(workload);
    expect(prediction.monthly).toEqual({ cpuCoreHours: 146, ramByteHours: 48989470720, gpuHours: 0 });
  });

  it('derives the unit prices Kubecost applied, keeping its own where nothing was used', async () => {
    const stub = await startStub(json(200, answer));
    const { resourceCosts } = await predictor(stub.baseUrl).predict(workload);
    expect(resourceCosts).toEqual({
      costPerCPUCoreHour: 4.088 / 146,
      costPerRAMByteHour: 1.512 / 48989470720,
      costPerGPUHour: 0.95,
    });
  });

  it('reports the whole workload requests itself, since Kubecost does not', async () => {
    const stub = await startStub(json(200, answer));
    expect((await predictor(stub.baseUrl).predict(workload)).totalRequests).toEqual({ cpu: '200m', memory: '64Mi' });
  });

  it('posts a JSON manifest to /model/prediction/speccost with clusterID, defaultNamespace and noUsage=true', async () => {
    const stub = await startStub(json(200, answer));
    await predictor(stub.baseUrl).predict(workload);
    const [request] = stub.seen;
    expect(request?.method).toBe('POST');
    expect(request?.url.pathname).toBe('/model/prediction/speccost');
    expect(Object.fromEntries(request?.url.searchParams ?? [])).toEqual({
      clusterID: 'cluster-one',
      defaultNamespace: 'kubecost',
      noUsage: 'true',
    });
    expect(request?.contentType).toBe('application/json');
  });

  it('sends the workload as a manifest with its replicas and one pod requests', async () => {
    const stub = await startStub(json(200, answer));
    await predictor(stub.baseUrl).predict(workload);
    expect(stub.seen[0]?.body).toMatchObject({
      kind: 'Deployment',
      metadata: { name: 'sample-deployment', namespace: 'kubecost' },
      spec: { replicas: 2, template: { spec: { containers: [{ resources: { requests: { cpu: '100m', memory: '32Mi' } } }] } } },
    });
  });

  it('keeps a path prefix of the configured URL', async () => {
    const stub = await startStub(json(200, answer));
    await predictor(`${stub.baseUrl}/kubecost/`).predict(workload);
    expect(stub.seen[0]?.url.pathname).toBe('/kubecost/model/prediction/speccost');
  });

  it('accepts the {code, data} envelope its documentation shows', async () => {
    const stub = await startStub(json(200, { code: 200, data: answer }));
    expect((await predictor(stub.baseUrl).predict(workload)).predictor).toBe('kubecost');
  });

  it('picks the item of this workload when the answer holds several', async () => {
    const other = { ...answer[0], controllerName: 'other', costAfter: { ...costAfter, totalMonthlyRate: 99 } };
    const stub = await startStub(json(200, [other, ...answer]));
    expect((await predictor(stub.baseUrl).predict(workload)).costPrediction.totalMonthlyRate).toBe(5.6);
  });

  it('computes the monthly hours itself when an older Kubecost answers only the rates', async () => {
    const rates = { totalMonthlyRate: 5.6, cpuMonthlyRate: 4.088, ramMonthlyRate: 1.512, gpuMonthlyRate: 0 };
    const stub = await startStub(json(200, [{ costAfter: rates }]));
    expect((await predictor(stub.baseUrl).predict(workload)).monthly).toEqual(local.monthly);
  });
});

describe('the kubecost predictor, when Kubecost fails', () => {
  it('falls back to requests on HTTP 500 and says why', async () => {
    const stub = await startStub(json(500, { code: 500, message: 'boom' }));
    const prediction = await predictor(stub.baseUrl).predict(workload);
    expect(prediction).toEqual({ ...local, fallback: { from: 'kubecost', reason: 'Kubecost answered HTTP 500' } });
  });

  it('says the predictor that priced a fallback is requests', async () => {
    const stub = await startStub(json(502, 'bad gateway'));
    expect((await predictor(stub.baseUrl).predict(workload)).predictor).toBe('requests');
  });

  it('falls back when the body is not JSON', async () => {
    const stub = await startStub(json(200, '<html>oops</html>'));
    expect((await predictor(stub.baseUrl).predict(workload)).fallback).toEqual({
      from: 'kubecost',
      reason: 'Kubecost answered with a body that is not JSON',
    });
  });

  it('falls back on an empty array', async () => {
    const stub = await startStub(json(200, []));
    expect((await predictor(stub.baseUrl).predict(workload)).fallback?.reason).toBe(
      'Kubecost answered with an empty array of predictions',
    );
  });

  it('falls back on JSON that is not an array', async () => {
    const stub = await startStub(json(200, { hello: 'world' }));
    expect((await predictor(stub.baseUrl).predict(workload)).fallback?.reason).toBe(
      'Kubecost answered with JSON that is not an array of predictions',
    );
  });

  it('falls back when costAfter has no numeric rates', async () => {
    const stub = await startStub(json(200, [{ costAfter: { totalMonthlyRate: '5.6' } }]));
    expect((await predictor(stub.baseUrl).predict(workload)).fallback?.reason).toBe(
      'Kubecost answered without numeric costAfter rates',
    );
  });

  it('falls back when the answer is larger than 1 MiB, without reading it all', async () => {
    const stub = await startStub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`[${' '.repeat(2 * 1024 * 1024)}]`);
    });
    expect((await predictor(stub.baseUrl).predict(workload)).fallback?.reason).toBe(
      'Kubecost answered more than 1048576 bytes',
    );
  });

  it('falls back when Kubecost does not answer within the timeout', async () => {
    const stub = await startStub(() => {
      // Never answers: the predictor's 50 ms timeout is the only thing that ends the wait.
    });
    const prediction = await predictor(stub.baseUrl, 50).predict(workload);
    expect(prediction.fallback).toEqual({ from: 'kubecost', reason: 'Kubecost gave no answer within 50 ms' });
    expect(prediction.costPrediction).toEqual(local.costPrediction);
  });

  it('falls back when nothing listens at the URL', async () => {
    const stub = await startStub(json(200, answer));
    const { baseUrl } = stub;
    await new Promise<void>((resolve) => stub.server.close(() => resolve()));
    expect((await predictor(baseUrl).predict(workload)).fallback?.reason).toBe('Kubecost unreachable: ECONNREFUSED');
  });
});

describe('createKubecostPredictor', () => {
  it('is named kubecost', () => {
    expect(predictor('http://kubecost:9090').name).toBe('kubecost');
  });

  it('refuses a URL that is not http or https', () => {
    expect(() => predictor('ftp://kubecost')).toThrow('Kubecost URL must be http:// or https://, got ftp://kubecost');
  });
});
