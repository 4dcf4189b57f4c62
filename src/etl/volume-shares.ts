/**
 * The split of persistent volumes among the pods that mount them: each pod's byte-hours in all
 * and per bound volume, over the window.
 */
import type { Window } from '../window.js';
import type { ClaimRecord, ClusterSnapshot, PodRecord, VolumeRecord } from './cluster-state.js';
import { HOUR_MS } from '../window.js';
import { clippedEnd, clippedStart } from './window-clip.js';

/** Latest-started record per key among those overlapping the window. */
function latestByKey<R extends { readonly start: number; readonly end?: number }>(records: readonly R[], window: Window, keyOf: (r: R) => string): Map<string, R> {
  const out = new Map<string, R>();
  for (const r of records) {
    if (Number.isNaN(clippedStart(window, r.start, r.end))) continue;
    const key = keyOf(r);
    const held = out.get(key);
    if (held === undefined || r.start > held.start) out.set(key, r);
  }
  return out;
}

const claimKey = (c: ClaimRecord): string => `${c.namespace}/${c.name}`;
const volumeKey = (v: VolumeRecord): string => v.name;

/** Byte-hours of persistent volume per pod (indexed as snapshot.pods): in all, and per bound PV's name. */
export interface VolumeShares {
  readonly byteHours: Float64Array;
  readonly byVolume: (Map<string, number> | undefined)[];
}

/**
 * Byte-hours of persistent volume per pod. Each claim a pod mounts
 * resolves to the claim of that name in the pod's namespace, then to its bound volume's size (by
 * `volumeName`), else to the claim's own size. At every moment a claim's bytes are split evenly
 * among the pods mounting it at that moment (pod running time ∩ claim lifetime ∩ window), so the
 * shares sum to the claim's size × the time it was mounted.
 */
export function volumeShares(snapshot: ClusterSnapshot, window: Window): VolumeShares {
  const shares: VolumeShares = { byteHours: new Float64Array(snapshot.pods.length), byVolume: [] };
  const claims = latestByKey(snapshot.claims, window, claimKey);
  if (claims.size === 0) return shares;
  const volumes = latestByKey(snapshot.volumes, window, volumeKey);
  const podsByClaim = new Map<string, number[]>();
  const pods = snapshot.pods;
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i];
    if (pod === undefined || pod.claims.length === 0) continue;
    for (const claim of pod.claims) {
      const key = `${pod.namespace}/${claim}`;
      const list = podsByClaim.get(key);
      if (list === undefined) podsByClaim.set(key, [i]);
      else if (list.at(-1) !== i) list.push(i); // a claim mounted twice by one pod counts once
    }
  }
  for (const [key, podIndexes] of podsByClaim) {
    const claim = claims.get(key);
    if (claim === undefined) continue;
    const volume = claim.volumeName === undefined ? undefined : volumes.get(claim.volumeName);
    const bytes = volume?.bytes ?? claim.bytes;
    if (!(bytes > 0)) continue;
    // The claim's own lifetime, clipped to the window, bounds every pod's share.
    const cStart = Math.max(claim.start, window.start);
    const cEnd = clippedEnd(window, claim.end);
    splitClaim(pods, podIndexes, { start: cStart, end: cEnd, bytes, volume: volume?.name }, shares);
  }
  return shares;
}

/** One pod's mount of a claim: the part of its running time inside the claim's lifetime. */
interface Mount {
  readonly pod: number;
  readonly start: number;
  readonly end: number;
}

/** A claim as the split sees it: its lifetime in the window, its size, its bound volume's name. */
interface SplitClaim {
  readonly start: number;
  readonly end: number;
  readonly bytes: number;
  readonly volume: string | undefined;
}

function addShare(shares: VolumeShares, pod: number, volume: string | undefined, byteHours: number): void {
  shares.byteHours[pod] = (shares.byteHours[pod] ?? 0) + byteHours;
  if (volume === undefined) return;
  let byVolume = shares.byVolume[pod];
  if (byVolume === undefined) {
    byVolume = new Map();
    shares.byVolume[pod] = byVolume;
  }
  byVolume.set(volume, (byVolume.get(volume) ?? 0) + byteHours);
}

function splitClaim(pods: readonly PodRecord[], podIndexes: readonly number[], claim: SplitClaim, shares: VolumeShares): void {
  const mounts: Mount[] = [];
  for (const i of podIndexes) {
    const pod = pods[i];
    if (pod === undefined) continue;
    const start = Math.max(pod.start, claim.start);
    const end = pod.end === undefined ? claim.end : Math.min(pod.end, claim.end);
    if (end > start) mounts.push({ pod: i, start, end });
  }
  const [only] = mounts;
  if (only === undefined) return;
  if (mounts.length === 1) {
    addShare(shares, only.pod, claim.volume, (claim.bytes * (only.end - only.start)) / HOUR_MS);
    return;
  }
  // Between consecutive start/end times the set of mounting pods is fixed: split evenly there.
  const bounds = [...new Set(mounts.flatMap((m) => [m.start, m.end]))].sort((a, b) => a - b);
  for (let k = 1; k < bounds.length; k++) {
    const from = bounds[k - 1] ?? 0;
    const to = bounds[k] ?? 0;
    let active = 0;
    for (const m of mounts) if (m.start <= from && m.end >= to) active++;
    if (active === 0) continue;
    const each = (claim.bytes * (to - from)) / HOUR_MS / active;
    for (const m of mounts) if (m.start <= from && m.end >= to) addShare(shares, m.pod, claim.volume, each);
  }
}
