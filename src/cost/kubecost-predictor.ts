/**
 * The `kubecost` predictor: asks a Kubecost Predict API (`POST /model/prediction/speccost`) what a
 * workload costs, sending a minimal manifest rebuilt from the summary, and takes `costAfter`.
 * `noUsage=true`, so Kubecost prices requests as `requests` does, but with its own price sheet.
 *
 * It never fails a prediction: on a timeout, a network error, a non-200, a body that is not a
 * prediction, it prices with `requests` instead and says so in `fallback: {from: "kubecost",
 * reason}`, while `predictor` names who actually priced it (`requests`).
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { manifestFromSpec } from './manifest.js';
import { resourceCosts, type PriceSheet } from './price-sheet.js';
import type { CostPrediction, CostPredictor } from './predictor.js';
import { KUBECOST_PREDICTOR } from './predictor-settings.js';
import { priceByRequests } from './requests-predictor.js';
import type { WorkloadSpec } from './workload.js';
import { errorMessage } from '../errors.js';

/** How long to wait for Kubecost's whole answer before falling back. */
export const DEFAULT_KUBECOST_TIMEOUT_MS = 5_000;

/** A larger answer is not a one-workload prediction; reading stops there. */
export const MAX_KUBECOST_ANSWER_BYTES = 1024 * 1024;

/** Where Kubecost is and how to ask it. */
export interface KubecostPredictorOptions {
  /** Kubecost's address, e.g. `http://kubecost-cost-analyzer.kubecost:9090`; a path prefix is kept. */
  readonly baseUrl: string;
  /** Sent as `clusterID`; Kubecost answers only for its own cluster. */
  readonly clusterId: string;
  /** Prices the fallback, and the request totals Kubecost does not return. */
  readonly sheet: PriceSheet;
  /** Whole-answer timeout in milliseconds; default {@link DEFAULT_KUBECOST_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

// Older Kubecost (1.101) answered only the four rates; the monthly hours came later.
const KubecostCostSchema = Type.Object({
  totalMonthlyRate: Type.Number(),
  cpuMonthlyRate: Type.Number(),
  ramMonthlyRate: Type.Number(),
  gpuMonthlyRate: Type.Number(),
  monthlyCPUCoreHours: Type.Optional(Type.Number()),
  monthlyRAMByteHours: Type.Optional(Type.Number()),
  monthlyGPUHours: Type.Optional(Type.Number()),
});

type KubecostCost = Static<typeof KubecostCostSchema>;

const KubecostItemSchema = Type.Object({
  namespace: Type.Optional(Type.String()),
  controllerName: Type.Optional(Type.String()),
  costAfter: KubecostCostSchema,
});

/** Why Kubecost's answer could not be used; becomes the fallback reason. */
class KubecostFailure extends Error {}

/** The `kubecost` predictor, falling back to `requests` over `options.sheet`. */
export function createKubecostPredictor(options: KubecostPredictorOptions): CostPredictor {
  const base = new URL(options.baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new RangeError(`Kubecost URL must be http:// or https://, got ${options.baseUrl}`);
  }
  // fetch refuses a URL carrying credentials, and a URL in an error message would carry them into
  // the fallback reason of every audit event: they travel as Basic auth, the URL without them.
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (base.username !== '' || base.password !== '') {
    const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  const endpoint = `${base.href.replace(/\/+$/, '')}/model/prediction/speccost`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_KUBECOST_TIMEOUT_MS;
  const costs = resourceCosts(options.sheet);

  return {
    name: KUBECOST_PREDICTOR,
    async predict(workload: WorkloadSpec): Promise<CostPrediction> {
      const local = priceByRequests(workload, options.sheet, costs);
      try {
        const after = await ask(endpoint, headers, options.clusterId, workload, timeoutMs);
        return fromKubecost(after, local);
      } catch (err) {
        return { ...local, fallback: { from: KUBECOST_PREDICTOR, reason: reasonOf(err, timeoutMs) } };
      }
    },
  };
}

async function ask(
  endpoint: string,
  headers: Readonly<Record<string, string>>,
  clusterId: string,
  workload: WorkloadSpec,
  timeoutMs: number,
): Promise<KubecostCost> {
  const url = new URL(endpoint);
  url.searchParams.set('clusterID', clusterId);
  url.searchParams.set('defaultNamespace', workload.namespace);
  url.searchParams.set('noUsage', 'true');
  // One signal covers connecting, the status line and reading the body.
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(manifestFromSpec(workload)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new KubecostFailure(`Kubecost answered HTTP ${response.status}`);
  }
  const text = await readAtMost(response, MAX_KUBECOST_ANSWER_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new KubecostFailure('Kubecost answered with a body that is not JSON');
  }
  // The API answers a bare array; accept the {code, data} envelope its GitBook page shows too.
  const items: unknown = isEnvelope(body) ? body.data : body;
  if (!Array.isArray(items)) throw new KubecostFailure('Kubecost answered with JSON that is not an array of predictions');
  if (items.length === 0) throw new KubecostFailure('Kubecost answered with an empty array of predictions');
  const valid = items.filter((item) => Value.Check(KubecostItemSchema, item));
  const item =
    valid.find((i) => i.namespace === workload.namespace && i.controllerName === workload.name) ?? valid[0];
  if (item === undefined) throw new KubecostFailure('Kubecost answered without numeric costAfter rates');
  return item.costAfter;
}

function isEnvelope(body: unknown): body is { data: unknown } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'data' in body;
}

async function readAtMost(response: Response, limit: number): Promise<string> {
  if (response.body === null) return '';
  // undici types the body stream loosely; its chunks are bytes.
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new KubecostFailure(`Kubecost answered more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function fromKubecost(after: KubecostCost, local: CostPrediction): CostPrediction {
  const monthly = {
    cpuCoreHours: after.monthlyCPUCoreHours ?? local.monthly.cpuCoreHours,
    ramByteHours: after.monthlyRAMByteHours ?? local.monthly.ramByteHours,
    gpuHours: after.monthlyGPUHours ?? local.monthly.gpuHours,
  };
  const ours = local.resourceCosts;
  return {
    totalRequests: local.totalRequests,
    // Kubecost does not return unit prices; derive the ones it applied, where there is something to divide.
    resourceCosts: {
      costPerCPUCoreHour: unitPrice(after.cpuMonthlyRate, monthly.cpuCoreHours, ours.costPerCPUCoreHour),
      costPerRAMByteHour: unitPrice(after.ramMonthlyRate, monthly.ramByteHours, ours.costPerRAMByteHour),
      costPerGPUHour: unitPrice(after.gpuMonthlyRate, monthly.gpuHours, ours.costPerGPUHour),
    },
    costPrediction: {
      totalMonthlyRate: after.totalMonthlyRate,
      cpuMonthlyRate: after.cpuMonthlyRate,
      ramMonthlyRate: after.ramMonthlyRate,
      gpuMonthlyRate: after.gpuMonthlyRate,
    },
    monthly,
    predictor: KUBECOST_PREDICTOR,
  };
}

function unitPrice(rate: number, hours: number, otherwise: number): number {
  return hours > 0 ? rate / hours : otherwise;
}

function reasonOf(err: unknown, timeoutMs: number): string {
  if (err instanceof KubecostFailure) return err.message;
  if (err instanceof Error && err.name === 'TimeoutError') return `Kubecost gave no answer within ${timeoutMs} ms`;
  // undici reports network failures as TypeError('fetch failed') with the socket error as cause.
  if (err instanceof Error && err.cause instanceof Error) {
    const cause = err.cause;
    const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message;
    return `Kubecost unreachable: ${code}`;
  }
  return `Kubecost request failed: ${errorMessage(err)}`;
}
