import { describe, expect, it } from 'vitest';
import { auditEventId } from '../../src/audit/audit-id.js';
import { systemOccurrence } from '../../src/cloud-eye/system-events.js';
import { auditEvent } from '../support/events.js';

const MS = Date.parse('2023-02-28T13:58:44.552Z');

describe('an audited change as a Cloud Eye system event', () => {
  it('carries who made it and which tool owns the workload in its content, under the audit event id', () => {
    const e = auditEvent('api', { changedBy: 'kube-controller-manager', source: 'autoscaler' });
    const o = systemOccurrence({ source: 'audit', cluster: 'cluster-one', key: 'add/uid-api', timeMs: MS, body: JSON.stringify(e) });
    expect(o.event_id).toBe(auditEventId('cluster-one', 'add/uid-api', MS));
    expect(o.detail.content).toBe(
      '{"totalMonthlyRate":2.4045625000000004,"cpuMonthlyRate":2.3080000000000003,"ramMonthlyRate":0.0965625,"gpuMonthlyRate":0,"monthlyCostDelta":2.4045625000000004,' +
        '"changedBy":{"manager":"kube-controller-manager"},"source":{"tool":"autoscaler"}}',
    );
  });

  it('says a change found by a relist is inferred, with the span it happened in', () => {
    const span = { start: '2023-02-28T13:50:00.000000000Z', end: '2023-02-28T13:58:44.552000000Z' };
    const e = { ...auditEvent('api', { type: 'delete' }), inferred: true as const, span };
    const o = systemOccurrence({ source: 'audit', cluster: 'cluster-one', key: 'delete/uid-api', timeMs: MS, body: JSON.stringify(e) });
    expect(JSON.parse(o.detail.content)).toMatchObject({ inferred: true, span });
  });

  it('keeps the content of an event stored before attribution as it was', () => {
    const o = systemOccurrence({ source: 'audit', cluster: 'cluster-one', key: 'add/uid-api', timeMs: MS, body: JSON.stringify(auditEvent('api')) });
    expect(o.detail.content).toBe('{"totalMonthlyRate":2.4045625000000004,"cpuMonthlyRate":2.3080000000000003,"ramMonthlyRate":0.0965625,"gpuMonthlyRate":0,"monthlyCostDelta":2.4045625000000004}');
  });
});
