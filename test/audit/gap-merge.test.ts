import { describe, expect, it } from 'vitest';
import { GAP_MERGE_TOLERANCE_MS, mergeGaps } from '../../src/audit/gap-merge.js';
import type { AuditResourceType } from '../../src/audit/resource-types.js';
import { auditGap, type AuditGap, type GapCause } from '../../src/audit/watch-gap.js';

// One outage, one gap: the gaps of one cluster and cause that overlap and end within
// GAP_MERGE_TOLERANCE_MS of each other are served as one gap of every kind, their changes summed.

const S = 1_000_000_000n;
const T = BigInt(Date.parse('2023-02-28T13:00:00Z')) * 1_000_000n;

function gap(kind: AuditResourceType, startS: number, endS: number, o: { changes?: number; cluster?: string; cause?: GapCause; lastError?: string } = {}): AuditGap {
  return auditGap({
    cluster: o.cluster ?? 'cluster-one',
    kinds: [kind],
    cause: o.cause ?? 'watch',
    startNs: T + BigInt(startS) * S,
    endNs: T + BigInt(endS) * S + 123_456n,
    changes: o.changes ?? 0,
    ...(o.lastError !== undefined && { lastError: o.lastError }),
  });
}

/** The gaps newest end first, as the stores list them, merged. */
const merged = (...gaps: AuditGap[]): AuditGap[] => mergeGaps(gaps.map((g) => JSON.stringify(g)).sort((a, b) => (JSON.parse(b) as AuditGap).end.localeCompare((JSON.parse(a) as AuditGap).end))).map((g) => JSON.parse(g.json) as AuditGap);

describe('merging the gaps of one outage', () => {
  it('makes one gap of every kind whose relist ended within the tolerance, from the earliest start to the latest end, changes summed', () => {
    const [pods, deployments, statefulsets] = [
      gap('pod', 0, 300, { changes: 4, lastError: 'watch: 410 Gone' }),
      gap('deployment', 2, 320, { changes: 2, lastError: 'watch: connect ECONNREFUSED' }),
      gap('statefulset', 1, 290),
    ];
    expect(merged(pods, deployments, statefulsets)).toEqual([
      auditGap({ cluster: 'cluster-one', kinds: ['deployment', 'statefulset', 'pod'], cause: 'watch', startNs: T, endNs: T + 320n * S + 123_456n, changes: 6, lastError: 'watch: connect ECONNREFUSED' }),
    ]);
  });

  it(`keeps apart gaps ending more than ${GAP_MERGE_TOLERANCE_MS / 1000} s before the newest of the outage`, () => {
    const [late, early] = [gap('deployment', 0, 300), gap('pod', 0, 300 - GAP_MERGE_TOLERANCE_MS / 1000 - 1)];
    expect(merged(late, early)).toEqual([late, early]);
    const justIn = gap('pod', 0, 300 - GAP_MERGE_TOLERANCE_MS / 1000);
    expect(merged(late, justIn).map((g) => g.kinds)).toEqual([['deployment', 'pod']]);
  });

  it('keeps apart gaps whose spans do not overlap, of other clusters, and of another cause', () => {
    const outage = gap('deployment', 100, 130);
    const before = gap('pod', 0, 99);
    const other = gap('pod', 100, 129, { cluster: 'cluster-two' });
    const restart = gap('pod', 100, 129, { cause: 'restart' });
    expect(merged(outage, before, other, restart)).toEqual([outage, other, restart, before]);
  });

  it('serves a gap with no partner as stored, byte for byte', () => {
    const alone = JSON.stringify(gap('daemonset', 0, 10, { changes: 1 }));
    expect(mergeGaps([alone]).map((g) => g.json)).toEqual([alone]);
  });
});
