import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { helm, helmAvailable } from '../support/helm.js';
import { CHART_DIR, EVERY_OPTION, loadChart, renderObjects, ValuesError, type KubeObject } from './support/chart.js';
import type { GoMap } from './support/go-template/values.js';

// The chart against the real Helm: `helm lint --strict` passes, and for every values combination
// the other chart tests use, the objects `helm template` prints are exactly the objects the
// test-only renderer (support/chart.ts) produces, so what those tests check is what Helm renders.
// Values the schema refuses are refused by both, and so are the templates' own guards.

const HAVE_HELM = helmAvailable();
const chart = loadChart();
const CHART = fileURLToPath(CHART_DIR);

interface Case {
  readonly name: string;
  readonly values: GoMap;
  readonly release?: { readonly name: string; readonly namespace: string };
}

const CASES: readonly Case[] = [
  { name: 'the default values', values: {} },
  { name: 'another release and namespace', values: {}, release: { name: 'costs', namespace: 'platform' } },
  { name: 'a release named like the chart', values: {}, release: { name: 'cost-events-prod', namespace: 'cost' } },
  { name: 'fullnameOverride', values: { fullnameOverride: 'events' } },
  {
    name: 'every option on (PostgreSQL, audit, Kubecost predictor, prices, kubeconfig, Cloud Eye, billing export, ServiceMonitor, notifications with kubernetes-events)',
    values: EVERY_OPTION,
  },
  { name: 'notifications to kubernetes events only', values: { notifications: { kubernetesEvents: true } } },
  { name: 'PostgreSQL with three replicas and its own Secret key', values: { replicaCount: 3, storage: { existingSecret: 'cost-events-postgres', existingSecretKey: 'url' } } },
  {
    name: 'large numbers',
    values: {
      costEventsAudit: { capacity: 1_000_000 },
      etl: { logCapacity: 1_000_000 },
      storage: { queueCapacity: 10_000_000 },
      cloudEye: { rateLimit: 1_000_000, customEvents: { capacity: 10_000_000 } },
    },
  },
  { name: 'audit on, restricted resource types', values: { costEventsAudit: { enabled: true, resourceTypes: ['daemonset', 'pod'] } } },
  { name: 'extra env', values: { extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }] } },
  { name: 'no persistent volume, no UI', values: { persistentVolume: { enabled: false }, ui: { enabled: false } } },
  { name: 'a storage class', values: { persistentVolume: { storageClass: 'fast-ssd' } } },
  { name: 'the empty storage class', values: { persistentVolume: { storageClass: '-' } } },
  { name: 'a ServiceMonitor with labels', values: { serviceMonitor: { enabled: true, additionalLabels: { release: 'prometheus' } } } },
  {
    name: 'the PrometheusRule and the Grafana dashboard in their namespaces',
    values: {
      prometheusRule: { enabled: true, namespace: 'monitoring', additionalLabels: { release: 'kube-prometheus-stack' }, runbookBaseUrl: 'https://git.example.com/ops/cost-events/README.md' },
      grafanaDashboard: { enabled: true, namespace: 'grafana', annotations: { grafana_folder: 'cost-events' } },
    },
  },
];

/** The objects of a multi-document YAML stream, keyed and ordered by kind, namespace and name. */
function byKey(objects: readonly KubeObject[]): Map<string, KubeObject> {
  const keyed = objects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const map = new Map(keyed);
  if (map.size !== keyed.length) throw new Error(`two objects share a kind, namespace and name: ${keyed.map(([k]) => k).join(', ')}`);
  return map;
}

function parseStream(text: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
    const obj = doc.toJS() as KubeObject | null;
    return obj === null ? [] : [obj];
  });
}

const template = (c: Case, extra: readonly string[] = []) => {
  const release = c.release ?? { name: 'ce', namespace: 'cost' };
  return helm(['template', release.name, CHART, '--namespace', release.namespace, ...extra], c.values);
};

describe.skipIf(!HAVE_HELM)('the chart under the real helm', () => {
  it('passes helm lint --strict, with the default values, with every option on and with the monitoring objects', async () => {
    for (const c of [CASES[0]!, CASES[4]!, CASES[14]!]) {
      const r = await helm(['lint', CHART, '--strict'], c.values);
      expect(r.stdout + r.stderr, c.name).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });

  it.each(CASES)('renders $name to exactly the objects of the test-only renderer', async (c) => {
    const r = await template(c);
    expect(r.code, r.stderr).toBe(0);
    const real = byKey(parseStream(r.stdout));
    const ours = byKey(renderObjects(chart, c.values, c.release === undefined ? {} : { release: c.release }));
    expect([...real.keys()]).toEqual([...ours.keys()]);
    for (const [key, object] of real) expect(object, key).toEqual(ours.get(key));
  });

  it('renders the same for a Kubernetes 1.30 cluster with the Prometheus Operator API (the chart does not gate on capabilities)', async () => {
    const c = CASES[14]!;
    const plain = await template(c);
    const capable = await template(c, ['--kube-version', '1.30', '--api-versions', 'monitoring.coreos.com/v1']);
    expect([plain.code, capable.code]).toEqual([0, 0]);
    expect(capable.stdout).toBe(plain.stdout);
  });

  it('refuses a Kubernetes older than Chart.yaml kubeVersion allows', async () => {
    const r = await template(CASES[0]!, ['--kube-version', '1.22']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('chart requires kubeVersion: >=1.23.0-0');
  });

  it.each<[string, GoMap]>([
    ['a misspelt key', { costEventsAudit: { enable: true } }],
    ['a string for a boolean', { grafanaDashboard: { enabled: 'yes' } }],
    ['a second replica on SQLite', { replicaCount: 2 }],
    ['a Kubecost predictor without its URL', { costPredictor: { type: 'kubecost' } }],
    ['a PrometheusRule namespace that is no DNS label', { prometheusRule: { enabled: true, namespace: 'Monitoring' } }],
  ])('refuses %s by values.schema.json, as the test-only renderer does', async (_, values) => {
    expect(() => renderObjects(chart, values)).toThrow(ValuesError);
    const r = await template({ name: '', values });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
  });

  it.each<[string, GoMap, string]>([
    ['a second replica on SQLite', { replicaCount: 2 }, 'replicaCount above 1 needs PostgreSQL'],
    ['a Kubecost predictor without its URL', { costPredictor: { type: 'kubecost' } }, 'costPredictor.kubecostUrl is required when costPredictor.type is kubecost'],
  ])('past the schema, stops %s in the templates, as the test-only renderer does', async (_, values, message) => {
    expect(() => renderObjects(chart, values, { validate: false })).toThrow(message);
    const r = await template({ name: '', values }, ['--skip-schema-validation']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});
