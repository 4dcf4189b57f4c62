import { Type, type Static } from '@sinclair/typebox';
import { derivedEventId } from '../cloud-eye/event-id.js';
import { formatRfc3339Nano } from '../time.js';
import { AUDIT_RESOURCE_TYPES, type AuditResourceType } from './resource-types.js';

/** Why the audit's view had a hole: a watch that lost its history, or the server not running. */
export const GAP_CAUSES = ['watch', 'restart'] as const;
/** One cause. */
export type GapCause = (typeof GAP_CAUSES)[number];

/** The example of the OpenAPI document and README. */
export const AUDIT_GAP_EXAMPLE = {
  id: 'gp1677593124552Hq3XbT0aZ',
  cluster: 'cluster-one',
  kinds: ['deployment'],
  cause: 'watch',
  start: '2023-02-28T13:58:44.552000000Z',
  end: '2023-02-28T14:05:24.552000000Z',
  seconds: 400,
  changes: 2,
  lastError: 'watch: 410 Gone: too old resource version',
};

/**
 * A span in which the audit could not see changes as they happened: from when a watch stopped
 * delivering (or the previous run's last mark) to the list that ended it. The changes that list
 * found are the audit events marked `inferred` with this span.
 */
export const AuditGapSchema = Type.Object(
  {
    id: Type.String({ description: 'The gap\'s id: `gp`, the epoch ms of its end, nine letters or digits.', pattern: '^gp[0-9]{13}[A-Za-z0-9]{9}$' }),
    cluster: Type.String({ examples: ['cluster-one'] }),
    kinds: Type.Array(Type.Union(AUDIT_RESOURCE_TYPES.map((t) => Type.Literal(t))), {
      description: 'The audited kinds whose view had the hole: several when their gaps were one outage (same cause, overlapping, ending within 60 s of each other), served as one gap.',
      minItems: 1,
    }),
    cause: Type.Union(
      GAP_CAUSES.map((c) => Type.Literal(c)),
      { description: '`watch`: a watch failed and its history was gone (410 Expired, or a stream that went silent), so it relisted; `restart`: the server was not running, and its first list was compared with what the previous run remembered.' },
    ),
    start: Type.String({ description: 'Since when changes may have been missed (RFC 3339, UTC, nanoseconds): the last time the view was known current.' }),
    end: Type.String({ description: 'When the list that ended the gap was taken.' }),
    seconds: Type.Number({ description: 'end − start, in seconds.', minimum: 0 }),
    changes: Type.Integer({ description: 'Audit events the lists found (adds, deletes, updates), each marked `inferred` with its kind\'s span, which lies inside this one.', minimum: 0 }),
    lastError: Type.Optional(Type.String({ description: 'The watch failure that led to the relist (cause `watch`); of several kinds, the newest.' })),
  },
  { $id: 'AuditGap', examples: [AUDIT_GAP_EXAMPLE] },
);
/** One gap as `/model/audit/gaps` serves it. */
export type AuditGap = Static<typeof AuditGapSchema>;

/** The span an inferred event happened in (its exact time is unknown). */
export const InferredSpanSchema = Type.Object(
  {
    start: Type.String({ description: 'Not before (RFC 3339, UTC, nanoseconds): the last time the workload was seen as it was before.' }),
    end: Type.String({ description: 'Not after: when the list that found the change was taken.' }),
  },
  { description: 'Added, with `inferred`: the span the change happened in.' },
);
/** An inferred event's span. */
export type InferredSpan = Static<typeof InferredSpanSchema>;

/** A gap's id: like an event's, from its end and its identity, so it is the same whichever backend serves it. */
export function auditGapId(cluster: string, kinds: readonly string[], startNs: bigint, endNs: bigint): string {
  return `gp${derivedEventId(Number(endNs / 1_000_000n), `gap/${cluster}/${kinds.join(',')}/${startNs}`).slice(2)}`;
}

/** The gap of `kinds` from `startNs` to `endNs` with the changes the list found. */
export function auditGap(g: {
  readonly cluster: string;
  readonly kinds: readonly AuditResourceType[];
  readonly cause: GapCause;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly changes: number;
  readonly lastError?: string;
}): AuditGap {
  const startNs = g.startNs < g.endNs ? g.startNs : g.endNs;
  return {
    id: auditGapId(g.cluster, g.kinds, startNs, g.endNs),
    cluster: g.cluster,
    kinds: [...g.kinds],
    cause: g.cause,
    start: formatRfc3339Nano(startNs),
    end: formatRfc3339Nano(g.endNs),
    seconds: Number(g.endNs - startNs) / 1e9,
    changes: g.changes,
    ...(g.lastError !== undefined && { lastError: g.lastError }),
  };
}
