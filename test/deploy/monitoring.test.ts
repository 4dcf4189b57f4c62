import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promtool, promtoolAvailable } from '../support/promtool.js';
import { CHART_DIR, loadChart, only, renderObjects, type KubeObject } from './support/chart.js';
import { checkExpressions, metricNames, serverMetricNames, substituteVariables } from './support/promql.js';

// The monitoring the chart ships: the alert rules (a plain rules file, and the same rules as a
// PrometheusRule) and the Grafana dashboard. promtool checks and unit-tests the rules and parses
// every dashboard query; every metric either names must be one the server really exports.


const chart = loadChart();
const RULES_FILE = 'monitoring/cost-events.rules.yaml';
const RULES_TEST_FILE = 'monitoring/cost-events.rules.test.yaml';
const DASHBOARD_FILE = 'monitoring/cost-events-dashboard.json';
const RUNBOOK_BASE = 'https://github.com/cost-events/cost-events/blob/main/docs/metrics.md';
const MONITORING_DIR = new URL('monitoring/', CHART_DIR).pathname;
const runbooks = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly AlertRule[] }[];
}
interface RuleTests {
  readonly rule_files: readonly string[];
  readonly tests: readonly { readonly alert_rule_test: readonly { readonly alertname: string; readonly exp_alerts: readonly unknown[] }[] }[];
}
interface Target {
  readonly expr: string;
  readonly refId: string;
  readonly datasource: { readonly type: string; readonly uid: string };
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly Target[];
  readonly panels?: readonly Panel[];
}
interface Dashboard {
  readonly uid: string;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly { readonly name: string; readonly type: string; readonly definition?: string }[] };
}

const file = (path: string): string => {
  const content = chart.files.get(path);
  if (content === undefined) throw new Error(`the chart has no ${path}`);
  return content;
};
const rules = parse(file(RULES_FILE)) as RuleFile;
const alerts = rules.groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(file(DASHBOARD_FILE)) as Dashboard;

/** Every panel, those inside collapsed rows too. */
const allPanels = (panels: readonly Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const queries = allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
/** The metric of each `label_values(metric, label)` variable query. */
const variableMetrics = dashboard.templating.list.flatMap((v) => [...(v.definition ?? '').matchAll(/label_values\(\s*([a-zA-Z_:][\w:]*)\s*,/g)].map((m) => m[1] ?? ''));

const promtoolOk = promtoolAvailable();

describe('the alert rules file', () => {
  it('names each alert once, with a severity, a summary, a description and a runbook in docs/metrics.md', () => {
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const a of alerts) {
      expect(Object.keys(a.labels), a.alert).toEqual(['severity']);
      expect(['warning', 'critical'], a.alert).toContain(a.labels['severity']);
      expect(Object.keys(a.annotations).sort(), a.alert).toEqual(['description', 'runbook_url', 'summary']);
      expect(a.annotations['runbook_url'], a.alert).toBe(`${RUNBOOK_BASE}#${a.alert.toLowerCase()}`);
      // GitHub's anchor of the heading `#### CostEventsEtlStalled` is #costeventsetlstalled.
      expect(runbooks, a.alert).toContain(`\n#### ${a.alert}\n`);
    }
  });

  it('covers ETL stalled and errors, watches, storage and notifications', () => {
    expect(alerts.map((a) => a.alert)).toEqual([
      'CostEventsEtlStalled',
      'CostEventsEtlComputeErrors',
      'CostEventsEtlReconcileErrors',
      'CostEventsWatchNotSynced',
      'CostEventsWatchNotWatching',
      'CostEventsStorageUnavailable',
      'CostEventsStorageDroppingRecords',
      'CostEventsNotificationDeadLetters',
      'CostEventsNotificationOutboxGrowing',
      'CostEventsNotificationsStuck',
    ]);
  });

  it('has unit tests that see every alert fire and every alert stay quiet', () => {
    const tests = parse(file(RULES_TEST_FILE)) as RuleTests;
    expect(tests.rule_files).toEqual(['cost-events.rules.yaml']);
    const cases = tests.tests.flatMap((t) => t.alert_rule_test);
    const fires = new Set(cases.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
    const quiet = new Set(cases.filter((c) => c.exp_alerts.length === 0).map((c) => c.alertname));
    for (const a of alerts) {
      expect(fires.has(a.alert), `${a.alert} fires in a test`).toBe(true);
      expect(quiet.has(a.alert), `${a.alert} is quiet in a test`).toBe(true);
    }
  });
});

describe.skipIf(!promtoolOk)('promtool', () => {
  it('checks the rules file: it parses, every expression is valid PromQL', async () => {
    const r = await promtool(['check', 'rules', 'cost-events.rules.yaml'], MONITORING_DIR);
    expect([r.code, r.stdout.trim()]).toEqual([0, `Checking cost-events.rules.yaml\n  SUCCESS: ${alerts.length} rules found`]);
  });

  it('passes the unit tests of the rules: each alert fires when and only when its test says', async () => {
    const r = await promtool(['test', 'rules', 'cost-events.rules.test.yaml'], MONITORING_DIR);
    expect([r.code, r.stdout.trim(), r.stderr]).toEqual([0, 'Unit Testing:  cost-events.rules.test.yaml\n  SUCCESS', '']);
  });

  it('parses every dashboard query, once its Grafana variables are given values', async () => {
    const r = await checkExpressions(queries.map((q) => substituteVariables(q.expr)));
    expect([r.code, r.stdout.trim()]).toEqual([0, `Checking expressions.yaml\n  SUCCESS: ${queries.length} rules found`]);
  });

  it('would catch a query that does not parse', async () => {
    const r = await checkExpressions(['sum by (event) (kubecost_etl_events_total', 'up']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('expr_0');
  });
});

describe('PromQL metric names', () => {
  it('are found outside strings, label matchers, ranges, grouping lists, functions, keywords and numbers', () => {
    const expr = 'sum by (event, le) (rate(a_total{event=~"b_total|c"}[5m] offset 1h)) / on (job) group_left (x) max(d:rec) > bool 1e3 and time() - e unless topk without (a) (2, f_count{})';
    expect(metricNames(expr)).toEqual(['a_total', 'd:rec', 'e', 'f_count']);
  });
});

describe('the Grafana dashboard', () => {
  it('queries ETL health, audit, notifications, storage and watches, each panel with at least one query', () => {
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['ETL health', 'Audit', 'Notifications', 'Storage', 'Kubernetes watches']);
    for (const p of allPanels(dashboard.panels).filter((p) => p.type !== 'row')) expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0);
    expect(queries.length).toBe(23);
  });

  it('lays its panels out on the 24-column grid without overlap, each with an id of its own', () => {
    const panels = allPanels(dashboard.panels);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const overlaps: string[] = [];
    for (const [i, a] of panels.entries()) {
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24);
      for (const b of panels.slice(i + 1)) {
        const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        if (!apart) overlaps.push(`${a.title} / ${b.title}`);
      }
    }
    expect(overlaps).toEqual([]);
  });

  it('queries the Prometheus data source picked at import, through its datasource variable', () => {
    const sources = new Set(allPanels(dashboard.panels).flatMap((p) => (p.targets ?? []).map((t) => `${t.datasource.type} ${t.datasource.uid}`)));
    expect([...sources]).toEqual(['prometheus ${datasource}']);
  });

  it('replaces only the variables it defines or Grafana provides', () => {
    expect(dashboard.templating.list.map((v) => [v.name, v.type])).toEqual([
      ['datasource', 'datasource'],
      ['instance', 'query'],
    ]);
    expect(() => substituteVariables('up{job="$job"}')).toThrow('unknown Grafana variable $job');
  });
});

describe('metric names in the rules and the dashboard', () => {
  let exported: Set<string>;
  beforeAll(async () => {
    exported = await serverMetricNames();
  });

  it('are all exported by the server', () => {
    const used = new Set([...alerts.flatMap((a) => metricNames(a.expr)), ...queries.flatMap((q) => metricNames(substituteVariables(q.expr))), ...variableMetrics]);
    expect([...used].filter((n) => !exported.has(n)).sort()).toEqual([]);
    // What the rules and the dashboard were written against, so an extraction that finds nothing cannot pass.
    expect(used.has('cost_events_etl_last_built_window_end_seconds') && used.has('kubecost_etl_events_total') && used.has('cost_events_audit_events_total')).toBe(true);
  });
});

describe('the chart', () => {
  const rule = (overrides: Parameters<typeof renderObjects>[1] = {}): KubeObject => only(renderObjects(chart, { prometheusRule: { enabled: true }, ...overrides }), 'PrometheusRule');
  const dashboardMap = (overrides: Parameters<typeof renderObjects>[1] = {}): KubeObject => only(renderObjects(chart, { grafanaDashboard: { enabled: true }, ...overrides }), 'ConfigMap');

  it('creates neither the PrometheusRule nor the dashboard by default', () => {
    expect(renderObjects(chart).filter((o) => o.kind === 'PrometheusRule' || o.kind === 'ConfigMap')).toEqual([]);
  });

  it('renders a PrometheusRule whose spec is the plain rules file', () => {
    const r = rule();
    expect([r.apiVersion, r.metadata.name, r.metadata.namespace]).toEqual(['monitoring.coreos.com/v1', 'ce-cost-events', undefined]);
    expect(r['spec']).toEqual(rules);
  });

  it('puts the PrometheusRule in the namespace and with the labels the operator selects', () => {
    const r = rule({ prometheusRule: { enabled: true, namespace: 'monitoring', additionalLabels: { release: 'kube-prometheus-stack' } } });
    expect(r.metadata.namespace).toBe('monitoring');
    expect(r.metadata.labels?.['release']).toBe('kube-prometheus-stack');
    expect(r.metadata.labels?.['app.kubernetes.io/instance']).toBe('ce');
  });

  it('points the runbooks elsewhere with runbookBaseUrl, and changes nothing else', () => {
    const spec = rule({ prometheusRule: { enabled: true, runbookBaseUrl: 'https://git.example.com/ops/cost-events/README.md' } })['spec'] as RuleFile;
    const moved = spec.groups.flatMap((g) => g.rules);
    expect(moved.map((a) => a.annotations['runbook_url'])).toEqual(alerts.map((a) => `https://git.example.com/ops/cost-events/README.md#${a.alert.toLowerCase()}`));
    expect(moved.map((a) => ({ ...a, annotations: { ...a.annotations, runbook_url: '' } }))).toEqual(alerts.map((a) => ({ ...a, annotations: { ...a.annotations, runbook_url: '' } })));
  });

  it('renders the dashboard ConfigMap for the Grafana sidecar, holding the dashboard file', () => {
    const cm = dashboardMap({ grafanaDashboard: { enabled: true, namespace: 'grafana', annotations: { grafana_folder: 'cost-events' } } });
    expect([cm.metadata.name, cm.metadata.namespace, cm.metadata.labels?.['grafana_dashboard'], cm.metadata.annotations]).toEqual(['ce-cost-events-dashboard', 'grafana', '1', { grafana_folder: 'cost-events' }]);
    const data = cm['data'] as Record<string, string>;
    expect(Object.keys(data)).toEqual(['cost-events.json']);
    expect(JSON.parse(data['cost-events.json'] ?? '')).toEqual(dashboard);
  });

  it('rejects a namespace that is not a Kubernetes name and a runbook base with an anchor', () => {
    expect(() => rule({ prometheusRule: { enabled: true, namespace: 'Monitoring' } })).toThrow('/prometheusRule/namespace must match pattern');
    expect(() => rule({ prometheusRule: { enabled: true, runbookBaseUrl: 'https://x.example/README.md#alerts' } })).toThrow('/prometheusRule/runbookBaseUrl must match pattern');
    expect(() => dashboardMap({ grafanaDashboard: { enabled: 'yes' } })).toThrow('/grafanaDashboard/enabled must be boolean');
  });
});
