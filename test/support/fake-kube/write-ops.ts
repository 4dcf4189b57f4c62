import { mergeInto } from './apply-merge.js';
import { applyConflicts, nextManagedFields, type ApplyConflict, type FakeWrite, type ManagedFieldsEntry } from './managed-fields.js';
import { stable } from './patch.js';
import { apiVersionOf, type FakeResource } from './resources.js';
import type { FakeStore } from './store.js';
import type { FakeObject, NewFakeObject } from './types.js';

/**
 * The writes the test API and HTTP share, so an in-process `fake.apply()` and a `kubectl apply
 * --server-side` take the same path to the store and to managedFields.
 */

/** What a server-side apply did: the object (and whether it was created), or the conflicts that stopped it. */
export type ApplyOutcome = { ok: true; obj: FakeObject; created: boolean } | { ok: false; conflicts: ApplyConflict[] };

/**
 * Server-side apply of `config` by `manager`: creates the object or merges the configuration into
 * it (maps merged, lists of named items merged by name, other values replaced). Without `force`,
 * a field the configuration changes that another manager owns is a conflict and nothing is written.
 */
export function applyObject(store: FakeStore, r: FakeResource, config: NewFakeObject, manager: string, force: boolean): ApplyOutcome {
  const { kind: _k, apiVersion: _v, ...body } = config;
  const write: FakeWrite = { manager, operation: 'Apply' };
  const { namespace, name } = body.metadata;
  const current = store.get(r, namespace, name);
  if (current === undefined) return { ok: true, obj: store.create(r, body, write), created: true };
  if (!force) {
    const conflicts = applyConflicts(current, body, manager);
    if (conflicts.length > 0) return { ok: false, conflicts };
  }
  if (applyChangesNothing(r, current, body, write)) return { ok: true, obj: current, created: false };
  return { ok: true, obj: store.update(r, namespace, name, (d) => mergeInto(d, body), write, body), created: false };
}

/** True when an Apply would leave the object and its managedFields (times aside) as they are: the API server then writes nothing. */
function applyChangesNothing(r: FakeResource, current: FakeObject, config: NewFakeObject, write: FakeWrite): boolean {
  const merged = structuredClone(current);
  mergeInto(merged, config);
  const { managedFields: _before, ...meta } = current.metadata;
  const { managedFields: _after, ...mergedMeta } = merged.metadata;
  if (stable({ ...current, metadata: meta }) !== stable({ ...merged, metadata: mergedMeta })) return false;
  const previous = (current.metadata.managedFields as ManagedFieldsEntry[] | undefined) ?? [];
  const next = nextManagedFields({ before: current, after: merged, previous, write, apiVersion: apiVersionOf(r), time: '', applied: config });
  const timeless = (entries: readonly ManagedFieldsEntry[]) => stable(entries.map(({ time: _t, ...e }) => e).sort((a, b) => (stable(a) < stable(b) ? -1 : 1)));
  return timeless(next) === timeless(previous);
}

/** Sets `spec.replicas` through the `scale` subresource (an Update, or an Apply of a Scale). */
export function scaleObject(store: FakeStore, r: FakeResource, namespace: string | undefined, name: string, replicas: number, manager: string, operation: 'Update' | 'Apply' = 'Update'): FakeObject {
  return store.update(
    r,
    namespace,
    name,
    (d) => {
      (d.spec as { replicas?: number }).replicas = replicas;
    },
    { manager, operation, subresource: 'scale' },
    operation === 'Apply' ? { spec: { replicas } } : undefined,
  );
}
