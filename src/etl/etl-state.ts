import type { ClusterCacheStats } from './cluster-cache.js';
import type { PipelineState } from './pipeline.js';

/**
 * What the ETL says of itself at one moment: what the pipeline last did and what its cluster
 * cache holds. Metrics and the bug report read this, never the pipeline or the cache.
 */
export interface EtlState {
  readonly pipeline: PipelineState;
  readonly cache: ClusterCacheStats;
}
