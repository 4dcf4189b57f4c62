import { Type } from '@sinclair/typebox';
import { CLUSTER_ID_ACCEPTS, isClusterId } from '../cluster-id.js';
import { badParameter } from '../errors.js';
import { quoteValue } from '../quote-value.js';

const ACCEPTS = `a comma list of cluster ids (${CLUSTER_ID_ACCEPTS})`;

/** The `filterClusters` parameter both Kubecost endpoints take. */
export const FilterClustersSchema = Type.Optional(
  Type.String({
    description: 'Keeps events of these clusters (their CLUSTER_ID). Empty or absent: every cluster in the store.',
    'x-accepts': ACCEPTS,
    examples: ['cluster-one,cluster-two'],
  }),
);

/** The clusters a `filterClusters` value selects; undefined (all) when absent or empty. Throws a 400 naming a bad id. */
export function parseClusterFilter(raw: string | undefined): ReadonlySet<string> | undefined {
  if (raw === undefined) return undefined;
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (ids.length === 0) return undefined;
  const bad = ids.find((id) => !isClusterId(id));
  if (bad !== undefined) throw badParameter('filterClusters', raw, `${ACCEPTS} (${quoteValue(bad)} is not one)`);
  return new Set(ids);
}

/** The part of a cache key that names the selected clusters. */
export function clusterKey(clusters: ReadonlySet<string> | undefined): string {
  return clusters === undefined ? '*' : [...clusters].sort().join(',');
}
