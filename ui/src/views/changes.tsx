import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AUDIT_RESOURCE_TYPES } from '../../../src/audit/resource-types.js';
import { query } from '../api.js';
import type { SeeClusters } from '../app.js';
import { clockTime, dayOf, delta } from '../format.js';
import { setParams } from '../route.js';
import type { AuditEvent, AuditResponse, UiInfo } from '../types.js';
import { usePoll } from '../use-poll.js';
import { changedByText, eventKey, fieldChanges, isInferred, sourceText } from './audit-fields.js';
import { EventDetail } from './event-detail.js';
import { ReportedEvents } from './reported-events.js';
import { CheckGroup, DebouncedInput } from './controls.js';

/** The change types the API filters on, checked against the schema's union. */
const EVENT_TYPES: readonly AuditEvent['eventType'][] = ['add', 'update', 'delete'];
/** The newest changes the page asks for; the API holds more, filters narrow them. */
export const CHANGES_SHOWN = 1000;
/** Rows rendered at first and per "show more": a thousand rows take long to lay out, and the newest are what is looked at. */
const PAGE_ROWS = 100;

const API_FILTERS = ['filterNamespaces', 'filterEventTypes', 'filterResourceTypes', 'filterTotalCostLowerBound', 'filterTotalCostUpperBound'] as const;

interface Props {
  readonly params: URLSearchParams;
  readonly cluster: string;
  readonly info: UiInfo | undefined;
  readonly seeClusters: SeeClusters;
}

/** The landing view: the audit events, newest first, as a timeline, with the API's filters. */
export function ChangesView({ params, cluster, info, seeClusters }: Props) {
  const apiParams: Record<string, string | number | undefined> = { count: CHANGES_SHOWN, filterClusters: cluster };
  for (const f of API_FILTERS) apiParams[f] = params.get(f) ?? undefined;
  const path = `model/audit/events${query(apiParams)}`;
  const polled = usePoll<AuditResponse>(path);
  const events = useMemo(() => polled.data?.data ?? [], [polled.data]);
  useEffect(() => seeClusters(events.map((e) => e.properties.cluster)), [events, seeClusters]);

  // Who and how, where the server records them: filtered here, as the API has no such filter.
  const changedBy = params.get('changedBy') ?? '';
  const source = params.get('source') ?? '';
  const hasWho = events.some((e) => changedByText(e) !== undefined);
  const hasSource = events.some((e) => sourceText(e) !== undefined);
  const shown = useMemo(
    () =>
      events.filter(
        (e) =>
          (changedBy === '' || (changedByText(e) ?? '').toLowerCase().includes(changedBy.toLowerCase())) &&
          (source === '' || (sourceText(e) ?? '').toLowerCase().includes(source.toLowerCase())),
      ),
    [events, changedBy, source],
  );

  // What arrived since the last answer is marked, and announced to screen readers.
  const seen = useRef<Set<string> | undefined>(undefined);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    if (polled.data === undefined) return;
    const keys = events.map(eventKey);
    const before = seen.current;
    seen.current = new Set(keys);
    setFresh(before === undefined ? new Set() : new Set(keys.filter((k) => !before.has(k))));
  }, [polled.data, events]);
  useEffect(() => {
    seen.current = undefined;
  }, [path]);

  const [rowLimit, setRowLimit] = useState(PAGE_ROWS);
  useEffect(() => setRowLimit(PAGE_ROWS), [path, changedBy, source]);

  const selectedKey = params.get('event') ?? '';
  const selected = events.find((e) => eventKey(e) === selectedKey);
  const reportedName = params.get('reported') ?? '';
  const maxDelta = Math.max(0, ...shown.map((e) => Math.abs(e.monthlyCostDelta)));
  const total = shown.reduce((s, e) => s + e.monthlyCostDelta, 0);
  const project = cluster !== '' ? cluster : info?.clusterId;

  return (
    <div class="split">
      <section class="primary" aria-labelledby="changes-h">
        <div class="view-head">
          <h1 id="changes-h">Changes</h1>
          <p class="sub">
            {polled.data === undefined ? (
              'Loading…'
            ) : (
              <>
                {shown.length} change{shown.length === 1 ? '' : 's'}
                {events.length >= CHANGES_SHOWN && <> (the newest {CHANGES_SHOWN})</>} · net{' '}
                <span class={total > 0 ? 'up' : total < 0 ? 'down' : ''}>{delta(total)}</span>
              </>
            )}
          </p>
        </div>
        <Filters params={params} hasWho={hasWho} hasSource={hasSource} />
        {polled.error !== undefined && (
          <p class="banner error" role="alert">
            {polled.error.message}
          </p>
        )}
        <p class="sr-only" aria-live="polite">
          {fresh.size > 0 ? `${fresh.size} new change${fresh.size === 1 ? '' : 's'}` : ''}
        </p>
        {polled.data !== undefined && shown.length === 0 && <p class="empty">No change matches. Changes appear here as the watchers see them.</p>}
        <Timeline events={shown.slice(0, rowLimit)} fresh={fresh} selectedKey={selectedKey} maxDelta={maxDelta} />
        {shown.length > rowLimit && (
          <button type="button" class="more" onClick={() => setRowLimit((n) => n + PAGE_ROWS)}>
            Show {Math.min(PAGE_ROWS, shown.length - rowLimit)} more ({shown.length - rowLimit} older not shown)
          </button>
        )}
      </section>
      <aside class="detail" aria-label="Details">
        {selected !== undefined ? (
          <EventDetail event={selected} onClose={() => setParams('changes', { event: undefined })} />
        ) : (
          <p class="hint">Select a change to see everything the API has on it.</p>
        )}
        {project !== undefined && <ReportedEvents project={project} selected={reportedName} />}
      </aside>
    </div>
  );
}

function Filters({ params, hasWho, hasSource }: { params: URLSearchParams; hasWho: boolean; hasSource: boolean }) {
  const set = (name: string) => (value: string) => setParams('changes', { [name]: value, event: undefined });
  const list = (name: string) => (params.get(name) ?? '').split(',').filter((s) => s !== '');
  const active = API_FILTERS.some((f) => params.has(f)) || params.has('changedBy') || params.has('source');
  return (
    <form class="filters" aria-label="Filter changes" onSubmit={(e) => e.preventDefault()}>
      <DebouncedInput label="Namespaces" placeholder="shop, kube-system" value={params.get('filterNamespaces') ?? ''} onValue={set('filterNamespaces')} />
      <CheckGroup legend="Change" options={EVENT_TYPES} checked={list('filterEventTypes')} onChange={(v) => set('filterEventTypes')(v.join(','))} />
      <CheckGroup legend="Kind" options={AUDIT_RESOURCE_TYPES} checked={list('filterResourceTypes')} onChange={(v) => set('filterResourceTypes')(v.join(','))} />
      <DebouncedInput label="Monthly cost at least" type="number" placeholder="0" value={params.get('filterTotalCostLowerBound') ?? ''} onValue={set('filterTotalCostLowerBound')} />
      <DebouncedInput label="at most" type="number" placeholder="any" value={params.get('filterTotalCostUpperBound') ?? ''} onValue={set('filterTotalCostUpperBound')} />
      {(hasWho || params.has('changedBy')) && <DebouncedInput label="Changed by" value={params.get('changedBy') ?? ''} onValue={set('changedBy')} />}
      {(hasSource || params.has('source')) && <DebouncedInput label="Source" value={params.get('source') ?? ''} onValue={set('source')} />}
      {active && (
        <button
          type="button"
          class="link"
          onClick={() => setParams('changes', Object.fromEntries([...API_FILTERS, 'changedBy', 'source', 'event'].map((f) => [f, undefined])))}
        >
          Clear filters
        </button>
      )}
    </form>
  );
}

const SIGN: Readonly<Record<AuditEvent['eventType'], string>> = { add: '+', update: '~', delete: '−' };

function Timeline({ events, fresh, selectedKey, maxDelta }: { events: readonly AuditEvent[]; fresh: ReadonlySet<string>; selectedKey: string; maxDelta: number }) {
  // Grouped by day, newest first as the API orders them.
  const days: { day: string; events: AuditEvent[] }[] = [];
  for (const e of events) {
    const day = dayOf(e.timestamp);
    const last = days[days.length - 1];
    if (last?.day === day) last.events.push(e);
    else days.push({ day, events: [e] });
  }
  return (
    <div class="timeline">
      {days.map((d) => (
        <section key={d.day} aria-label={d.day}>
          <h2 class="day">{d.day}</h2>
          <ol class="events">
            {d.events.map((e) => {
              const key = eventKey(e);
              return <EventRow key={key} event={e} eventKey={key} fresh={fresh.has(key)} selected={key === selectedKey} maxDelta={maxDelta} />;
            })}
          </ol>
        </section>
      ))}
    </div>
  );
}

function EventRow({ event: e, eventKey: key, fresh, selected, maxDelta }: { event: AuditEvent; eventKey: string; fresh: boolean; selected: boolean; maxDelta: number }) {
  const d = e.monthlyCostDelta;
  // A square-root scale: a $5 change stays visible beside a $500 one.
  const width = maxDelta > 0 ? Math.max(2, Math.round(56 * Math.sqrt(Math.abs(d) / maxDelta))) : 0;
  const who = changedByText(e);
  const source = sourceText(e);
  const diff = fieldChanges(e);
  const inferred = isInferred(e);
  return (
    <li class={`event ${e.eventType}${fresh ? ' fresh' : ''}${selected ? ' selected' : ''}`}>
      <button
        type="button"
        class="event-button"
        aria-pressed={selected}
        onClick={() => setParams('changes', { event: selected ? undefined : key })}
      >
        <span class="marker" aria-hidden="true">
          {SIGN[e.eventType]}
        </span>
        <time class="time" dateTime={e.timestamp}>
          {clockTime(e.timestamp)}
        </time>
        <span class="what">
          <span class={`badge type ${e.eventType}`}>{e.eventType}</span>
          <span class="badge kind">{e.resourceType}</span>
          <span class="obj">
            <span class="ns">{e.properties.namespace}/</span>
            <strong>{e.properties.name}</strong>
          </span>
          {inferred && (
            <span class="badge inferred" title="Found when a relist was compared with what was known: the watch was down when it happened">
              inferred · watch gap
            </span>
          )}
          <span class="meta">
            <span class="cluster">{e.properties.cluster}</span>
            {who !== undefined && <span>by {who}</span>}
            {source !== undefined && <span>via {source}</span>}
            {diff !== undefined && diff.length > 0 && (
              <span>
                {diff.length} field{diff.length === 1 ? '' : 's'}: {diff.slice(0, 3).map((c) => c.path).join(', ')}
                {diff.length > 3 ? '…' : ''}
              </span>
            )}
          </span>
        </span>
        <span class={`cost ${d > 0 ? 'up' : d < 0 ? 'down' : 'flat'}`}>
          <svg class="cost-bar" width="56" height="6" aria-hidden="true">
            <rect x={d < 0 ? 56 - width : 0} width={width} height="6" rx="3" />
          </svg>
          <span class="amount">{delta(d)}</span>
        </span>
      </button>
    </li>
  );
}
