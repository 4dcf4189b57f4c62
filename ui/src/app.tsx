import { useCallback, useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';
import { duration } from './format.js';
import { setParams, useRoute, type View } from './route.js';
import type { UiInfo } from './types.js';
import { ChangesView } from './views/changes.js';
import { CostsView } from './views/costs.js';
import { EtlView } from './views/etl.js';
import { errorMessage } from '../../src/errors.js';

const TABS: readonly { view: View; label: string }[] = [
  { view: 'changes', label: 'Changes' },
  { view: 'etl', label: 'ETL health' },
  { view: 'costs', label: 'Costs' },
];

/** The clusters the page has seen in any answer, so the selector appears once the store holds several. */
export type SeeClusters = (clusters: Iterable<string>) => void;

/** The page: a header (build, cluster, views) and the view the hash names. */
export function App() {
  const route = useRoute();
  const [info, setInfo] = useState<UiInfo | undefined>();
  const [infoError, setInfoError] = useState<string | undefined>();
  const [clusters, setClusters] = useState<readonly string[]>([]);
  useEffect(() => {
    getJson<{ data: UiInfo }>('ui/api/info')
      .then((r) => setInfo(r.data))
      .catch((err: unknown) => setInfoError(errorMessage(err)));
  }, []);
  const seeClusters = useCallback<SeeClusters>((seen) => {
    setClusters((known) => {
      const all = new Set(known);
      for (const c of seen) if (c !== '') all.add(c);
      return all.size === known.length ? known : [...all].sort();
    });
  }, []);
  useEffect(() => {
    if (info !== undefined) seeClusters([info.clusterId]);
  }, [info, seeClusters]);
  // The cluster applies to every view, so it is kept in each view's parameters.
  const cluster = route.params.get('cluster') ?? '';
  useEffect(() => {
    const title = TABS.find((t) => t.view === route.view)?.label ?? '';
    document.title = `${title} · cost-events${info === undefined ? '' : ` · ${info.clusterId}`}`;
  }, [route.view, info]);
  const tabHref = (view: View) => `#/${view}${cluster === '' ? '' : `?cluster=${encodeURIComponent(cluster)}`}`;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="7" />
            <path d="M7 22l6-7 5 4 7-9" />
          </svg>
          <span class="name">cost-events</span>
          {info !== undefined && (
            <span class="build" title={info.builtAt === null ? 'run from source' : `built ${info.builtAt}`}>
              v{info.version}
              {info.commit !== null && <> · {info.commit.slice(0, 7)}</>}
            </span>
          )}
        </div>
        <nav aria-label="Views">
          <ul class="tabs">
            {TABS.map((t) => (
              <li key={t.view}>
                <a href={tabHref(t.view)} aria-current={route.view === t.view ? 'page' : undefined}>
                  {t.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="context">
          {info !== undefined && (
            <span class="cluster-id" title="This server's CLUSTER_ID">
              <span class="muted">cluster</span> <strong>{info.clusterId}</strong>
            </span>
          )}
          {clusters.length > 1 && (
            <label class="inline">
              <span>Show cluster</span>
              <select value={cluster} onChange={(e) => setParams(route.view, { cluster: e.currentTarget.value })}>
                <option value="">All clusters</option>
                {clusters.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
          )}
          {info?.docs === true && (
            <a class="docs" href="../docs" target="_blank" rel="noopener">
              API docs
            </a>
          )}
        </div>
      </header>
      {infoError !== undefined && (
        <p class="banner error" role="alert">
          The server did not answer: {infoError}
        </p>
      )}
      <main id="main" tabIndex={-1}>
        {route.view === 'changes' && <ChangesView params={route.params} cluster={cluster} info={info} seeClusters={seeClusters} />}
        {route.view === 'etl' && <EtlView params={route.params} cluster={cluster} seeClusters={seeClusters} />}
        {route.view === 'costs' && <CostsView params={route.params} cluster={cluster} seeClusters={seeClusters} />}
      </main>
      <footer class="foot">
        {info !== undefined && <>ETL windows of {duration(info.etlResolutionMs)} · </>}
        The same data as JSON: <a href="../model/audit/events">audit events</a>, <a href="../model/etl/log">ETL log</a>,{' '}
        <a href="../openapi.json">OpenAPI document</a>
      </footer>
    </>
  );
}
