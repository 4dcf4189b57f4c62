import type { ListResult } from './list.js';
import { apiVersionOf, type FakeResource } from './resources.js';
import type { FakeObject } from './types.js';

/** Events in one group (both versions are named alike), with the field labels that version takes. */
function eventsResource(group: string, fieldLabels: readonly string[]): FakeResource {
  return { group, version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], fieldLabels };
}

/** The field labels of an Event's object reference, as the apiserver takes them. */
function objectReferenceLabels(field: string): string[] {
  return ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => `${field}.${f}`);
}

/**
 * events.k8s.io/v1 Events: served only when a test adds this resource (the audit never watches
 * it). Stored in this form. The apiserver converts its field labels to the core ones below
 * (regarding → involvedObject, reportingController → reportingComponent).
 */
export const EVENTS_RESOURCE = eventsResource('events.k8s.io', [...objectReferenceLabels('regarding'), 'reason', 'reportingController', 'type']);

/** Core v1 Events (`/api/v1/.../events`): the same stored Events, as `kubectl get events` and `kubectl describe` read them. */
export const CORE_EVENTS_RESOURCE = eventsResource('', [...objectReferenceLabels('involvedObject'), 'reason', 'reportingComponent', 'source', 'type']);

/** Both views of Events, for a fake that kubectl reads Events from. */
export const EVENT_RESOURCES: readonly FakeResource[] = [CORE_EVENTS_RESOURCE, EVENTS_RESOURCE];

/** A resource served from another one's stored objects, each shown through `render` (what the apiserver's conversion does). */
export interface ResourceView {
  readonly stored: FakeResource;
  render(o: FakeObject): FakeObject;
}

type Json = Record<string, unknown>;
const record = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
/** A metav1.Time or MicroTime as Go writes it: null when zero, even under omitempty. */
const time = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Only the fields that are set: Go's omitempty on strings, numbers and pointers. */
function present(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && v !== 0));
}
const pointer = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null ? record(v) : undefined);

/**
 * An Event as core v1 shows it, from the events.k8s.io/v1 form it is stored in: the apiserver's
 * conversion through its internal Event (pkg/apis/events/v1, Convert_v1_Event_To_core_Event):
 * note → message, regarding → involvedObject, deprecatedSource → source, deprecatedFirstTimestamp
 * and deprecatedLastTimestamp → firstTimestamp and lastTimestamp, deprecatedCount → count,
 * reportingController → reportingComponent; eventTime, series, related, action, reason, type and
 * reportingInstance keep their names. Written as encoding/json writes the v1 struct: zero
 * timestamps as null, the source as `{}`, reportingComponent and reportingInstance even when empty.
 */
export function coreEventOf(e: FakeObject): FakeObject {
  return {
    metadata: e.metadata,
    involvedObject: record(e['regarding']),
    source: record(e['deprecatedSource']),
    firstTimestamp: time(e['deprecatedFirstTimestamp']),
    lastTimestamp: time(e['deprecatedLastTimestamp']),
    eventTime: time(e['eventTime']),
    reportingComponent: text(e['reportingController']),
    reportingInstance: text(e['reportingInstance']),
    ...present({
      reason: e['reason'],
      message: e['note'],
      count: typeof e['deprecatedCount'] === 'number' ? e['deprecatedCount'] : undefined,
      type: e['type'],
      series: pointer(e['series']),
      action: e['action'],
      related: pointer(e['related']),
    }),
  };
}

/** An Event as events.k8s.io/v1 shows it: what was stored, with the fields Go always writes (`regarding`, `deprecatedSource`, null timestamps). */
export function eventsV1Of(e: FakeObject): FakeObject {
  return {
    metadata: e.metadata,
    eventTime: time(e['eventTime']),
    regarding: record(e['regarding']),
    deprecatedSource: record(e['deprecatedSource']),
    deprecatedFirstTimestamp: time(e['deprecatedFirstTimestamp']),
    deprecatedLastTimestamp: time(e['deprecatedLastTimestamp']),
    ...present({
      series: pointer(e['series']),
      reportingController: e['reportingController'],
      reportingInstance: e['reportingInstance'],
      action: e['action'],
      reason: e['reason'],
      related: pointer(e['related']),
      note: e['note'],
      type: e['type'],
      deprecatedCount: typeof e['deprecatedCount'] === 'number' ? e['deprecatedCount'] : undefined,
    }),
  };
}

const CORE_VIEW: ResourceView = { stored: EVENTS_RESOURCE, render: coreEventOf };
const EVENTS_V1_VIEW: ResourceView = { stored: EVENTS_RESOURCE, render: eventsV1Of };

/** How a resource is served when its objects are stored as another's (both Event versions); undefined for every other resource. */
export function viewOf(r: FakeResource): ResourceView | undefined {
  if (r.plural !== 'events' || r.version !== 'v1') return undefined;
  return r.group === '' ? CORE_VIEW : r.group === EVENTS_RESOURCE.group ? EVENTS_V1_VIEW : undefined;
}

type ListBody = Extract<ListResult, { ok: true }>['body'];

/** A page of stored objects as the list of resource `r` (`EventList` of `v1`), each item rendered through the view. */
export function viewList(r: FakeResource, view: ResourceView, body: ListBody): ListBody {
  return { ...body, kind: `${r.kind}List`, apiVersion: apiVersionOf(r), items: body.items.map((o) => view.render(o)) };
}
