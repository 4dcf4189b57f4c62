import type { Registry } from 'prom-client';

/** One sample of a metric: its labels and value. */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** Every metric's current samples by name; histograms and summaries by their `_count` and `_sum` only (their buckets say little in a bug report). */
export type MetricsSnapshot = Record<string, MetricSample[]>;

/** What a scrape of `registry` would show, as JSON, for the bug report. */
export async function metricsSnapshot(registry: Registry): Promise<MetricsSnapshot> {
  const out: MetricsSnapshot = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const v of metric.values as { value: number; labels: Record<string, string | number>; metricName?: string }[]) {
      const name = v.metricName ?? metric.name;
      if (name !== metric.name && !name.endsWith('_count') && !name.endsWith('_sum')) continue;
      (out[name] ??= []).push({ labels: v.labels, value: v.value });
    }
  }
  return out;
}
