import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson, query } from '../api.js';
import { ago, dateTime } from '../format.js';
import { setParams } from '../route.js';
import type { EventDetailsResponse, EventSummaryResponse } from '../types.js';
import { usePoll } from '../use-poll.js';
import { errorMessage } from '../../../src/errors.js';

const SHOWN = 20;

/**
 * Events people and tools reported through the Cloud Eye API (a deploy, an incident): the summary
 * of the custom events, and the occurrences of the one selected. Their content is whatever the
 * reporter sent, so it is only ever rendered as text.
 */
export function ReportedEvents({ project, selected }: { project: string; selected: string }) {
  const base = `V1.0/${encodeURIComponent(project)}`;
  const summary = usePoll<EventSummaryResponse>(`${base}/events${query({ event_type: 'EVENT.CUSTOM', limit: SHOWN })}`);
  const [details, setDetails] = useState<{ name: string; data?: EventDetailsResponse; error?: string } | undefined>();
  useEffect(() => {
    if (selected === '') {
      setDetails(undefined);
      return undefined;
    }
    const controller = new AbortController();
    setDetails({ name: selected });
    getJson<EventDetailsResponse>(`${base}/event/${encodeURIComponent(selected)}${query({ event_type: 'EVENT.CUSTOM', limit: SHOWN })}`, controller.signal)
      .then((data) => setDetails({ name: selected, data }))
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setDetails({ name: selected, error: errorMessage(err) });
      });
    return () => controller.abort();
  }, [base, selected, summary.version]);

  const rows = summary.data?.events ?? [];
  const locked = summary.error instanceof ApiError && (summary.error.status === 401 || summary.error.status === 403);
  return (
    <section class="card reported" aria-labelledby="reported-h">
      <h2 id="reported-h">Reported events</h2>
      {locked ? (
        <p class="muted">The Cloud Eye routes need a token here (CES_TOKENS_FILE), which the page does not hold.</p>
      ) : summary.error !== undefined ? (
        <p class="banner error">{summary.error.message}</p>
      ) : rows.length === 0 ? (
        <p class="muted">{summary.data === undefined ? 'Loading…' : 'None reported. Deploy tools and people report events with POST /V1.0/{cluster}/events.'}</p>
      ) : (
        <ul class="reported-list">
          {rows.map((r) => (
            <li key={r.event_name}>
              <button
                type="button"
                class="row-button"
                aria-pressed={r.event_name === selected}
                onClick={() => setParams('changes', { reported: r.event_name === selected ? undefined : r.event_name })}
              >
                <strong>{r.event_name}</strong>
                <span class="muted">
                  {r.event_count}× · {r.latest_event_source} · {ago(new Date(r.latest_occur_time).toISOString(), Date.now())}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {details !== undefined && (
        <div class="occurrences" aria-live="polite">
          <h3>{details.name}</h3>
          {details.error !== undefined && <p class="banner error">{details.error}</p>}
          {details.data?.event_info.map((o) => (
            <article key={o.event_id} class={`occurrence ${o.detail.event_level.toLowerCase()}`}>
              <p class="occ-head">
                <time dateTime={new Date(o.time).toISOString()}>{dateTime(new Date(o.time).toISOString())}</time>
                {o.detail.event_level !== '' && <span class="badge">{o.detail.event_level}</span>}
                {o.detail.event_state !== '' && <span class="badge">{o.detail.event_state}</span>}
                <span class="muted">{o.event_source}</span>
              </p>
              {o.detail.content !== '' && <p class="content">{o.detail.content}</p>}
              <dl class="facts small">
                {o.detail.event_user !== '' && (
                  <>
                    <dt>User</dt>
                    <dd>{o.detail.event_user}</dd>
                  </>
                )}
                {o.detail.resource_name !== '' && (
                  <>
                    <dt>Resource</dt>
                    <dd>{o.detail.resource_name}</dd>
                  </>
                )}
                {o.detail.dimensions?.map((d) => (
                  <>
                    <dt>{d.name}</dt>
                    <dd>{d.value}</dd>
                  </>
                ))}
              </dl>
            </article>
          ))}
        </div>
      )}
    </section>
  );
}
