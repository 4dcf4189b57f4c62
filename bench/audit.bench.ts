import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deploymentObject, FakeKubeServer, writeKubeconfig } from '../test/support/fake-kube/index.js';
import { makeTestPki } from '../test/support/test-pki.js';
import { AUDIT_SERVER_FLAGS, until, withDeadline, type AuditRunEvent, type AuditRunInput, type AuditRunOutput } from './lib/audit-run.js';
import { runChild } from './lib/child.js';
import { fillDeployments, streamBurst, type BurstTimes } from './lib/fake-cluster.js';
import { compiledModule } from './lib/compiled.js';
import { podNodeFlags } from './lib/pod-node-flags.js';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';
import { median } from './lib/stats.js';

// The audit's Kubernetes path, end to end: the fake API server pre-filled with Deployments, the
// real server (compiled: run `npm run build` first) started as `cost-events` runs (startServer, COST_EVENTS_AUDIT_ENABLED=true,
// STORAGE_URL=memory:, KUBECONFIG to the fake, every other setting at its default, so StatefulSets
// are watched too, an empty list), then a burst of creates and deletes streamed to its watch.
//
// Who runs where: the measured server is a fresh child process (--expose-gc), so its resident
// memory is its own and nothing earlier in the run is in it; every child, the baselines' too,
// starts with the Node flags the image's entrypoint gives in the chart's 512Mi pod (heap and
// semi-space sizes: lib/pod-node-flags.ts), so the server is measured as it runs there; the fake stays in this process,
// where the benchmark drives it directly (fill, create, delete, wait for the socket) and times
// the burst against the child's events. On two cores the fake and the server each get one.
//
// The baseline, in the same kind of fresh process against the same fake: the same list pages
// over node:http, JSON.parse'd and dropped, then the same watch, each line parsed and counted
// (audit-bare.child.ts). The ratio is what the audit adds on top of the network, the fake's own
// serving, and parsing. A second baseline, the same client keeping every object it lists and
// watches by uid (as client-go's informer store does), says how much of that is the cost of
// holding 100,000 objects in the heap at all: the collector's work grows with what is kept.

const PATH = '/apis/apps/v1/deployments';
/** The watch loop's default page size. */
const PAGE_SIZE = 500;
/** Deployments in the fake, per size measured; `BENCH_AUDIT_SIZES=100000` runs one size. */
const SIZES = (process.env['BENCH_AUDIT_SIZES'] ?? '10000,100000').split(',').map((s) => Number(s.replaceAll('_', '')));
if (SIZES.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error(`BENCH_AUDIT_SIZES=${process.env['BENCH_AUDIT_SIZES']}: expected a comma list of positive integers`);
/**
 * `AUDIT_RESOURCE_TYPES` of the measured server (default: the server's own default); e.g.
 * `deployment,statefulset,daemonset,pod` also audits the kinds the ETL watches (Nodes, Pods).
 */
const RESOURCE_TYPES = process.env['BENCH_AUDIT_RESOURCE_TYPES'];
/**
 * `BENCH_AUDIT_TLS=1`: the fake serves HTTPS, as every real API server does, with a CA the real
 * openssl makes for the run; the server trusts it from its kubeconfig, the bare client (and the
 * server's probe) through NODE_EXTRA_CA_CERTS. Both sides then pay TLS on the same bytes.
 */
const TLS = process.env['BENCH_AUDIT_TLS'] === '1';
/** Streamed after each sync: half creates, then the same objects deleted. */
const CHANGES = 20_000;
const MB = 2 ** 20;

/** Children per side and size, the sides' order reversed every round; each figure is the median. */
const ROUNDS = 3;

/** The measured server, the bare client, and the bare client keeping what it watches. */
type Side = 'server' | 'bare' | 'keeping';
const SIDES: readonly Side[] = ['bare', 'keeping', 'server'];
const SIDE_NAMES: Readonly<Record<Side, string>> = {
  server: 'server (startServer)',
  bare: 'baseline (bare list + watch)',
  keeping: 'baseline keeping what it watches',
};

const n = (x: number): string => x.toLocaleString('en-US');

/** What one child run gives, as timed on both sides. */
interface Figures {
  readonly syncMs: number;
  readonly syncCpuMs: number;
  readonly rssAtSyncMB: number;
  readonly peakRssMB: number;
  readonly rssBeforeMB: number;
  /** Settled heap after the sync minus before the start: what the sync keeps. */
  readonly heapKeptMB: number;
  /** Settled heap after the sync: what the old space's cap is measured against. */
  readonly heapSettledMB: number;
  /** Changes per second from the first change made to the child reporting all of them priced (or parsed). */
  readonly changesPerSecond: number;
  /** From the last change handed to the kernel to the child finding it queryable (or parsed). */
  readonly lastToQueryableMs: number;
  /** The same for one change sent on the idle watch after the burst. */
  readonly loneToQueryableMs: number;
  /** CPU time of the child's process per change of the burst. */
  readonly cpuUsPerChange: number;
  /** Of `cpuUsPerChange`, the threads other than the main one (V8's compiler, parallel scavenges); NaN without /proc. */
  readonly othersUsPerChange: number;
  /** The same for the second burst, the path's code compiled by then. */
  readonly againCpuUsPerChange: number;
  readonly againOthersUsPerChange: number;
  /** From the second burst's last change handed to the kernel to the child finding it queryable. */
  readonly againLastToQueryableMs: number;
  /** How long the fake took to send the burst: as long as the reader made it wait. */
  readonly burstSendMs: number;
  /** Watch requests the fake received over the run, of every kind (the server's audit and ETL; the baseline's one). */
  readonly watchesOpened: number;
}

/** How long the watch is left idle after the burst before the lone change: nothing else is in flight then. */
const LONE_AFTER_MS = 200;

/** The entrypoint's flags in the chart's pod, found once per run. */
let podFlags: readonly string[] | undefined;

async function runOne(which: Side, fake: FakeKubeServer, input: AuditRunInput, tag: string, env: Readonly<Record<string, string>>): Promise<Figures> {
  const at: Record<AuditRunEvent, number[]> = { synced: [], priced: [], queryable: [] };
  let burst: Promise<BurstTimes> | undefined;
  let lone: Promise<number> | undefined;
  let again: Promise<BurstTimes> | undefined;
  const startBurst = async (): Promise<BurstTimes> => {
    // The watch opens right after the list; the burst starts once it is there to read it.
    await until(() => fake.openWatches('deployments') > 0, 'a watch of Deployments to open', 30_000);
    return streamBurst(fake, input.changes, tag);
  };
  const sendLone = async (): Promise<number> => {
    await sleep(LONE_AFTER_MS);
    fake.create('deployments', deploymentObject('lone', tag));
    await fake.watchesFlushed('deployments');
    return performance.now();
  };
  podFlags ??= podNodeFlags();
  const execArgv = ['--expose-gc', ...podFlags, ...(which === 'server' ? AUDIT_SERVER_FLAGS : [])];
  fake.clearRequests();
  let out: AuditRunOutput;
  try {
    const child = which === 'server' ? 'server' : 'bare';
    out = (await runChild(new URL(`./audit-${child}.child.ts`, import.meta.url), which === 'keeping' ? { ...input, keep: true } : input, {
      execArgv,
      env,
      onEvent: (raw) => {
        const event = raw as AuditRunEvent;
        at[event].push(performance.now());
        // Failures of either surface below, once the child has answered (it gives up on its own deadlines).
        if (event === 'synced') (burst = startBurst()).catch(() => undefined);
        if (event === 'queryable' && at.queryable.length === 1) (lone = sendLone()).catch(() => undefined);
        // The same burst once more, on the watch that is idle again: the path's code is compiled by now.
        if (event === 'queryable' && at.queryable.length === 2) (again = streamBurst(fake, input.changes, `${tag}-again`)).catch(() => undefined);
      },
    })) as AuditRunOutput;
  } finally {
    if (fake.get('deployments', 'lone', tag) !== undefined) fake.delete('deployments', 'lone', tag);
  }
  if (out.listed !== input.objects) throw new Error(`${which}: the list delivered ${out.listed} Deployments, expected ${input.objects}`);
  if (out.streamed !== 2 * input.changes + 1) throw new Error(`${which}: ${out.streamed} changes received, expected ${2 * input.changes + 1}`);
  if (burst === undefined || lone === undefined || again === undefined) throw new Error(`${which}: the child did not report the burst synced and queryable`);
  const times = await withDeadline(burst, 10_000, 'the burst to finish');
  const loneSentAt = await withDeadline(lone, 10_000, 'the lone change to be sent');
  const againTimes = await withDeadline(again, 10_000, 'the second burst to finish');
  const [priced, loneQueryable, againQueryable] = [at.priced[0], at.queryable[1], at.queryable[2]];
  const queryable = at.queryable[0];
  if (priced === undefined || queryable === undefined || loneQueryable === undefined || againQueryable === undefined) throw new Error(`${which}: the child did not report every change priced and queryable`);
  return {
    syncMs: out.syncMs,
    syncCpuMs: out.syncCpuMs,
    cpuUsPerChange: (out.burstCpuMs * 1000) / input.changes,
    othersUsPerChange: ((out.burstOthersCpuMs ?? Number.NaN) * 1000) / input.changes,
    againCpuUsPerChange: (out.againCpuMs * 1000) / input.changes,
    againOthersUsPerChange: ((out.againOthersCpuMs ?? Number.NaN) * 1000) / input.changes,
    againLastToQueryableMs: againQueryable - againTimes.lastSentAt,
    rssAtSyncMB: out.rssAtSyncMB,
    peakRssMB: out.peakRssMB,
    rssBeforeMB: out.before.rssMB,
    heapKeptMB: out.afterSync.heapUsedMB - out.before.heapUsedMB,
    heapSettledMB: out.afterSync.heapUsedMB,
    changesPerSecond: input.changes / ((priced - times.startedAt) / 1000),
    lastToQueryableMs: queryable - times.lastSentAt,
    loneToQueryableMs: loneQueryable - loneSentAt,
    burstSendMs: times.lastSentAt - times.startedAt,
    watchesOpened: fake.requests.filter((r) => r.verb === 'watch').length,
  };
}

/** Each figure's median over the runs, and its range for the notes. */
interface Summary {
  readonly median: Figures;
  range(key: keyof Figures, digits?: number): string;
}

function summarise(runs: readonly Figures[]): Summary {
  const keys = Object.keys(runs[0]!) as (keyof Figures)[];
  const med = Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as Figures;
  return {
    median: med,
    range: (k, digits = 0) => {
      const values = runs.map((r) => r[k]);
      return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
    },
  };
}

/** Fills a fake with `objects` Deployments and runs both sides `ROUNDS` times against it. */
async function measureSize(objects: number): Promise<Record<Side, Summary>> {
  const pki = TLS ? await makeTestPki() : undefined;
  const fake = await FakeKubeServer.start(pki === undefined ? {} : { tls: pki.server });
  const kubeconfig = await writeKubeconfig(fake.url, undefined, pki === undefined ? {} : { ca: pki.ca });
  const caPath = join(dirname(kubeconfig.path), 'ca.crt');
  if (pki !== undefined) await writeFile(caPath, pki.ca);
  const env: Record<string, string> = pki === undefined ? {} : { NODE_EXTRA_CA_CERTS: caPath };
  try {
    progress(`audit: filling the fake API server${TLS ? ' (HTTPS)' : ''} with ${n(objects)} Deployments`);
    fillDeployments(fake, objects, 'app');
    const input: AuditRunInput = {
      kubeconfigPath: kubeconfig.path,
      serverUrl: fake.url,
      path: PATH,
      pageSize: PAGE_SIZE,
      objects,
      changes: CHANGES,
      ...(RESOURCE_TYPES !== undefined && { resourceTypes: RESOURCE_TYPES }),
    };
    const runs: Record<Side, Figures[]> = { server: [], bare: [], keeping: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Reversing the order every round spreads any drift of the machine over every side.
      const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
      for (const which of order) {
        progress(`audit: ${n(objects)} Deployments, ${SIDE_NAMES[which]} in a child process, round ${round + 1} of ${ROUNDS}`);
        const f = await runOne(which, fake, input, `burst-${which}-${round}`, env);
        progress(
          `  sync ${f.syncMs.toFixed(0)} ms (CPU ${f.syncCpuMs.toFixed(0)} ms), RSS at sync ${f.rssAtSyncMB.toFixed(0)} MB (heap settled ${f.heapSettledMB.toFixed(0)} MB), burst ${f.changesPerSecond.toFixed(0)} changes/s (CPU ${f.cpuUsPerChange.toFixed(1)} µs each), ` +
            `last → queryable ${f.lastToQueryableMs.toFixed(1)} ms, lone change → queryable ${f.loneToQueryableMs.toFixed(2)} ms, ${f.watchesOpened} watches opened`,
        );
        runs[which].push(f);
      }
    }
    return { server: summarise(runs.server), bare: summarise(runs.bare), keeping: summarise(runs.keeping) };
  } finally {
    await fake.close();
    await kubeconfig.remove();
  }
}

function sizeRows(objects: number, server: Summary, bare: Summary, keeping: Summary): Result[] {
  const size = n(objects);
  const heavy = objects === Math.max(...SIZES);
  const s = server.median;
  const b = bare.median;
  const k = keeping.median;
  return [
    {
      figure: `initial sync, ${size} Deployments`,
      value: s.syncMs,
      unit: 'ms',
      baseline: b.syncMs,
      ...(heavy && { goal: { on: 'value', op: '<=', limit: 5_000 } as const }),
      note:
        `sync of ${size}: server from startServer() to the watchers reporting synced (${Math.ceil(objects / PAGE_SIZE)} pages of ${PAGE_SIZE}, ` +
        `every Deployment reduced, priced and remembered), ${server.range('syncMs')} ms over ${ROUNDS} runs; baseline: the same pages ` +
        `over node:http, parsed and dropped, ${bare.range('syncMs')} ms`,
    },
    {
      figure: `initial sync, ${size} Deployments, CPU time`,
      value: s.syncCpuMs,
      unit: 'ms',
      baseline: b.syncCpuMs,
      note:
        `sync CPU of ${size}: user + system time of the child's process (every thread: GC, network) over the sync; steadier than ` +
        `wall time on a shared machine, ${server.range('syncCpuMs')} ms (baseline ${bare.range('syncCpuMs')} ms)`,
    },
    {
      figure: `RSS at sync, ${size} Deployments`,
      value: s.rssAtSyncMB,
      unit: 'MB',
      baseline: b.rssAtSyncMB,
      ...(heavy && { goal: { on: 'value', op: '<=', limit: 500 } as const }),
      note:
        `RSS at sync of ${size}: read at the moment of sync, no forced GC, ${server.range('rssAtSyncMB')} MB; the server's process held ` +
        `${s.rssBeforeMB.toFixed(0)} MB settled before starting (Node, the tsx loader and the modules loaded; ${b.rssBeforeMB.toFixed(0)} MB ` +
        `for the baseline's); peak over sync and burst ${s.peakRssMB.toFixed(0)} MB (baseline ${b.peakRssMB.toFixed(0)} MB)`,
    },
    {
      figure: `burst after ${size}: changes/s priced`,
      value: s.changesPerSecond,
      unit: 'changes/s',
      baseline: b.changesPerSecond,
      goal: { on: 'value', op: '>=', limit: 10_000 },
      note:
        `burst after ${size}: ${n(CHANGES / 2)} creates then ${n(CHANGES / 2)} deletes, from the first change made in the fake to the ` +
        `server's ${n(CHANGES)}th audit change published (priced, stored), ${server.range('changesPerSecond')}/s; the fake sends as fast ` +
        `as the watch reads (it waits for its socket every 100 changes; sending took ${s.burstSendMs.toFixed(0)} ms to the server, ` +
        `${b.burstSendMs.toFixed(0)} ms to the baseline); baseline: the same watch over node:http, each line parsed and counted`,
    },
    {
      figure: `watches opened, ${size} Deployments`,
      value: s.watchesOpened,
      unit: 'watches',
      baseline: b.watchesOpened,
      note:
        `watches opened with ${size}: watch requests the fake API server received over the run, every kind (the audit's ` +
        `${RESOURCE_TYPES ?? 'default kinds'}, the ETL cache's five, Predict's Nodes; one per kind when they share informers); baseline: its one watch`,
    },
    {
      figure: `burst after ${size}: CPU time per change`,
      value: s.cpuUsPerChange,
      unit: 'µs',
      baseline: b.cpuUsPerChange,
      note:
        `burst CPU after ${size}: the child's CPU time from synced to the burst's last change priced (or parsed), per change, ${server.range('cpuUsPerChange', 1)} µs; ` +
        `of which threads other than the main one (V8 optimizing the path, parallel scavenges) ${s.othersUsPerChange.toFixed(1)} µs (baseline ${b.othersUsPerChange.toFixed(1)} µs)`,
    },
    {
      figure: `burst after ${size}: CPU time per change vs a bare client keeping what it watches`,
      value: s.cpuUsPerChange,
      unit: 'µs',
      baseline: k.cpuUsPerChange,
      note:
        `burst CPU after ${size}, second baseline: the bare client also keeping every object it listed and watched, as parsed, by uid ` +
        `(client-go's informer store), ${keeping.range('cpuUsPerChange', 1)} µs per change against ${bare.range('cpuUsPerChange', 1)} µs keeping ` +
        `nothing; RSS at sync ${k.rssAtSyncMB.toFixed(0)} MB against ${b.rssAtSyncMB.toFixed(0)} MB: what holding the objects costs the collector`,
    },
    {
      figure: `burst after ${size}: last change sent → queryable`,
      value: s.lastToQueryableMs,
      unit: 'ms',
      baseline: b.lastToQueryableMs,
      note:
        `last change → queryable after ${size}: from the fake handing the last DELETED to the kernel (socket buffers may still hold ` +
        `earlier changes) to GET /model/audit/events?count=1 (real HTTP, from the server's process) answering it as the newest event, ` +
        `${server.range('lastToQueryableMs', 1)} ms; baseline: to the bare client parsing that line` +
        (TLS ? ' (over TLS the fake learns its write was handed on after the TLS layer did, so the baseline can read 0 or below)' : ''),
    },
    {
      figure: `second burst after ${size}: CPU time per change`,
      value: s.againCpuUsPerChange,
      unit: 'µs',
      baseline: b.againCpuUsPerChange,
      note:
        `second burst after ${size}: the same ${n(CHANGES)} changes again, sent once the lone change below is queryable, in the same ` +
        `process: the path's code is compiled by then (the first burst's figure includes V8 compiling it, on its worker threads), ` +
        `${server.range('againCpuUsPerChange', 1)} µs (baseline ${bare.range('againCpuUsPerChange', 1)} µs); of which threads other than ` +
        `the main one ${s.againOthersUsPerChange.toFixed(1)} µs (baseline ${b.againOthersUsPerChange.toFixed(1)} µs)`,
    },
    {
      figure: `first burst after ${size} vs the second: server CPU per change`,
      value: s.cpuUsPerChange,
      unit: 'µs',
      baseline: s.againCpuUsPerChange,
      note:
        `first vs second burst after ${size}: what the server's first burst costs beyond the same changes once its path is compiled, ` +
        `once per process (V8 compiling the path on other threads: ${s.othersUsPerChange.toFixed(1)} against ` +
        `${s.againOthersUsPerChange.toFixed(1)} µs per change; on the main thread ${(s.cpuUsPerChange - s.othersUsPerChange).toFixed(1)} against ` +
        `${(s.againCpuUsPerChange - s.againOthersUsPerChange).toFixed(1)} µs, running the path before it is optimized); the bare client's ` +
        `two bursts: ${b.cpuUsPerChange.toFixed(1)} and ${b.againCpuUsPerChange.toFixed(1)} µs`,
    },
    {
      figure: `second burst after ${size}: last change sent → queryable`,
      value: s.againLastToQueryableMs,
      unit: 'ms',
      baseline: b.againLastToQueryableMs,
      note: `second burst after ${size}: timed as the first burst's, ${server.range('againLastToQueryableMs', 1)} ms`,
    },
    {
      figure: `one change on the idle watch after ${size}: sent → queryable`,
      value: s.loneToQueryableMs,
      unit: 'ms',
      baseline: b.loneToQueryableMs,
      note:
        `one change after ${size}: a create sent ${LONE_AFTER_MS} ms after the burst was queryable, nothing else in flight, timed as ` +
        `the burst's last change, ${server.range('loneToQueryableMs', 2)} ms; the difference from the row above is the burst's backlog`,
    },
  ];
}

export default {
  name: 'audit',
  async run() {
    // The server child runs the compiled server: say so before filling a fake, not in a child's stack.
    compiledModule('server.js');
    const measured = [];
    for (const objects of SIZES) measured.push({ objects, ...(await measureSize(objects)) });
    // Over TLS every figure says so, so a table of both runs cannot mix them up.
    const results = measured.flatMap((m) => sizeRows(m.objects, m.server, m.bare, m.keeping)).map((r) => (TLS ? { ...r, figure: `${r.figure} (TLS)` } : r));
    // Per Deployment, as the slope between the two sizes: fixed costs (code, caches) cancel out.
    const [small, large] = [measured[0]!, measured[measured.length - 1]!];
    if (small.objects === large.objects) return results;
    const slope = (s: Summary, t: Summary): number => ((t.median.heapKeptMB - s.median.heapKeptMB) * MB) / (large.objects - small.objects);
    results.push({
      figure: 'heap kept per Deployment after sync',
      value: slope(small.server, large.server),
      unit: 'bytes',
      note:
        `heap kept: settled heap after the sync minus before the start, as the slope from ${n(small.objects)} to ${n(large.objects)} ` +
        `Deployments (${small.server.median.heapKeptMB.toFixed(1)} → ${large.server.median.heapKeptMB.toFixed(1)} MB): the detector's ` +
        `reduced workload and the remembered state the store holds (the baseline's slope: ${slope(small.bare, large.bare).toFixed(0)} bytes)`,
    });
    return results;
  },
} satisfies Benchmark;
