/**
 * `helm template` for tests, without helm: the chart's values merged as Helm merges them,
 * validated against values.schema.json as Helm validates them, every template rendered by the
 * test-only renderer, and the output parsed as Kubernetes objects.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { parseTemplate, type TemplateNode } from './go-template/parse.js';
import { renderNodes } from './go-template/render.js';
import { isMap, type GoMap, type GoValue } from './go-template/values.js';

/** The chart's directory. */
export const CHART_DIR = new URL('../../../helm/cost-events/', import.meta.url);

/** A chart as read from disk. */
export interface Chart {
  readonly meta: { readonly apiVersion: string; readonly name: string; readonly version: string; readonly appVersion: string };
  readonly values: GoMap;
  readonly schema: Record<string, unknown>;
  /** Template file name (`deployment.yaml`) → its source. */
  readonly templates: ReadonlyMap<string, string>;
  /** Every other file, as Helm's `.Files` holds them: path inside the chart → content. */
  readonly files: ReadonlyMap<string, string>;
}

/** What Helm's loader keeps out of `.Files`: the chart's own metadata, values, schema and templates. */
const NOT_FILES = new Set(['Chart.yaml', 'values.yaml', 'values.schema.json', 'templates']);

export function loadChart(): Chart {
  const read = (path: string) => readFileSync(new URL(path, CHART_DIR), 'utf8');
  const templates = new Map(readdirSync(new URL('templates/', CHART_DIR)).map((f) => [f, read(`templates/${f}`)] as const));
  const files = new Map(
    readdirSync(CHART_DIR, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(fileURLToPath(CHART_DIR), join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((path) => !NOT_FILES.has(path.split('/')[0] ?? ''))
      .sort()
      .map((path) => [path, read(path)] as const),
  );
  return {
    meta: parse(read('Chart.yaml')) as Chart['meta'],
    values: parse(read('values.yaml')) as GoMap,
    schema: JSON.parse(read('values.schema.json')) as Record<string, unknown>,
    templates,
    files,
  };
}

/** Every optional part on: PostgreSQL, audit, Kubecost predictor, prices, kubeconfig, Cloud Eye tokens, ServiceMonitor, notifications with the kubernetes-events sink. */
export const EVERY_OPTION: GoMap = {
  replicaCount: 2,
  costEventsAudit: { enabled: true, resourceTypes: ['deployment', 'statefulset', 'daemonset', 'pod'] },
  costPredictor: { type: 'kubecost', kubecostUrl: 'http://kubecost-cost-analyzer.kubecost:9090' },
  storage: { existingSecret: 'cost-events-postgres' },
  pricing: { prices: { cpuCoreMonth: 28, gpuHour: 2.1 } },
  kubeconfig: { existingSecret: 'remote-cluster' },
  cloudEye: { tokensSecret: 'cloud-eye-tokens', rateLimit: 1_000_000, customEvents: { capacity: 10_000_000 } },
  etl: { billingExport: { existingClaim: 'billing-exports', file: 'focus/2024-05.csv' } },
  serviceMonitor: { enabled: true },
  notifications: { existingSecret: 'cost-events-notify', kubernetesEvents: true },
};

/** Helm's coalescing of values: maps merge key by key, anything else replaces, null deletes. */
export function mergeValues(base: GoMap, over: GoMap): GoMap {
  const out: Record<string, GoValue> = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(over)])) {
    const prior = base[key];
    const value = Object.hasOwn(over, key) ? over[key] : prior;
    if (value === undefined || value === null) continue;
    out[key] = isMap(value) && isMap(prior) && value !== prior ? mergeValues(prior, value) : value;
  }
  return out;
}

const validators = new WeakMap<Chart, ValidateFunction>();

/** The schema's complaints about `values`, as `instancePath message` lines; empty when valid. */
export function schemaErrors(chart: Chart, values: GoMap): string[] {
  let validate = validators.get(chart);
  if (validate === undefined) {
    validate = new Ajv({ strict: true, allErrors: true }).compile(chart.schema);
    validators.set(chart, validate);
  }
  return validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

/** Values rejected by values.schema.json, as `helm install` rejects them. */
export class ValuesError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(`values don't meet the specifications of the schema: ${errors.join('; ')}`);
    this.name = 'ValuesError';
  }
}

export interface RenderOptions {
  readonly release?: { readonly name: string; readonly namespace: string };
  /** false: skip the schema, to reach the templates' own guards. */
  readonly validate?: boolean;
}

/** Renders every template with the default values under `overrides`; file name → output. */
export function renderChart(chart: Chart, overrides: GoMap = {}, options: RenderOptions = {}): Map<string, string> {
  const values = mergeValues(chart.values, overrides);
  if (options.validate !== false) {
    const errors = schemaErrors(chart, values);
    if (errors.length > 0) throw new ValuesError(errors);
  }
  const release = options.release ?? { name: 'ce', namespace: 'cost' };
  const parsed = [...chart.templates].map(([file, src]) => [file, parseTemplate(file, src)] as const);
  // As in Helm, a template defined in any file can be included from every file.
  const defines = new Map<string, readonly TemplateNode[]>(parsed.flatMap(([, p]) => [...p.defines]));
  const root: GoMap = {
    Values: values,
    Release: { Name: release.name, Namespace: release.namespace, Service: 'Helm', IsInstall: true, IsUpgrade: false },
    Chart: { Name: chart.meta.name, Version: chart.meta.version, AppVersion: chart.meta.appVersion },
  };
  const out = new Map<string, string>();
  for (const [file, p] of parsed) {
    if (file.startsWith('_')) continue;
    out.set(file, renderNodes(p.nodes, root, { defines, root, files: chart.files }));
  }
  return out;
}

/** A rendered Kubernetes object. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** Parses every YAML output (not NOTES.txt) into objects; a document that does not parse throws. */
export function manifests(rendered: ReadonlyMap<string, string>): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const [file, text] of rendered) {
    if (!file.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}\n${text}`);
      const obj = doc.toJS() as unknown;
      if (obj === null) continue;
      if (!isMap(obj as GoValue)) throw new Error(`${file}: a document is not a map`);
      const o = obj as KubeObject;
      if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata.name !== 'string') {
        throw new Error(`${file}: a document lacks apiVersion, kind or metadata.name`);
      }
      objects.push(o);
    }
  }
  return objects;
}

/** The one object of `kind`; throws unless there is exactly one. */
export function only(objects: readonly KubeObject[], kind: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1 || found[0] === undefined) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0];
}

/** Renders and parses in one step. */
export function renderObjects(chart: Chart, overrides: GoMap = {}, options: RenderOptions = {}): KubeObject[] {
  return manifests(renderChart(chart, overrides, options));
}
