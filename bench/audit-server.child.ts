import type { AuditChange } from '../src/audit/audit-change.js';
import type { AuditEvent } from '../src/audit/audit-event.js';
import type { loadConfig as LoadConfig } from '../src/config.js';
import type { kubeConfigClass as KubeConfigClass } from '../src/kube/kube-client.js';
import type { startServer as StartServer } from '../src/server.js';
import { until, withDeadline, type AuditRunEvent, type AuditRunInput, type AuditRunOutput } from './lib/audit-run.js';
import { answerParent } from './lib/child.js';
import { burstProfiler } from './lib/burst-profile.js';
import { compiledModule } from './lib/compiled.js';
import { RssPeak, settledMemory } from './lib/memory.js';
import { cpuMs, spentOn } from './lib/thread-cpu.js';

// The real server, as `cost-events` runs with COST_EVENTS_AUDIT_ENABLED=true STORAGE_URL=memory:
// KUBECONFIG=<the fake's>, in a fresh process (run by audit.bench.ts with --expose-gc) so its
// resident memory is the server's alone: the fake API server lives in the parent. The server is
// the compiled one (`dist/`, run `npm run build` first), as the image runs it; this file's own
// code runs through tsx.

/** How often peak RSS is sampled; a timer, so it reads between list pages and stream chunks. */
const SAMPLE_MS = 25;

answerParent(async (input: AuditRunInput, emit: (event: AuditRunEvent) => void): Promise<AuditRunOutput> => {
  const { loadConfig } = (await import(compiledModule('config.js').href)) as { loadConfig: typeof LoadConfig };
  const { startServer } = (await import(compiledModule('server.js').href)) as { startServer: typeof StartServer };
  // The server loads the Kubernetes client's KubeConfig only when there is a cluster (the build's
  // bundle of it, kube-client.ts): loaded here, before the clock starts, the sync figures stay the
  // sync's work, not module loading.
  const { kubeConfigClass } = (await import(compiledModule('kube/kube-client.js').href)) as { kubeConfigClass: typeof KubeConfigClass };
  await kubeConfigClass();
  // The probe's HTTP client too: Node loads fetch's undici at the first call, and one of V8's
  // worker threads then works for about 150–180 ms of CPU after it returns (the main thread
  // idle; per-thread CPU from /proc). Made after the sync, that fell in the burst's figure: the
  // first call is made here, to the fake API server, before anything is timed.
  await fetch(`${input.serverUrl}/version`).then((res) => res.arrayBuffer());
  const before = settledMemory();
  const peak = new RssPeak();
  const sampler = setInterval(() => peak.sample(), SAMPLE_MS);
  const loaded = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    STORAGE_URL: 'memory:',
    KUBECONFIG: input.kubeconfigPath,
    COST_EVENTS_AUDIT_ENABLED: 'true',
    ...(input.resourceTypes !== undefined && { AUDIT_RESOURCE_TYPES: input.resourceTypes }),
  });
  if (loaded.help) throw new Error('loadConfig asked for help');

  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const server = await startServer(loaded.config, { env: {}, serviceAccountDir: '/nonexistent' });
  const watchers = server.watchers;
  if (watchers === undefined) throw new Error('the server started without audit watchers');
  const published = new PublishedCount();
  // Subscribed after storage (startServer subscribes it first): when this runs, the change is stored.
  server.bus.subscribe('audit', (change) => published.add(change));

  await until(() => watchers.readiness().ready, 'the audit watchers to sync');
  const syncMs = performance.now() - started;
  const syncCpu = process.cpuUsage(cpuStart);
  const atSync = process.memoryUsage();
  peak.sample();
  // What the audit remembers after its first list: one workload per Deployment listed.
  const listed = (await server.storage.workloads.loadWorkloads(loaded.config.clusterId)).get('deployment')?.workloads.length ?? 0;
  const afterSync = settledMemory();
  // The server's first answer of the route (its serializer is compiled then) is not the burst's work either.
  await fetch(`${server.url}/model/audit/events?count=1`).then((res) => res.arrayBuffer());
  const profiler = await burstProfiler('first');
  emit('synced');

  // The burst, then one lone change on the idle watch (the parent sends it once the burst is
  // queryable), then the burst again (once the lone change is).
  const first = await spentOn(withDeadline(published.reach(input.changes), 120_000, `${input.changes} audit changes`));
  await profiler?.stop();
  await becomesQueryable(server.url, first.value, emit);
  await becomesQueryable(server.url, await withDeadline(published.reach(input.changes + 1), 30_000, 'the lone change'), emit);
  // The same burst again: the path's code is compiled now, as in a server that has run a while.
  const againProfiler = await burstProfiler('again');
  const second = await spentOn(withDeadline(published.reach(2 * input.changes + 1), 120_000, `${input.changes} more audit changes`));
  await againProfiler?.stop();
  await becomesQueryable(server.url, second.value, emit);

  peak.sample();
  clearInterval(sampler);
  await server.close();
  return {
    syncMs,
    syncCpuMs: cpuMs(syncCpu),
    burstCpuMs: first.cpuMs,
    againCpuMs: second.cpuMs,
    burstOthersCpuMs: first.othersCpuMs,
    againOthersCpuMs: second.othersCpuMs,
    listed,
    rssAtSyncMB: atSync.rss / 2 ** 20,
    heapUsedAtSyncMB: atSync.heapUsed / 2 ** 20,
    before,
    afterSync,
    peakRssMB: peak.peakMB,
    streamed: published.count,
  };
});

/** Counts the audit changes published and resolves waits for a count, with the change that reached it. */
class PublishedCount {
  count = 0;
  #last: AuditChange | undefined;
  #waiting: { count: number; resolve: (change: AuditChange) => void }[] = [];

  add(change: AuditChange): void {
    this.count++;
    this.#last = change;
    // Runs once per change in the measured process: no array or closure made unless a wait is reached.
    let reached = false;
    for (const w of this.#waiting) {
      if (w.count !== this.count) continue;
      w.resolve(change);
      reached = true;
    }
    if (reached) this.#waiting = this.#waiting.filter((w) => w.count > this.count);
  }

  reach(count: number): Promise<AuditChange> {
    if (count === this.count && this.#last !== undefined) return Promise.resolve(this.#last);
    return new Promise((resolve) => this.#waiting.push({ count, resolve }));
  }
}

/**
 * Emits `priced` (the change is published, so stored), then asks GET /model/audit/events?count=1
 * over real HTTP, as a client would, until it answers `change` as the newest event, and emits `queryable`.
 */
async function becomesQueryable(url: string, change: AuditChange, emit: (event: AuditRunEvent) => void): Promise<void> {
  emit('priced');
  const want = change.event;
  const deadline = performance.now() + 10_000;
  for (;;) {
    const res = await fetch(`${url}/model/audit/events?count=1`);
    const newest = ((await res.json()) as { data: AuditEvent[] }).data[0];
    if (newest?.uid === want.uid && newest.eventType === want.eventType) break;
    if (performance.now() > deadline) throw new Error(`${want.eventType} ${want.uid} is not the newest audit event 10 s after it was published`);
  }
  emit('queryable');
}
