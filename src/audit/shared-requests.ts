import type { PodRequests } from '../cost/workload.js';

/** Distinct pod requests shared at most (a few hundred bytes each with their map entries); past it, new ones are kept as they come. */
export const MAX_SHARED_REQUESTS = 4096;

/**
 * One object per distinct pod request (cores, bytes, GPUs) among the workloads the audit keeps.
 * Most workloads of a cluster request one of a few amounts, and the audit keeps a spec per watched
 * workload: 100,000 Deployments held 100,000 equal objects (48 bytes each, and a heap number for
 * fractional cores). Shared objects are frozen, so nothing can change one under another workload.
 * Bounded by count: past {@link MAX_SHARED_REQUESTS} distinct requests, a new one is returned as
 * it is. Keyed by the numbers themselves (nested maps), not by a string printed per change.
 */
export class SharedRequests {
  readonly #byCores = new Map<number, Map<number, Map<number, PodRequests>>>();
  #size = 0;

  constructor(private readonly max = MAX_SHARED_REQUESTS) {}

  /** Distinct requests held. */
  get size(): number {
    return this.#size;
  }

  /** The shared object equal to `r` (made from `r` the first time), or `r` itself once the pool is full. */
  share(r: PodRequests): PodRequests {
    let byBytes = this.#byCores.get(r.cpuCores);
    let byGpus = byBytes?.get(r.memoryBytes);
    const found = byGpus?.get(r.gpus);
    if (found !== undefined) return found;
    if (this.#size >= this.max) return r;
    if (byBytes === undefined) this.#byCores.set(r.cpuCores, (byBytes = new Map<number, Map<number, PodRequests>>()));
    if (byGpus === undefined) byBytes.set(r.memoryBytes, (byGpus = new Map<number, PodRequests>()));
    const shared = Object.freeze({ cpuCores: r.cpuCores, memoryBytes: r.memoryBytes, gpus: r.gpus });
    byGpus.set(r.gpus, shared);
    this.#size++;
    return shared;
  }
}
