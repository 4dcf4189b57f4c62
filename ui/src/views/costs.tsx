import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, query } from '../api.js';
import type { SeeClusters } from '../app.js';
import { money } from '../format.js';
import { setParams } from '../route.js';
import type { Allocation, AllocationResponse } from '../types.js';
import { BarChart, type Series } from './bar-chart.js';
import { errorMessage } from '../../../src/errors.js';

/** Windows offered; each is a value the API's `window` accepts. */
const WINDOWS: readonly { value: string; label: string }[] = [
  { value: 'today', label: 'Today' },
  { value: 'yesterday', label: 'Yesterday' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: 'week', label: 'This week' },
  { value: 'lastweek', label: 'Last week' },
  { value: '30d', label: 'Last 30 days' },
  { value: 'month', label: 'This month' },
];
const AGGREGATES = [
  { value: 'namespace', label: 'Namespace' },
  { value: 'controller', label: 'Controller' },
] as const;
type Aggregate = (typeof AGGREGATES)[number]['value'];

/** The parts of an allocation's cost the chart stacks and the table lists. */
const PARTS = [
  { key: 'cpuCost', name: 'CPU', className: 's-cpu' },
  { key: 'ramCost', name: 'Memory', className: 's-ram' },
  { key: 'gpuCost', name: 'GPU', className: 's-gpu' },
  { key: 'pvCost', name: 'Volumes', className: 's-pv' },
] as const satisfies readonly { key: keyof Allocation; name: string; className: string }[];
const SERIES: readonly Series[] = PARTS;
const CHART_BARS = 12;

/** Keys the API gives to what is not a namespace or controller. */
const IDLE = '__idle__';
const UNALLOCATED = '__unallocated__';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

interface Row {
  readonly name: string;
  readonly parts: readonly number[];
  readonly total: number;
}

type SortKey = 'name' | 'total' | (typeof PARTS)[number]['key'];

interface Props {
  readonly params: URLSearchParams;
  readonly cluster: string;
  readonly seeClusters: SeeClusters;
}

/** Costs over a window by namespace or controller, from /model/allocation: a chart, a sortable table, idle apart. */
export function CostsView({ params, cluster, seeClusters }: Props) {
  const window = params.get('window') ?? '7d';
  const aggregate: Aggregate = params.get('aggregate') === 'controller' ? 'controller' : 'namespace';
  const sortKey = (params.get('sort') ?? 'total') as SortKey;
  const ascending = params.get('dir') === 'asc';
  const [state, setState] = useState<{ data?: AllocationResponse; error?: string; loading: boolean }>({ loading: true });

  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const path = `model/allocation${query({ window, aggregate, accumulate: 'true', filterClusters: cluster })}`;
    getJson<AllocationResponse>(path, controller.signal)
      .then((data) => setState({ data, loading: false }))
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setState({ error: errorMessage(err), loading: false });
      });
    return () => controller.abort();
  }, [window, aggregate, cluster]);

  const set = state.data?.data[0] ?? {};
  useEffect(() => seeClusters(Object.values(set).flatMap((a) => (typeof a.properties.cluster === 'string' ? [a.properties.cluster] : []))), [set, seeClusters]);
  const { rows, idle } = useMemo(() => {
    const out: Row[] = [];
    let idleRow: Row | undefined;
    for (const a of Object.values(set)) {
      const parts = PARTS.map((p) => num(a[p.key]));
      const row = { name: a.name === UNALLOCATED ? `(no ${aggregate})` : a.name, parts, total: num(a.totalCost) };
      if (a.name === IDLE) idleRow = row;
      else out.push(row);
    }
    return { rows: out, idle: idleRow };
  }, [set, aggregate]);
  const sorted = useMemo(() => {
    const idx = PARTS.findIndex((p) => p.key === sortKey);
    const value = (r: Row): number | string => (sortKey === 'name' ? r.name : idx >= 0 ? (r.parts[idx] ?? 0) : r.total);
    return [...rows].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      const c = va < vb ? -1 : va > vb ? 1 : a.name.localeCompare(b.name);
      return ascending ? c : -c;
    });
  }, [rows, sortKey, ascending]);
  const allocated = rows.reduce((s, r) => s + r.total, 0);
  const total = allocated + (idle?.total ?? 0);
  const chartBars = [...rows].sort((a, b) => b.total - a.total).slice(0, CHART_BARS);
  const aggLabel = AGGREGATES.find((a) => a.value === aggregate)?.label ?? aggregate;
  const windowLabel = WINDOWS.find((w) => w.value === window)?.label ?? window;

  const sortBy = (key: SortKey) => setParams('costs', { sort: key, dir: key === sortKey && !ascending ? 'asc' : undefined });
  const header = (key: SortKey, label: string, numeric: boolean) => (
    <th scope="col" class={numeric ? 'num' : ''} aria-sort={sortKey === key ? (ascending ? 'ascending' : 'descending') : undefined}>
      <button type="button" class="sort" onClick={() => sortBy(key)}>
        {label}
        <span aria-hidden="true">{sortKey === key ? (ascending ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );

  return (
    <section aria-labelledby="costs-h">
      <div class="view-head">
        <h1 id="costs-h">Costs</h1>
        <form class="filters compact" aria-label="Cost window and grouping" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="cost-window">Window</label>
            <select id="cost-window" value={window} onChange={(e) => setParams('costs', { window: e.currentTarget.value })}>
              {WINDOWS.map((w) => (
                <option key={w.value} value={w.value}>
                  {w.label}
                </option>
              ))}
            </select>
          </div>
          <fieldset class="checks">
            <legend>By</legend>
            {AGGREGATES.map((a) => (
              <label key={a.value} class="check">
                <input type="radio" name="aggregate" value={a.value} checked={aggregate === a.value} onChange={() => setParams('costs', { aggregate: a.value })} />
                <span>{a.label}</span>
              </label>
            ))}
          </fieldset>
        </form>
      </div>
      {state.error !== undefined && (
        <p class="banner error" role="alert">
          {state.error}
        </p>
      )}
      {state.data?.warning !== undefined && <p class="banner warn">{state.data.warning}</p>}
      <div class="cards">
        <article class="card stat">
          <h2>Total</h2>
          <p class="figure">{money(total)}</p>
          <p class="muted">{windowLabel}</p>
        </article>
        <article class="card stat">
          <h2>Allocated</h2>
          <p class="figure">{money(allocated)}</p>
          <p class="muted">
            {rows.length} {aggLabel.toLowerCase()}
            {rows.length === 1 ? '' : 's'}
          </p>
        </article>
        <article class="card stat idle">
          <h2>Idle</h2>
          <p class="figure">{money(idle?.total ?? 0)}</p>
          <p class="muted">{total > 0 ? `${(((idle?.total ?? 0) / total) * 100).toFixed(1)} % of the nodes' cost, requested by nothing` : 'capacity no pod requested'}</p>
        </article>
      </div>
      <section class="card" aria-labelledby="chart-h">
        <h2 id="chart-h">
          Cost by {aggLabel.toLowerCase()} · {windowLabel}
        </h2>
        {state.loading && state.data === undefined ? (
          <p class="muted">Loading…</p>
        ) : rows.length === 0 ? (
          <p class="empty">No cost in this window: sets are built once each ETL window ends.</p>
        ) : (
          <BarChart title={`Cost by ${aggLabel.toLowerCase()}, ${windowLabel}, largest ${chartBars.length}`} bars={chartBars.map((r) => ({ label: r.name, parts: r.parts }))} series={SERIES} />
        )}
      </section>
      {rows.length > 0 && (
        <section class="card" aria-labelledby="table-h">
          <h2 id="table-h">Breakdown</h2>
          <div class="scroll">
            <table class="costs">
              <thead>
                <tr>
                  {header('name', aggLabel, false)}
                  {PARTS.map((p) => header(p.key, p.name, true))}
                  {header('total', 'Total', true)}
                  <th scope="col" class="num">
                    Share
                  </th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((r) => (
                  <tr key={r.name}>
                    <th scope="row">{r.name}</th>
                    {r.parts.map((p, i) => (
                      <td key={i} class="num">
                        {money(p)}
                      </td>
                    ))}
                    <td class="num strong">{money(r.total)}</td>
                    <td class="num">{total > 0 ? `${((r.total / total) * 100).toFixed(1)} %` : ''}</td>
                  </tr>
                ))}
              </tbody>
              {idle !== undefined && (
                <tfoot>
                  <tr class="idle-row">
                    <th scope="row">Idle (apart)</th>
                    {idle.parts.map((p, i) => (
                      <td key={i} class="num">
                        {money(p)}
                      </td>
                    ))}
                    <td class="num strong">{money(idle.total)}</td>
                    <td class="num">{total > 0 ? `${((idle.total / total) * 100).toFixed(1)} %` : ''}</td>
                  </tr>
                </tfoot>
              )}
            </table>
          </div>
        </section>
      )}
    </section>
  );
}
