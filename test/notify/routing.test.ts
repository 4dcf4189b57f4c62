import { describe, expect, it } from 'vitest';
import type { Delivery, Outcome, Sink } from '../../src/notify/delivery.js';
import { MemoryOutbox } from '../../src/notify/memory-outbox.js';
import { Notifier } from '../../src/notify/notifier.js';
import { NotifyConfigError, parseNotifyConfig } from '../../src/notify/notify-config.js';
import { NotifyRouter } from '../../src/notify/notify-router.js';
import type { EtlEvent } from '../../src/events/etl-event.js';
import type { StoreRecord } from '../../src/storage/store.js';
import { ManualClock } from '../support/manual-clock.js';
import { change, config, routed } from './notify-fixtures.js';

// Routing and noise control, through the memory outbox and a recording sink: which changes reach
// which route, bursts grouped into one message, rate caps, and ETL conditions told once, then "resolved".

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const H = 3_600_000;

function harness(yaml: string) {
  const clock = new ManualClock('2024-05-03T08:00:00Z');
  const cfg = config(yaml);
  const outbox = new MemoryOutbox();
  const sent: Delivery[] = [];
  const sink: Sink = { deliver: async (d): Promise<Outcome> => (sent.push(d), { ok: true }), close: () => undefined };
  const notifier = new Notifier({ outbox, clock, config: () => cfg, makeSink: () => sink, owner: 'me', log: quiet });
  const router = new NotifyRouter({ clock, cluster: 'c1', resolutionMs: H, config: () => cfg });
  const write = (records: readonly StoreRecord[]) => {
    for (const r of records) {
      if (r.type === 'notification') outbox.insert(r.row);
      else if (r.type === 'audit' && r.notify !== undefined) outbox.insertAudit(r.audit.event, r.audit.key, r.notify);
    }
  };
  return { clock, outbox, notifier, router, sent, write };
}

const SINK = 'sinks:\n  - {name: ops, type: webhook, url: "http://127.0.0.1:9/x"}\n';
const etl = (kind: string, start: string, end: string, error?: string): EtlEvent =>
  ({ kind, metadata: { window: { start, end }, ...(error !== undefined && { error }) }, time: 1n, cluster: 'c1' }) as EtlEvent;

describe('routes', () => {
  it('match namespaces by glob, event types and a minimum |monthly cost delta|', () => {
    const { router } = harness(`${SINK}routes:
  - name: expensive
    match: {eventTypes: [add, update], namespaces: ["team-*"], minMonthlyCostDelta: 10}
    sinks: [ops]
`);
    const routed = (c: ReturnType<typeof change>) => router.auditNotices(c).length;
    expect(routed(change('a', 43.89, { properties: { namespace: 'team-a' } as never }))).toBe(1);
    expect(routed(change('b', 9.99, { properties: { namespace: 'team-a' } as never }))).toBe(0);
    expect(routed(change('c', 43.89, { properties: { namespace: 'kube-system' } as never }))).toBe(0);
    expect(routed(change('d', -43.89, { eventType: 'delete', properties: { namespace: 'team-a' } as never }))).toBe(0);
    expect(routed(change('e', -12, { eventType: 'update', properties: { namespace: 'team-b' } as never }))).toBe(1);
  });

  it('match a percentage of the previous rate', () => {
    const { router } = harness(`${SINK}routes:
  - {name: jumps, match: {minMonthlyCostDeltaPercent: 50}, sinks: [ops]}
`);
    const update = (delta: number) =>
      change('w', delta, { eventType: 'update', previousCostPrediction: { totalMonthlyRate: 10, cpuMonthlyRate: 10, ramMonthlyRate: 0, gpuMonthlyRate: 0 } });
    expect(router.auditNotices(update(5)).length).toBe(1);
    expect(router.auditNotices(update(4.99)).length).toBe(0);
    expect(router.auditNotices(change('new', 0.01)).length).toBe(1);
  });

  it('match changedBy and source when the event carries them, and nothing when it does not', () => {
    const { router } = harness(`${SINK}routes:
  - {name: helm, match: {sources: [helm], changedBy: ["helm*"]}, sinks: [ops]}
`);
    const withOrigin = change('w', 5, { source: { tool: 'helm', name: 'shop' }, changedBy: { manager: 'helm' } });
    expect(router.auditNotices(withOrigin).length).toBe(1);
    expect(router.auditNotices(change('x', 5)).length).toBe(0);
  });

  it('refuse a file that names an unknown sink, saying where', () => {
    expect(() => parseNotifyConfig(`${SINK}routes:\n  - {name: r, sinks: [nope]}\n`, {})).toThrow(
      new NotifyConfigError("/routes/0/sinks: no sink is named 'nope' (sinks: ops)"),
    );
    expect(() => parseNotifyConfig('sinks: [}', {})).toThrow(/^not YAML/);
  });
});

describe('noise control', () => {
  it('delivers a burst from one Helm release within the interval as one message with the summed delta', async () => {
    const { clock, notifier, router, sent, write } = harness(`${SINK}routes:
  - {name: all, group: 1m, sinks: [ops]}
`);
    const helm = { source: { tool: 'helm' as const, name: 'shop' } };
    write(routed(router, change('web', 20, helm)));
    clock.advance(10_000);
    write(routed(router, change('api', 23.89, helm)));
    write(routed(router, change('other', 1)));
    await notifier.tick();
    expect(sent).toEqual([]);
    clock.advance(50_000);
    await notifier.tick();
    expect(sent.map((d) => [d.messages.length, d.messages.map((m) => m.summary)])).toEqual([
      [2, ['add deployment kubecost/web: +$20.00/month (helm: release shop)', 'add deployment kubecost/api: +$23.89/month (helm: release shop)']],
    ]);
    clock.advance(10_000);
    await notifier.tick();
    expect(sent.map((d) => d.messages.length)).toEqual([2, 1]);
  });

  it('holds back what passes a route\'s rate cap until its next window, spending no attempt', async () => {
    const { clock, notifier, router, sent, write, outbox } = harness(`${SINK}routes:
  - {name: all, rateLimit: {count: 2, per: 1h}, sinks: [ops]}
`);
    for (const n of ['a', 'b', 'c']) write(routed(router, change(n, 5)));
    await notifier.tick();
    expect(sent).toHaveLength(2);
    clock.advance(H - 1);
    await notifier.tick();
    expect(sent).toHaveLength(2);
    // 08:00 + 1 h: the next window.
    clock.advance(1);
    expect(await outbox.stats()).toMatchObject({ pending: 1, dead: 0 });
    await notifier.tick();
    expect(sent).toHaveLength(3);
    expect(sent[2]?.messages[0]?.summary).toBe('add deployment kubecost/c: +$5.00/month');
  });

  it('tells an ETL error once while it lasts, then "resolved" once', async () => {
    const { notifier, router, sent, write } = harness(`${SINK}routes:
  - {name: etl, match: {etl: [ComputeError, ReconcileError, stalled]}, sinks: [ops]}
`);
    write(router.etlRecords(etl('AllocationSetComputeError', '2024-05-03T06:00:00Z', '2024-05-03T07:00:00Z', 'cache not synced')));
    write(router.etlRecords(etl('AllocationSetComputeError', '2024-05-03T06:00:00Z', '2024-05-03T07:00:00Z', 'cache not synced')));
    write(router.etlRecords(etl('AssetSetSaved', '2024-05-03T06:00:00Z', '2024-05-03T07:00:00Z')));
    write(router.etlRecords(etl('AllocationSetSaved', '2024-05-03T06:00:00Z', '2024-05-03T07:00:00Z')));
    write(router.etlRecords(etl('AllocationSetSaved', '2024-05-03T07:00:00Z', '2024-05-03T08:00:00Z')));
    await notifier.tick();
    expect(sent.map((d) => [d.messages[0]?.type, d.messages[0]?.summary])).toEqual([
      ['io.cost-events.etl.compute-error', 'ETL ComputeError (allocation) on c1: AllocationSetComputeError (2024-05-03T06:00:00Z–2024-05-03T07:00:00Z): cache not synced'],
      ['io.cost-events.etl.compute-error.resolved', 'resolved: ETL ComputeError (allocation) on c1'],
    ]);
  });

  it('tells a stalled ETL after the set number of resolutions, once, and its end', async () => {
    const { clock, notifier, router, sent, write } = harness(`${SINK}stalledAfter: 2
routes:
  - {name: etl, match: {etl: [stalled, missingWindows]}, sinks: [ops]}
`);
    clock.advance(2 * H - 1);
    expect(router.stalledRecords()).toEqual([]);
    clock.advance(1);
    write(router.stalledRecords());
    clock.advance(H);
    write(router.stalledRecords());
    write(router.etlRecords(etl('AllocationSetSaved', '2024-05-03T09:00:00Z', '2024-05-03T10:00:00Z')));
    write(router.etlRecords(etl('AllocationSetSaved', '2024-05-03T12:00:00Z', '2024-05-03T13:00:00Z')));
    await notifier.tick();
    expect(sent.map((d) => d.messages[0]?.summary)).toEqual([
      'ETL stalled on c1: no ETL window built since 2024-05-03T08:00:00.000Z (2 × ETL_RESOLUTION)',
      'resolved: ETL stalled on c1',
      'ETL missingWindows (allocation) on c1: 2 allocation window(s) from 2024-05-03T10:00:00.000Z to 2024-05-03T12:00:00Z were not built',
    ]);
  });

  it('keeps a row whose message cannot be made as a dead letter at once, and delivers the others', async () => {
    const { notifier, router, sent, write, outbox } = harness(`${SINK}routes:
  - {name: all, sinks: [ops]}
`);
    outbox.insert({ id: 'broken', cluster: 'c1', route: 'all', sink: 'ops', groupKey: '', createdMs: 0, notBeforeMs: 0, message: '{not json' });
    write(routed(router, change('web', 5)));
    await notifier.tick();
    expect(sent.map((d) => d.messages[0]?.summary)).toEqual(['add deployment kubecost/web: +$5.00/month']);
    expect((await outbox.deadLetters(10)).map((d) => [d.id, d.lastError])).toEqual([['broken', 'its message cannot be made: the audit event it refers to is not stored any more, or the row does not parse']]);
    expect(await outbox.stats()).toMatchObject({ pending: 0, dead: 1 });
  });
});
