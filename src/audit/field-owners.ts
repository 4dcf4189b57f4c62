import { UNKNOWN_CHANGED_BY, type ChangedBy } from './attribution.js';

/**
 * Who owns what the audit prices, read once from `metadata.managedFields` when an object is
 * watched; only these few references are kept, never the entries.
 */
export interface FieldOwners {
  /** The entry that created the object: the oldest written through the object itself. */
  readonly creator: ChangedBy;
  /** The most recent entry holding `spec.replicas`. */
  readonly replicas: ChangedBy;
  /** The most recent entry holding a container's (or init container's) requests or limits; else `resources` itself. */
  readonly resources: ChangedBy;
  /** The most recent entry holding a container's (or init container's) `image`. */
  readonly images: ChangedBy;
}

/** Owners of an object without managedFields. */
export const NO_OWNERS: FieldOwners = { creator: UNKNOWN_CHANGED_BY, replicas: UNKNOWN_CHANGED_BY, resources: UNKNOWN_CHANGED_BY, images: UNKNOWN_CHANGED_BY };

type Fields = Record<string, unknown>;

interface Entry {
  manager?: unknown;
  operation?: unknown;
  subresource?: unknown;
  time?: unknown;
  fieldsV1?: unknown;
}

const isFields = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * True when some container or init container item of `containers` lists `field` (directly, or
 * below it); with `beneath`, only when it lists something below the field.
 */
function containersHold(pod: Fields | undefined, field: string, beneath = false): boolean {
  if (pod === undefined) return false;
  for (const list of ['f:containers', 'f:initContainers']) {
    const items = pod[list];
    if (!isFields(items)) continue;
    for (const item of Object.values(items)) {
      if (!isFields(item) || !(field in item)) continue;
      const below = item[field];
      if (!beneath || (isFields(below) && Object.keys(below).some((k) => k !== '.'))) return true;
    }
  }
  return false;
}

function child(f: Fields | undefined, key: string): Fields | undefined {
  const v = f?.[key];
  return isFields(v) ? v : undefined;
}

function changedByOf(e: Entry): ChangedBy {
  return {
    manager: typeof e.manager === 'string' && e.manager !== '' ? e.manager : 'unknown',
    ...((e.operation === 'Apply' || e.operation === 'Update') && { operation: e.operation }),
    ...(typeof e.subresource === 'string' && e.subresource !== '' && { subresource: e.subresource }),
    ...(typeof e.time === 'string' && { time: e.time }),
  };
}

/** Later of two entries by time (RFC 3339 in UTC to the second compares as text); the later in the list on a tie. */
const later = (a: Entry | undefined, b: Entry) => (a === undefined || timeOf(b) >= timeOf(a) ? b : a);

const timeOf = (e: Entry): string => (typeof e.time === 'string' ? e.time : '');

/** Reads the owners of replicas, requests and images from managedFields; `pod` when the object is a Pod (its spec is the pod's). */
export function fieldOwners(managedFields: unknown, pod: boolean): FieldOwners {
  if (!Array.isArray(managedFields) || managedFields.length === 0) return NO_OWNERS;
  let creator: Entry | undefined;
  let replicas: Entry | undefined;
  let resources: Entry | undefined;
  let resourcesNode: Entry | undefined;
  let images: Entry | undefined;
  for (const raw of managedFields as unknown[]) {
    if (!isFields(raw)) continue;
    const e = raw as Entry;
    if ((e.subresource === undefined || e.subresource === '') && (creator === undefined || timeOf(e) < timeOf(creator))) creator = e;
    const spec = child(isFields(e.fieldsV1) ? e.fieldsV1 : undefined, 'f:spec');
    if (spec === undefined) continue;
    if (!pod && 'f:replicas' in spec) replicas = later(replicas, e);
    const podSpec = pod ? spec : child(child(spec, 'f:template'), 'f:spec');
    // An entry holding requests or limits beats one holding only `resources: {}` (the creator of
    // `kubectl create deployment` keeps that once another manager fills it, as the API server
    // does; in the same second, the list's order by manager name would otherwise pick it).
    if (containersHold(podSpec, 'f:resources', true)) resources = later(resources, e);
    else if (containersHold(podSpec, 'f:resources')) resourcesNode = later(resourcesNode, e);
    if (containersHold(podSpec, 'f:image')) images = later(images, e);
  }
  // One entry usually owns several of the four: it is kept once per workload, not once per role.
  const resourcesEntry = resources ?? resourcesNode;
  const creatorBy = ownerOf(creator);
  const replicasBy = replicas === creator ? creatorBy : ownerOf(replicas);
  const resourcesBy = resourcesEntry === creator ? creatorBy : resourcesEntry === replicas ? replicasBy : ownerOf(resourcesEntry);
  const imagesBy = images === creator ? creatorBy : images === replicas ? replicasBy : images === resourcesEntry ? resourcesBy : ownerOf(images);
  return { creator: creatorBy, replicas: replicasBy, resources: resourcesBy, images: imagesBy };
}

function ownerOf(e: Entry | undefined): ChangedBy {
  return e === undefined ? UNKNOWN_CHANGED_BY : changedByOf(e);
}
