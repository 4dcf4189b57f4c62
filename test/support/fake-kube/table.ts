import { coreEventOf } from './events-views.js';
import type { FakeResource } from './resources.js';
import type { FakeObject } from './types.js';
import { withTypeMeta } from './wire.js';

/** The content type of a server-side printed Table, as the apiserver answers `kubectl get`. */
export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** Whether the Accept header asks for server-side printing (kubectl get without -o json/yaml). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** How much of each object a Table row carries (`includeObject`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

interface Column {
  name: string;
  type: 'string' | 'integer';
  format: string;
  description: string;
  priority: number;
  cell: (o: FakeObject, nowMs: number) => string | number;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const field = (o: FakeObject, part: 'spec' | 'status', key: string): number =>
  num(typeof o[part] === 'object' && o[part] !== null ? (o[part] as Record<string, unknown>)[key] : undefined);

const NAME: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name };
const AGE: Column = {
  name: 'Age',
  type: 'string',
  format: '',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (o, now) => humanDuration(now - Date.parse(o.metadata.creationTimestamp)),
};

/** apimachinery's translateTimestampSince (and MicroTime's): `<unknown>` for a zero time. */
const since = (t: unknown, now: number): string => (typeof t === 'string' && t !== '' ? humanDuration(now - Date.parse(t)) : '<unknown>');
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The apiserver's Event columns (pkg/printers/internalversion printEvent), the same for both
 * versions since both print the internal Event; cells computed as for `-o wide` (kubectl hides
 * the priority 1 columns otherwise). Last Seen falls back to First Seen, that to eventTime; a
 * series gives both Last Seen and the count; a singleton new-style Event counts 1.
 */
function eventColumns(r: FakeResource): Column[] {
  const core = (o: FakeObject): Record<string, unknown> => (r.group === '' ? o : coreEventOf(o));
  const first = (e: Record<string, unknown>, now: number): string => since(typeof e['firstTimestamp'] === 'string' ? e['firstTimestamp'] : e['eventTime'], now);
  const series = (e: Record<string, unknown>): Record<string, unknown> | undefined => (typeof e['series'] === 'object' && e['series'] !== null ? (e['series'] as Record<string, unknown>) : undefined);
  const column = (name: string, description: string, priority: number, cell: (e: Record<string, unknown>, now: number) => string | number, format = ''): Column => ({
    name,
    type: 'string',
    format,
    description,
    priority,
    cell: (o, now) => cell(core(o), now),
  });
  return [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.', 0, (e, now) => {
      const s = series(e);
      if (s !== undefined) return since(s['lastObservedTime'], now);
      return e['lastTimestamp'] === null || e['lastTimestamp'] === undefined ? first(e, now) : since(e['lastTimestamp'], now);
    }),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future', 0, (e) => str(e['type'])),
    column('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", 0, (e) => str(e['reason'])),
    column('Object', 'The object that this event is about.', 0, (e) => {
      const io = (e['involvedObject'] ?? {}) as Record<string, unknown>;
      const kind = str(io['kind']).toLowerCase();
      return str(io['name']) === '' ? kind : `${kind}/${str(io['name'])}`;
    }),
    column('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1, (e) => str(((e['involvedObject'] ?? {}) as Record<string, unknown>)['fieldPath'])),
    column('Source', 'The component reporting this event. Should be a short machine understandable string.', 1, (e) => {
      const source = (e['source'] ?? {}) as Record<string, unknown>;
      const component = str(source['component']) || str(e['reportingComponent']);
      const instance = str(source['host']) || str(e['reportingInstance']);
      return instance === '' ? component : `${component}, ${instance}`;
    }),
    column('Message', 'A human-readable description of the status of this operation.', 0, (e) => str(e['message']).trim()),
    column('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1, first),
    column('Count', 'The number of times this event has occurred.', 1, (e) => {
      const s = series(e);
      if (s !== undefined) return typeof s['count'] === 'number' ? s['count'] : 0;
      return typeof e['count'] === 'number' && e['count'] !== 0 ? e['count'] : 1;
    }),
    column('Name', NAME.description, 1, (e) => str((e['metadata'] as Record<string, unknown>)['name']), 'name'),
  ];
}

/** The printer columns of a kind: the apiserver's for Deployments and Events, Name and Age (as for a CRD) otherwise. */
function columnsOf(r: FakeResource): Column[] {
  if (r.kind === 'Event') return eventColumns(r);
  if (r.kind !== 'Deployment') return [NAME, AGE];
  return [
    NAME,
    { name: 'Ready', type: 'string', format: '', description: 'Number of the pod with ready state', priority: 0, cell: (o) => `${field(o, 'status', 'readyReplicas')}/${field(o, 'spec', 'replicas')}` },
    { name: 'Up-to-date', type: 'integer', format: '', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', priority: 0, cell: (o) => field(o, 'status', 'updatedReplicas') },
    { name: 'Available', type: 'integer', format: '', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', priority: 0, cell: (o) => field(o, 'status', 'availableReplicas') },
    AGE,
  ];
}

/** A `meta.k8s.io/v1` Table of `objects`, with list metadata when it stands for a list. */
export function tableOf(r: FakeResource, objects: readonly FakeObject[], nowMs: number, include: IncludeObject, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  const columns = columnsOf(r);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: columns.map(({ cell: _cell, ...def }) => def),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o, nowMs)),
      object:
        include === 'None'
          ? null
          : include === 'Object'
            ? withTypeMeta(r, o)
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

/** Parses `includeObject`, defaulting to Metadata as the apiserver does. */
export function parseIncludeObject(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** apimachinery's `duration.HumanDuration`: the AGE column's `5m30s`, `3h`, `12d`. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 60 * 2) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 60 * 3) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (y < 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}
