import type { AuditChange } from '../audit/audit-change.js';
import type { AuditEvent } from '../audit/audit-event.js';
import type { Clock } from '../clock.js';
import type { EtlEvent } from '../events/etl-event.js';
import type { StoreRecord } from '../storage/store.js';
import { auditOrigin, describeOrigin } from './audit-origin.js';
import { EtlConditions, type ConditionChange } from './etl-conditions.js';
import { formatDelta, kebab, shortHash, type NotifyMessage } from './message.js';
import type { NotifyConfig } from './notify-config.js';
import type { AuditNotice, NewOutboxRow } from './outbox.js';
import { compileRoute, matchesAudit, matchesEtl, type CompiledRoute } from './route-match.js';

/** What the router needs. */
export interface NotifyRouterOptions {
  readonly clock: Clock;
  readonly cluster: string;
  readonly resolutionMs: number;
  /** The configuration in force (it changes when the file is reloaded). */
  readonly config: () => NotifyConfig;
}

/** The message of an audit change. */
export function auditMessage(event: AuditEvent, key: string): NotifyMessage {
  const origin = describeOrigin(auditOrigin(event));
  const { cluster, namespace, name } = event.properties;
  const withId = event as AuditEvent & { id?: unknown };
  return {
    kind: 'audit',
    id: typeof withId.id === 'string' ? withId.id : `${cluster}/${key}`,
    cluster,
    summary: `${event.eventType} ${event.resourceType} ${namespace}/${name}: ${formatDelta(event.monthlyCostDelta)}${origin !== undefined ? ` (${origin})` : ''}`,
    type: `io.cost-events.audit.${event.eventType}`,
    time: event.timestamp,
    audit: event,
    subject: { resourceType: event.resourceType, namespace, name, uid: event.uid },
    delta: event.monthlyCostDelta,
    ...(origin !== undefined && { origin }),
  };
}

/** The message of an ETL condition that fired or cleared. */
export function etlMessage(cluster: string, change: ConditionChange, nowMs: number): NotifyMessage {
  const c = change.condition;
  const what = `${c.condition}${c.category !== undefined ? ` (${c.category})` : ''}`;
  return {
    kind: 'etl',
    id: `${cluster}/etl/${change.key}`,
    cluster,
    summary: c.state === 'resolved' ? `resolved: ETL ${what} on ${cluster}` : `ETL ${what} on ${cluster}: ${c.detail}`.slice(0, 300),
    type: `io.cost-events.etl.${kebab(c.condition)}${c.state === 'resolved' ? '.resolved' : ''}`,
    time: new Date(nowMs).toISOString(),
    etl: c,
  };
}

/**
 * Turns events into notifications. It runs inside the storage writer's subscription, so the
 * notifications of an event are committed in the same transaction as the event. A route with a grouping interval
 * stamps its rows with a group key (the Helm release or Argo CD application when the event names
 * one, else the workload: one rollout) and holds them back for the interval, so the outbox leases
 * a burst as one message.
 */
export class NotifyRouter {
  readonly #conditions: EtlConditions;
  #compiled: { config: NotifyConfig; routes: CompiledRoute[] } | undefined;

  constructor(private readonly o: NotifyRouterOptions) {
    this.#conditions = new EtlConditions(o.resolutionMs, o.clock.nowMs());
  }

  /**
   * The notifications an audit change leads to, one per matching route and sink. They ride on the
   * change's `audit` record and refer to the stored event: no message is made or copied here.
   */
  auditNotices(change: AuditChange): AuditNotice[] {
    const routes = this.#routes();
    if (routes.length === 0) return [];
    const out: AuditNotice[] = [];
    let groupOf: string | undefined;
    const nowMs = this.o.clock.nowMs();
    for (const r of routes) {
      if (!matchesAudit(r, change.event)) continue;
      const { groupMs } = r.route;
      if (groupMs > 0) groupOf ??= groupKeyOf(change.event);
      const groupKey = groupMs > 0 ? (groupOf ?? '') : '';
      for (const sink of r.route.sinks) out.push({ route: r.route.name, sink, groupKey, createdMs: nowMs, notBeforeMs: nowMs + groupMs });
    }
    return out;
  }

  /** The rows an ETL event leads to: conditions it starts or clears, for the routes that match them. */
  etlRecords(event: EtlEvent): StoreRecord[] {
    if (event.cluster !== this.o.cluster) return [];
    const changes = this.#conditions.observe(event, this.o.clock.nowMs());
    return changes.length === 0 ? [] : this.#conditionRecords(changes);
  }

  /** Rows for a stalled ETL, checked on a timer: no event triggers them. */
  stalledRecords(): StoreRecord[] {
    const changes = this.#conditions.checkStalled(this.o.clock.nowMs(), this.o.config().stalledAfter);
    return changes.length === 0 ? [] : this.#conditionRecords(changes);
  }

  /** A sample message through `route` (`POST /model/notify/test`): rows for each of its sinks. */
  testRecords(route: string): StoreRecord[] | undefined {
    const r = this.#routes().find((c) => c.route.name === route);
    if (r === undefined) return undefined;
    const nowMs = this.o.clock.nowMs();
    const id = `${this.o.cluster}/test/${route}/${nowMs}`;
    const message: NotifyMessage = {
      kind: 'test',
      id,
      cluster: this.o.cluster,
      summary: `test notification from cost-events on ${this.o.cluster} through route ${route}`,
      type: 'io.cost-events.test',
      time: new Date(nowMs).toISOString(),
    };
    return r.route.sinks.map((sink) => this.#row(id, route, sink, '', nowMs, nowMs, JSON.stringify(message)));
  }

  #conditionRecords(changes: readonly ConditionChange[]): StoreRecord[] {
    const nowMs = this.o.clock.nowMs();
    const out: StoreRecord[] = [];
    for (const change of changes) {
      const message = JSON.stringify(etlMessage(this.o.cluster, change, nowMs));
      for (const r of this.#routes()) {
        if (!matchesEtl(r, this.o.cluster, change.trigger)) continue;
        for (const sink of r.route.sinks) out.push(this.#row(`etl/${change.key}`, r.route.name, sink, '', nowMs, nowMs, message));
      }
    }
    return out;
  }

  #row(eventKey: string, route: string, sink: string, groupKey: string, createdMs: number, notBeforeMs: number, message: string): StoreRecord {
    const row: NewOutboxRow = { id: shortHash(`${this.o.cluster}\u0000${eventKey}\u0000${route}\u0000${sink}`), cluster: this.o.cluster, route, sink, groupKey, createdMs, notBeforeMs, message };
    return { type: 'notification', row };
  }

  #routes(): CompiledRoute[] {
    const config = this.o.config();
    if (this.#compiled?.config !== config) this.#compiled = { config, routes: config.routes.map(compileRoute) };
    return this.#compiled.routes;
  }
}

/** One Helm release (or Argo CD application) when the event names it, else one workload: one rollout. */
function groupKeyOf(e: AuditEvent): string {
  const o = auditOrigin(e);
  if (o.source !== undefined && o.release !== undefined) return `${o.source}:${e.properties.namespace}/${o.release}`;
  return `${e.resourceType}:${e.properties.namespace}/${e.properties.name}`;
}
