import type { Clock } from '../clock.js';
import type { EventCatalogue } from '../storage/store-reader.js';
import { AppError } from '../errors.js';
import { eventDetails } from './event-details.js';
import { newEventId } from './event-id.js';
import { summarizeEvents, summaryBytes, type SummaryCache } from './event-summary.js';
import type { DetailsQuery, SummaryQuery } from './query-schemas.js';
import { reportEvents, type CustomEventsReported } from './report-events.js';
import type { ReportBody } from './report-schema.js';
import { StampedCache } from './stamped-cache.js';
import type { EventDetailsResponse, EventSummaryResponse, ReportResponse } from './response-schemas.js';

/** What the Cloud Eye calls need, created by the composition root. */
export interface CloudEyeOptions {
  readonly catalogue: EventCatalogue;
  readonly clock: Clock;
  /** This server's `CLUSTER_ID`: always a valid project. */
  readonly clusterId: string;
  /** `CUSTOM_EVENT_RETENTION`: custom events older than this are not served. */
  readonly retentionMs: number;
  /** Publishes newly stored custom events on the bus. */
  readonly publish: (reported: CustomEventsReported) => void;
  /** Makes event ids; tests pin it. */
  readonly newId?: (nowMs: number) => string;
}

/**
 * The three Cloud Eye event calls over this server's events. A project is a cluster: this
 * server's own, or any cluster whose events are in its store; anything else is ces.0003.
 */
export class CloudEyeEvents {
  readonly #summaries: SummaryCache = new StampedCache(summaryBytes);

  constructor(private readonly o: CloudEyeOptions) {}

  /** `GET /V1.0/{project_id}/events`. */
  async summary(project: string, q: SummaryQuery): Promise<EventSummaryResponse> {
    await this.#checkProject(project);
    return summarizeEvents(this.o.catalogue, this.#summaries, project, q, this.#notBefore());
  }

  /** `GET /V1.0/{project_id}/event/{event_name}`. */
  async details(project: string, name: string, q: DetailsQuery): Promise<EventDetailsResponse> {
    await this.#checkProject(project);
    return eventDetails(this.o.catalogue, project, name, q, this.#notBefore());
  }

  /**
   * What a summary or details answer of `project` is made from: the store's revisions and the
   * retention's minute. Equal stamps (with equal queries) give equal answers, so a route can answer
   * a conditional request without reading events. Checks the project first, as the calls do.
   */
  async stamp(project: string): Promise<string> {
    await this.#checkProject(project);
    const r = await this.o.catalogue.revision();
    return `${r.etl}/${r.audit}/${r.custom}/${this.#notBefore()}`;
  }

  /** `POST /V1.0/{project_id}/events`. */
  async report(project: string, body: ReportBody): Promise<ReportResponse> {
    await this.#checkProject(project);
    return reportEvents({ catalogue: this.o.catalogue, nowMs: this.o.clock.nowMs(), newId: this.o.newId ?? newEventId, publish: this.o.publish }, project, body);
  }

  /** The oldest time a custom event may have to be served: retention, to the minute (so a summary is reused for a minute at most). */
  #notBefore(): number {
    return Math.floor(this.o.clock.nowMs() / 60_000) * 60_000 - this.o.retentionMs;
  }

  async #checkProject(project: string): Promise<void> {
    if (project === this.o.clusterId || (await this.o.catalogue.hasCluster(project))) return;
    throw new AppError('CES_BAD_PROJECT',
      `invalid project_id: got "${project}"; accepts ${this.o.clusterId} (this server's CLUSTER_ID) or a cluster whose events are in its store`,
    );
  }
}
