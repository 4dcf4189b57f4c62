/**
 * What the monitoring tests need of PromQL without a PromQL parser in Node: the metric names an
 * expression reads (promtool checks the syntax; this only has to find the names in expressions
 * promtool accepts), Grafana's variables replaced by values PromQL can parse, and the names the
 * server really exports, read from its own /metrics.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config.js';
import { startServer } from '../../../src/server.js';
import { ManualClock } from '../../support/manual-clock.js';
import { promtool } from '../../support/promtool.js';
import type { ToolResult } from '../../support/real-tools.js';

/** Words of PromQL that look like names and are not metrics. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The metric names `expr` reads, sorted and once each. Strings, label matchers, ranges and
 * grouping label lists are cut out first; what is left that looks like a name, is not a function
 * call (a name before `(`) or an aggregation (a name before `by`/`without`), not a keyword and not
 * part of a number or duration, is a metric.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, '$1()');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.:])[a-zA-Z_:][\w:]*(?!\s*\()/g)) {
    // The lookahead stops before a name's last letter too (`su` of `sum(`): take whole words only.
    const end = m.index + m[0].length;
    if (/[\w:]/.test(bare[end] ?? '')) continue;
    // An aggregation written `sum by (…) (…)`: its name is followed by its grouping, not by `(`.
    if (/^\s*(by|without)\s*\(/i.test(bare.slice(end))) continue;
    if (!KEYWORDS.has(m[0].toLowerCase())) names.add(m[0]);
  }
  return [...names].sort();
}

/** Grafana's built-in interval variables and the dashboard's own, as values PromQL parses. */
const VARIABLES: Readonly<Record<string, string>> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1d',
  instance: '.+',
};

/** `expr` with every `$variable` / `${variable}` replaced; an unknown variable is an error. */
export function substituteVariables(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    const value = VARIABLES[name];
    if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in ${expr}`);
    return value;
  });
}

/**
 * Runs `promtool check rules` on one recording rule per expression, the way to have promtool
 * parse bare expressions; `promtool` output names the rule (`expr_<n>`) of any that fails.
 */
export async function checkExpressions(exprs: readonly string[]): Promise<ToolResult> {
  const dir = mkdtempSync(join(tmpdir(), 'promql-check-'));
  try {
    const rules = { groups: [{ name: 'expressions', rules: exprs.map((expr, i) => ({ record: `expr_${i}`, expr })) }] };
    writeFileSync(join(dir, 'expressions.yaml'), stringify(rules));
    return await promtool(['check', 'rules', 'expressions.yaml'], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The series names of a `/metrics` text: each metric's TYPE line, histograms and summaries with their suffixes. */
export function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name = '', type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** Every metric name the real server registers: started as the tests start it, its /metrics read. */
export async function serverMetricNames(): Promise<Set<string>> {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:' });
  if (r.help) throw new Error('unexpected help');
  const server = await startServer(r.config, { clock: new ManualClock(), env: {}, serviceAccountDir: '/nonexistent', build: { version: '0.1.0', commit: null, builtAt: null } });
  try {
    return exportedNames((await server.app.inject('/metrics')).payload);
  } finally {
    await server.close();
  }
}
