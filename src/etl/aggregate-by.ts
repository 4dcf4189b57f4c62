/**
 * What `aggregate=` may name: the properties allocations and assets are grouped by, Kubecost's
 * comma list of them parsed, and what is accepted, in words, for the 400 that refuses a list.
 */

/** What allocations can be grouped by, as Kubecost's `aggregate` names it. */
export type AllocationAggregateBy = 'cluster' | 'node' | 'namespace' | 'controllerKind' | 'controller' | 'pod' | 'container' | `label:${string}`;

/** What assets can be grouped by. */
export type AssetAggregateBy = 'cluster' | 'type' | 'category' | 'name' | 'providerID' | `label:${string}`;

/** A parsed `aggregate` list, or why it does not parse (what is accepted is `*_AGGREGATE_ACCEPTS`). */
export type ParsedAggregate<T> = { readonly ok: true; readonly by: T[] } | { readonly ok: false; readonly reason: string };

const ALLOCATION_PROPERTIES = ['cluster', 'node', 'namespace', 'controllerKind', 'controller', 'pod', 'container'] as const;
const ASSET_PROPERTIES = ['cluster', 'type', 'category', 'name', 'providerID'] as const;

/** What `parseAllocationAggregate` accepts, in words. */
export const ALLOCATION_AGGREGATE_ACCEPTS = `a comma list of ${ALLOCATION_PROPERTIES.join(', ')} or label:<name>, such as namespace,label:app`;
/** What `parseAssetAggregate` accepts, in words. */
export const ASSET_AGGREGATE_ACCEPTS = `a comma list of ${ASSET_PROPERTIES.join(', ')} or label:<name>, such as cluster,type`;

/** Parses Kubecost's `aggregate=namespace,label:app` for allocations (names case-insensitive, repeats dropped). */
export function parseAllocationAggregate(raw: string): ParsedAggregate<AllocationAggregateBy> {
  return parseAggregate<AllocationAggregateBy>(raw, ALLOCATION_PROPERTIES);
}

/** Parses an `aggregate` list for assets. */
export function parseAssetAggregate(raw: string): ParsedAggregate<AssetAggregateBy> {
  return parseAggregate<AssetAggregateBy>(raw, ASSET_PROPERTIES);
}

function parseAggregate<T extends string>(raw: string, known: readonly T[]): ParsedAggregate<T> {
  const by: T[] = [];
  for (const part of raw.split(',')) {
    const entry = part.trim();
    const fail = (reason: string): ParsedAggregate<T> => ({ ok: false, reason });
    if (entry === '') return fail('an entry is empty');
    let parsed: T | undefined;
    if (entry.toLowerCase().startsWith('label:')) {
      const label = entry.slice('label:'.length).trim();
      if (label === '') return fail('label: needs a label name');
      parsed = `label:${label}` as T;
    } else {
      parsed = known.find((k) => k.toLowerCase() === entry.toLowerCase());
      if (parsed === undefined) return fail(`${JSON.stringify(entry.slice(0, 60))} is not a property`);
    }
    if (!by.includes(parsed)) by.push(parsed);
  }
  return { ok: true, by };
}
