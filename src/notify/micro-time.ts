/** Kubernetes' MicroTime: RFC 3339 in UTC with six fractional digits (`2024-05-03T08:00:00.123000Z`). */
export function formatRfc3339Micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
