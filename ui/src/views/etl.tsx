import { useMemo } from 'preact/hooks';
import { ETL_CATEGORIES, ETL_KINDS, type EtlCategory, type EtlKind } from '../../../src/events/etl-kinds.js';
import { query } from '../api.js';
import type { SeeClusters } from '../app.js';
import { ago, dateTime, windowText } from '../format.js';
import { setParams } from '../route.js';
import type { EtlEvent, EtlLogResponse, ReadyzResponse } from '../types.js';
import { usePoll } from '../use-poll.js';
import { CheckGroup } from './controls.js';

/** The steps the kind filter offers; each selects that step of both categories, as the API's prefixes do. */
const STEPS = ['Saved', 'Loaded', 'Aggregated', 'Totaled', 'Reconciled', 'ComputeError', 'ReconcileError', 'Deleted'] as const;
type Step = (typeof STEPS)[number];
const stepOf = (kind: EtlKind): string => kind.replace(/^(AllocationSet|AssetSet)/, '');
const isError = (kind: EtlKind) => kind.endsWith('Error');
const CATEGORY_LABEL: Readonly<Record<EtlCategory, string>> = { allocation: 'Allocations', asset: 'Assets' };

interface Props {
  readonly params: URLSearchParams;
  readonly cluster: string;
  readonly seeClusters: SeeClusters;
}

/** ETL health: each category's state, readiness, the last windows built, the counters and the event log. */
export function EtlView({ params, cluster }: Props) {
  // ETL events carry no cluster; the cluster filter is the API's.
  const steps = (params.get('steps') ?? '').split(',').filter((s): s is Step => (STEPS as readonly string[]).includes(s));
  // One poll of the whole log: the state of each category needs every kind, and the table's kind
  // filter (the API's kind prefixes, by step) is applied to the same answer.
  const whole = usePoll<EtlLogResponse>(`model/etl/log${query({ filterClusters: cluster })}`);
  const ready = usePoll<ReadyzResponse>('readyz', undefined, [503]);
  const log = whole.data?.data;

  return (
    <section aria-labelledby="etl-h">
      <div class="view-head">
        <h1 id="etl-h">ETL health</h1>
        <p class="sub">What the pipeline built, loaded and failed, from the ETL event log and /readyz.</p>
      </div>
      {whole.error !== undefined && (
        <p class="banner error" role="alert">
          {whole.error.message}
        </p>
      )}
      <div class="cards">
        {ETL_CATEGORIES.map((c) => (
          <CategoryCard key={c} category={c} events={log?.[c]} counters={log?.counters} />
        ))}
        <ReadinessCard ready={ready.data} error={ready.error?.message} />
      </div>
      <div class="two">
        <LastWindows log={log} />
        <Counters counters={log?.counters} />
      </div>
      <section class="card" aria-labelledby="log-h">
        <div class="card-head">
          <h2 id="log-h">Event log</h2>
          <CheckGroup legend="Kinds" options={STEPS} checked={steps} onChange={(v) => setParams('etl', { steps: v.join(',') })} />
        </div>
        <EventLog log={log} steps={steps} />
      </section>
    </section>
  );
}

function latest(events: readonly EtlEvent[], pick: (e: EtlEvent) => boolean): EtlEvent | undefined {
  let best: EtlEvent | undefined;
  for (const e of events) if (pick(e) && (best === undefined || e.time > best.time)) best = e;
  return best;
}

function CategoryCard({ category, events, counters }: { category: EtlCategory; events: readonly EtlEvent[] | undefined; counters: Readonly<Record<string, number>> | undefined }) {
  const prefix = category === 'allocation' ? 'AllocationSet' : 'AssetSet';
  if (events === undefined) return <article class="card state"><h2>{CATEGORY_LABEL[category]}</h2><p class="muted">Loading…</p></article>;
  const saved = latest(events, (e) => stepOf(e.kind) === 'Saved');
  const error = latest(events, (e) => isError(e.kind));
  const built = latest(events, (e) => stepOf(e.kind) === 'Saved' || e.kind.endsWith('ComputeError'));
  // Failing: the last build failed. Recovered errors stay listed below but no longer colour the state.
  const state = built === undefined ? 'waiting' : built.kind.endsWith('ComputeError') ? 'failing' : error !== undefined && error.time > built.time ? 'degraded' : 'healthy';
  const label = { waiting: 'No window built yet', failing: 'Last build failed', degraded: 'Built, with a later error', healthy: 'Healthy' }[state];
  const count = (step: string) => counters?.[`${prefix}${step}`] ?? 0;
  return (
    <article class={`card state ${state}`} aria-labelledby={`${category}-h`}>
      <h2 id={`${category}-h`}>
        <span class="dot" aria-hidden="true" /> {CATEGORY_LABEL[category]}
      </h2>
      <p class="state-label">{label}</p>
      <dl class="facts small">
        <dt>Last window saved</dt>
        <dd>{saved === undefined ? '—' : <>{windowText(saved.metadata.window)} ({saved.metadata.size ?? 0} records, {ago(saved.time, Date.now())})</>}</dd>
        <dt>Saved / errors, all time</dt>
        <dd>
          {count('Saved')} / {count('ComputeError') + count('ReconcileError')}
        </dd>
      </dl>
      {error !== undefined && (
        <p class="banner error">
          <strong>{error.kind}</strong> {windowText(error.metadata.window)}: {error.metadata.error ?? 'no message'}
        </p>
      )}
    </article>
  );
}

function ReadinessCard({ ready, error }: { ready: ReadyzResponse | undefined; error: string | undefined }) {
  return (
    <article class={`card state ${ready === undefined ? '' : ready.data.ready ? 'healthy' : 'failing'}`} aria-labelledby="ready-h">
      <h2 id="ready-h">
        <span class="dot" aria-hidden="true" /> Readiness
      </h2>
      {error !== undefined && <p class="banner error">{error}</p>}
      {ready === undefined ? (
        <p class="muted">Loading…</p>
      ) : (
        <ul class="components">
          {Object.entries(ready.data.components).map(([name, c]) => (
            <li key={name} class={c.ready ? 'ok' : 'bad'}>
              <strong>{name}</strong> <span>{c.ready ? 'ready' : 'not ready'}</span> · {c.state}
              {c.detail !== undefined && <span class="muted"> — {c.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

function LastWindows({ log }: { log: EtlLogResponse['data'] | undefined }) {
  const rows = useMemo(
    () =>
      [...(log?.allocation ?? []), ...(log?.asset ?? [])]
        .filter((e) => stepOf(e.kind) === 'Saved')
        .sort((a, b) => (a.time < b.time ? 1 : -1))
        .slice(0, 10),
    [log],
  );
  return (
    <section class="card" aria-labelledby="windows-h">
      <h2 id="windows-h">Last windows built</h2>
      {rows.length === 0 ? (
        <p class="muted">None yet: a window is built once it has ended.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Window</th>
              <th scope="col">Set</th>
              <th scope="col" class="num">Records</th>
              <th scope="col">Saved</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={`${e.kind}${e.time}`}>
                <td>{windowText(e.metadata.window)}</td>
                <td>{e.kind.startsWith('Allocation') ? 'allocation' : 'asset'}</td>
                <td class="num">{e.metadata.size ?? '—'}</td>
                <td>{dateTime(e.time)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Counters({ counters }: { counters: Readonly<Record<string, number>> | undefined }) {
  const rows = ETL_KINDS.filter((k) => (counters?.[k] ?? 0) > 0);
  return (
    <section class="card" aria-labelledby="counters-h">
      <h2 id="counters-h">All-time counters</h2>
      {rows.length === 0 ? (
        <p class="muted">Nothing counted yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col" class="num">Count</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((k) => (
              <tr key={k} class={isError(k) ? 'error-row' : ''}>
                <td>{k}</td>
                <td class="num">{counters?.[k]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function EventLog({ log, steps }: { log: EtlLogResponse['data'] | undefined; steps: readonly Step[] }) {
  const rows = useMemo(
    () =>
      [...(log?.allocation ?? []), ...(log?.asset ?? [])]
        .filter((e) => steps.length === 0 || (steps as readonly string[]).includes(stepOf(e.kind)))
        .sort((a, b) => (a.time < b.time ? 1 : -1)),
    [log, steps],
  );
  if (log === undefined) return <p class="muted">Loading…</p>;
  if (rows.length === 0) return <p class="muted">No event of these kinds.</p>;
  return (
    <div class="scroll">
      <table class="log">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Kind</th>
            <th scope="col">Window</th>
            <th scope="col" class="num">Size</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e, i) => (
            <tr key={`${e.kind}${e.time}${i}`} class={isError(e.kind) ? 'error-row' : ''}>
              <td>{dateTime(e.time)}</td>
              <td>
                {isError(e.kind) && <span class="badge error-badge">error</span>} {e.kind}
              </td>
              <td>{windowText(e.metadata.window)}</td>
              <td class="num">{e.metadata.size ?? ''}</td>
              <td class="error-text">{e.metadata.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
