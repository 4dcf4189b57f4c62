import { expect } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { formatRfc3339Nano, msToNs } from '../../src/time.js';
import { startChild, type ChildServer } from './child.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig } from './fake-kube/index.js';
import { eventually } from './wait-for.js';

// Restart and crash through real processes: the server runs as a child against the fake API
// server, is stopped (SIGTERM) or killed (SIGKILL), the cluster changes while it is down, and a
// new process on the same storage must answer with everything acknowledged before, plus what
// changed meanwhile. Shared by the SQLite and PostgreSQL test files (which run in parallel).

/** How a child reaches one backend: its environment, and where it runs. */
export interface ChildStorage {
  readonly env: Record<string, string>;
  readonly options?: { readonly cwd?: string; readonly unset?: readonly string[] };
}

/** A running child and its base URL. */
export interface Running {
  readonly child: ChildServer;
  readonly url: string;
}

/** Starts the server with the audit on, against `kubeconfig`, and waits until it is ready (watches synced, storage reachable). */
export async function startAudited(kubeconfig: string, storage: ChildStorage, env: Record<string, string> = {}): Promise<Running> {
  const child = startChild({ KUBECONFIG: kubeconfig, COST_EVENTS_AUDIT_ENABLED: 'true', ...storage.env, ...env }, [], storage.options ?? {});
  const url = await child.listening;
  await eventually(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 'the server to be ready');
  return { child, url };
}

/** GET /model/audit/events of a running server. */
export async function auditEvents(url: string, query = ''): Promise<AuditEvent[]> {
  const res = await fetch(`${url}/model/audit/events${query}`);
  if (res.status !== 200) throw new Error(`GET /model/audit/events answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { data: AuditEvent[] }).data;
}

/** Waits until the server holds `n` audit events, and returns them. */
export function eventsOnceThereAre(url: string, n: number): Promise<AuditEvent[]> {
  return eventually(async () => {
    const events = await auditEvents(url);
    return events.length >= n ? events : undefined;
  }, `${n} audit events`);
}

/** An event in short: `add deployment shop/api`, `(detected)` when found by a diff. */
export const line = (e: AuditEvent): string =>
  `${e.eventType} ${e.resourceType} ${e.properties.namespace}/${e.properties.name}${e.detectedAt === undefined ? '' : ' (detected)'}`;

/** SIGTERM, then the server finds a delete and a create made while it was down. */
export async function restartScenario(storage: ChildStorage): Promise<void> {
  const fake = await FakeKubeServer.start();
  const kc = await writeKubeconfig(fake.url);
  try {
    fake.create('deployments', deploymentObject('shop', 'web'));
    const first = await startAudited(kc.path, storage);
    fake.create('deployments', deploymentObject('shop', 'api', 2));
    const before = await eventsOnceThereAre(first.url, 1);
    first.child.proc.kill('SIGTERM');
    expect(await first.child.exited).toBe(0);
    const stoppedAt = Date.now();

    fake.delete('deployments', 'shop', 'web');
    const batch = fake.create('deployments', deploymentObject('shop', 'batch'));
    const second = await startAudited(kc.path, storage);
    const after = await eventsOnceThereAre(second.url, 3);
    second.child.proc.kill('SIGTERM');
    expect(await second.child.exited).toBe(0);

    expect(after.map(line)).toEqual(['delete deployment shop/web (detected)', 'add deployment shop/batch (detected)', 'add deployment shop/api']);
    // What was served before the restart is served after it, unchanged.
    expect(after[2]).toEqual(before[0]);
    // Created while down: stamped with its creation time. Deleted while down: with when it was last seen, at the shutdown.
    expect(after[1]?.timestamp).toBe(formatRfc3339Nano(msToNs(Date.parse(batch.metadata.creationTimestamp))));
    const lastSeen = Date.parse(after[0]!.timestamp);
    expect(lastSeen).toBeGreaterThanOrEqual(Date.parse(before[0]!.timestamp));
    expect(lastSeen).toBeLessThanOrEqual(stoppedAt);
    expect(after[0]).toMatchObject({ properties: { name: 'web' }, totalRequests: { cpu: '100m', memory: '32Mi' }, monthlyCostDelta: -2.4045625000000004 });
  } finally {
    await fake.close();
    await kc.remove();
  }
}

/** SIGKILL after events were served: they are all there after the restart, with what changed meanwhile. */
export async function crashScenario(storage: ChildStorage): Promise<void> {
  const fake = await FakeKubeServer.start();
  const kc = await writeKubeconfig(fake.url);
  try {
    const first = await startAudited(kc.path, storage);
    fake.create('deployments', deploymentObject('shop', 'a1'));
    await eventsOnceThereAre(first.url, 1);
    fake.update('deployments', 'shop', 'a1', (d) => ((d.spec as { replicas: number }).replicas = 3));
    const before = await eventsOnceThereAre(first.url, 2);
    first.child.proc.kill('SIGKILL');
    expect(await first.child.exited).toBe('SIGKILL');

    fake.create('deployments', deploymentObject('shop', 'after-crash'));
    const second = await startAudited(kc.path, storage);
    const after = await eventsOnceThereAre(second.url, 3);
    second.child.proc.kill('SIGTERM');
    expect(await second.child.exited).toBe(0);

    expect(after.map(line)).toEqual(['add deployment shop/after-crash (detected)', 'update deployment shop/a1', 'add deployment shop/a1']);
    expect(after.slice(1)).toEqual(before);
  } finally {
    await fake.close();
    await kc.remove();
  }
}
