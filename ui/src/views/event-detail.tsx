import type { ComponentChildren } from 'preact';
import { dateTime, delta, money } from '../format.js';
import type { AuditEvent } from '../types.js';
import { changedByText, field, fieldChanges, isInferred, show, sourceText } from './audit-fields.js';

type Rates = AuditEvent['costPrediction'];
const RATE_ROWS: readonly { key: keyof Rates; label: string }[] = [
  { key: 'cpuMonthlyRate', label: 'CPU' },
  { key: 'ramMonthlyRate', label: 'Memory' },
  { key: 'gpuMonthlyRate', label: 'GPU' },
  { key: 'totalMonthlyRate', label: 'Total' },
];

/** Everything the API has on one change: what, who, the cost before and after, the diff, the raw JSON. */
export function EventDetail({ event: e, onClose }: { event: AuditEvent; onClose: () => void }) {
  const before = e.previousCostPrediction;
  const diff = fieldChanges(e);
  const realized = field(e, 'realized');
  const who = changedByText(e);
  const source = sourceText(e);
  return (
    <article class="card event-detail" aria-labelledby="detail-h">
      <header class="card-head">
        <h2 id="detail-h">
          {e.eventType} {e.resourceType} {e.properties.namespace}/{e.properties.name}
        </h2>
        <button type="button" class="icon" aria-label="Close the details" onClick={onClose}>
          ×
        </button>
      </header>
      <p class={`big-delta ${e.monthlyCostDelta > 0 ? 'up' : e.monthlyCostDelta < 0 ? 'down' : ''}`}>{delta(e.monthlyCostDelta)}</p>
      {isInferred(e) && (
        <p class="banner warn">
          Inferred: the watch was down when this happened; it was found by comparing a relist with what was known
          {e.detectedAt !== undefined && <> at {dateTime(e.detectedAt)}</>}. The time is the object's creation (add) or when it was last seen (delete).
        </p>
      )}
      <dl class="facts">
        <Fact term="When">{dateTime(e.timestamp)}</Fact>
        <Fact term="Cluster">{e.properties.cluster}</Fact>
        <Fact term="Namespace">{e.properties.namespace}</Fact>
        <Fact term="Name">{e.properties.name}</Fact>
        {who !== undefined && <Fact term="Changed by">{who}</Fact>}
        {source !== undefined && <Fact term="Source">{source}</Fact>}
        <Fact term="UID">
          <code>{e.uid}</code>
        </Fact>
        <Fact term="Priced by">
          {e.predictor}
          {e.predictorFallback !== undefined && <> (fallback: {show(e.predictorFallback)})</>}
        </Fact>
        <Fact term="Requests">
          {e.previousTotalRequests !== undefined && <>{requests(e.previousTotalRequests)} → </>}
          {requests(e.totalRequests)}
        </Fact>
      </dl>
      <table class="rates">
        <caption>Predicted monthly cost{e.eventType === 'delete' ? ' of what was removed' : ''}</caption>
        <thead>
          <tr>
            <th scope="col">Resource</th>
            {before !== undefined && <th scope="col">Before</th>}
            <th scope="col">{before !== undefined ? 'After' : 'Monthly'}</th>
          </tr>
        </thead>
        <tbody>
          {RATE_ROWS.map((r) => (
            <tr key={r.key} class={r.key === 'totalMonthlyRate' ? 'total' : ''}>
              <th scope="row">{r.label}</th>
              {before !== undefined && <td class="num">{money(before[r.key])}</td>}
              <td class="num">{money(e.costPrediction[r.key])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {diff !== undefined && diff.length > 0 && (
        <table class="diff">
          <caption>Fields changed</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {diff.map((c) => (
              <tr key={c.path}>
                <th scope="row">
                  <code>{c.path}</code>
                </th>
                <td class="old">{show(c.before)}</td>
                <td class="new">{show(c.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {realized !== undefined && realized !== null && <Realized value={realized} />}
      <details class="raw">
        <summary>All fields (JSON)</summary>
        <pre>{JSON.stringify(e, null, 2)}</pre>
      </details>
    </article>
  );
}

function Fact({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

function requests(r: AuditEvent['totalRequests']): string {
  return Object.entries(r)
    .map(([k, v]) => `${k} ${show(v)}`)
    .join(', ');
}

/** The realized cost, where the server measured one: numbers as money, anything else as the API gives it. */
function Realized({ value }: { value: unknown }) {
  const entries = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>) : [['realized', value] as const];
  return (
    <section class="realized" aria-labelledby="realized-h">
      <h3 id="realized-h">Realized cost</h3>
      <dl class="facts">
        {entries.map(([k, v]) => (
          <Fact key={k} term={k}>
            {typeof v === 'number' && /cost|rate|delta/i.test(k) ? money(v) : show(v)}
          </Fact>
        ))}
      </dl>
    </section>
  );
}
