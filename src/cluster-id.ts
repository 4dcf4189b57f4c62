/** What a cluster id (`CLUSTER_ID`, `filterClusters`) may be: the charset of a Cloud Eye `project_id`. */
export const CLUSTER_ID_ACCEPTS = '1 to 64 letters, digits and hyphens';

/** True for a valid cluster id. */
export function isClusterId(s: string): boolean {
  return /^[a-zA-Z0-9-]{1,64}$/.test(s);
}
