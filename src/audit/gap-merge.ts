/**
 * One outage, one gap: when the API server is down, every audited kind's watch fails and every
 * relist ends at about the same time, and each kind records a gap of its own (watch-gap.ts). Read
 * back, the gaps of one cluster and cause whose spans overlap and whose ends lie within
 * {@link GAP_MERGE_TOLERANCE_MS} of the newest one's are served as one gap listing every kind.
 * Pure: storage/gap-store.ts applies it to what a store lists.
 */
import { msToNs } from '../time.js';
import { AUDIT_RESOURCE_TYPES, type AuditResourceType } from './resource-types.js';
import { auditGap, type AuditGap } from './watch-gap.js';

/**
 * Gaps ending at most this far apart are one outage: after the API server is back, each watch
 * relists on its next retry, and the retries of one outage are at most one backoff ceiling apart
 * (30 s, kube/backoff.ts), plus the time a list takes; 60 s covers both. Two outages of one kind
 * are further apart than that: a watch retries at most every 30 s.
 */
export const GAP_MERGE_TOLERANCE_MS = 60_000;

/** Gaps merged into one, with its span and its newest end. */
export interface GapGroup {
  /** The merged gap (the member itself, as stored, when alone). */
  readonly gap: AuditGap;
  /** The stored JSON to serve: the member's own bytes when the group has one member. */
  readonly json: string;
  /** Epoch ms of the newest member's end: no gap ending more than the tolerance before it joins. */
  readonly newestEndMs: number;
}

interface OpenGroup {
  readonly newest: AuditGap;
  readonly newestJson: string;
  readonly members: AuditGap[];
  readonly newestEndMs: number;
  startNs: bigint;
}

/**
 * Groups `gaps` (stored JSON, newest end first, as `AuditGapStore.queryGaps` lists them): a gap
 * joins the latest group of its cluster and cause when its end is within the tolerance of that
 * group's newest end and not before the group's start (the spans overlap). Newest end first.
 */
export function mergeGaps(gaps: readonly string[]): GapGroup[] {
  const groups: OpenGroup[] = [];
  const open = new Map<string, OpenGroup>();
  for (const json of gaps) {
    const g = JSON.parse(json) as AuditGap;
    const key = `${g.cluster}\u0000${g.cause}`;
    const endNs = nsOf(g.end);
    const endMs = Number(endNs / 1_000_000n);
    const held = open.get(key);
    if (held !== undefined && held.newestEndMs - endMs <= GAP_MERGE_TOLERANCE_MS && endNs >= held.startNs) {
      held.members.push(g);
      const startNs = nsOf(g.start);
      if (startNs < held.startNs) held.startNs = startNs;
      continue;
    }
    const group: OpenGroup = { newest: g, newestJson: json, members: [g], newestEndMs: endMs, startNs: nsOf(g.start) };
    groups.push(group);
    open.set(key, group);
  }
  return groups.map(close);
}

function close(g: OpenGroup): GapGroup {
  const { newest } = g;
  if (g.members.length === 1) return { gap: newest, json: g.newestJson, newestEndMs: g.newestEndMs };
  const kinds = new Set<AuditResourceType>(g.members.flatMap((m) => m.kinds));
  const lastError = g.members.find((m) => m.lastError !== undefined)?.lastError;
  const gap = auditGap({
    cluster: newest.cluster,
    kinds: AUDIT_RESOURCE_TYPES.filter((k) => kinds.has(k)),
    cause: newest.cause,
    startNs: g.startNs,
    endNs: nsOf(newest.end),
    changes: g.members.reduce((sum, m) => sum + m.changes, 0),
    ...(lastError !== undefined && { lastError }),
  });
  return { gap, json: JSON.stringify(gap), newestEndMs: g.newestEndMs };
}

/** Epoch ns of a gap's time, as watch-gap.ts writes it (`formatRfc3339Nano`: nine fractional digits, UTC). */
function nsOf(text: string): bigint {
  return msToNs(Date.parse(`${text.slice(0, 23)}Z`)) + BigInt(text.slice(23, 29));
}
