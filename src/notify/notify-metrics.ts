import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeliveryOutcome } from './notifier.js';
import type { OutboxStats } from './outbox.js';

/** The notification metrics: attempts by outcome (fed as they end), the outbox read at scrape time. */
export function registerNotifyMetrics(registry: Registry, stats: () => Promise<OutboxStats>, nowMs: () => number): (sink: string, route: string, outcome: DeliveryOutcome, n: number) => void {
  const registers = [registry];
  const total = new Counter({
    name: 'cost_events_notifications_total',
    help: 'Notification attempts by sink, route and outcome: delivered, failed (an attempt that failed), retried (scheduled again), dead (kept as a dead letter).',
    labelNames: ['sink', 'route', 'outcome'] as const,
    registers,
  });
  // One read of the outbox per scrape feeds the three gauges.
  let read: Promise<OutboxStats> | undefined;
  const once = (): Promise<OutboxStats> => {
    read ??= stats().finally(() => queueMicrotask(() => (read = undefined)));
    return read;
  };
  new Gauge({
    name: 'cost_events_notify_outbox_pending',
    help: 'Notifications in the outbox waiting or being delivered (leased).',
    registers,
    async collect() {
      this.set((await once()).pending);
    },
  });
  new Gauge({
    name: 'cost_events_notify_oldest_pending_seconds',
    help: 'Age of the oldest notification waiting in the outbox, in seconds (0 when none).',
    registers,
    async collect() {
      const oldest = (await once()).oldestCreatedMs;
      this.set(oldest === null ? 0 : Math.max(0, (nowMs() - oldest) / 1000));
    },
  });
  new Gauge({
    name: 'cost_events_notify_dead_letters',
    help: 'Notifications kept as dead letters (their last attempt failed or was refused).',
    registers,
    async collect() {
      this.set((await once()).dead);
    },
  });
  return (sink, route, outcome, n) => total.inc({ sink, route, outcome }, n);
}
