import type { AuditOutput } from '../src/audit/audit-change.js';
import { ChangeDetector } from '../src/audit/change-detector.js';
import { PricingQueue } from '../src/audit/pricing-queue.js';
import { trackChange, type TrackedWorkload } from '../src/audit/tracked-workload.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { DEFAULT_PRICE_SHEET } from '../src/cost/price-sheet.js';
import { createRequestsPredictor } from '../src/cost/requests-predictor.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import type { WatchEventType } from '../src/kube/watch-types.js';
import { startServer } from '../src/server.js';
import { deploymentObject, FakeKubeServer } from '../test/support/fake-kube/index.js';
import { answerParent } from './lib/child.js';
import { collectGarbage } from './lib/memory.js';
import { fillDeployments, namespaceOf } from './lib/fake-cluster.js';
import { median } from './lib/stats.js';

// The audit's own part of a change, without the network: watch lines made by the fake API
// server (never started: its objects carry the uid, resourceVersion and creation time a real
// one sends) go through JSON.parse, then the audit's reduction, then its change detector
// (pricing with the `requests` predictor, the event and its id), then the bus of a real server
// (memory storage, metrics). Each stage has detectors of its own, each synced with the same
// Deployments, and the stages take turns over chunks of the same lines, so a drift of the
// machine falls on all of them alike. What audit.bench.ts's server does besides: the socket, the
// line splitter, the watch loop and the informer's delivery.

/** What the parent asks: how many Deployments are known before the bursts, and how many rounds. */
export interface AuditPathInput {
  readonly known: number;
  readonly changes: number;
  readonly rounds: number;
}

export const STAGES = ['parse', 'reduce', 'detect', 'store'] as const;
export type Stage = (typeof STAGES)[number];

/** Median CPU µs per change of each stage (each includes the ones before it), and every round's figure. */
export type AuditPathOutput = Record<Stage, { readonly median: number; readonly rounds: readonly number[] }>;

/** Changes a stage handles before the next stage takes its turn. */
const CHUNK = 500;

interface Pipeline {
  readonly detector: ChangeDetector;
  readonly transform: (obj: KubeObject, event?: WatchEventType) => TrackedWorkload;
}

answerParent(async (input: AuditPathInput): Promise<AuditPathOutput> => {
  // Listening but never asked: its objects are made and read here.
  const fake = await FakeKubeServer.start();
  fillDeployments(fake, input.known, 'app');
  const listed = fake.store.list(fake.resource('deployments')).map((o) => JSON.stringify(o));

  const loaded = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true' });
  if (loaded.help) throw new Error('loadConfig asked for help');
  const server = await startServer(loaded.config, { env: {}, serviceAccountDir: '/nonexistent' });
  const { bus } = server;
  const clock = systemClock();
  const predictor = createRequestsPredictor(DEFAULT_PRICE_SHEET);

  // As audit-feature.ts and audit-watchers.ts wire one kind; `store` publishes to the server's bus.
  const pipeline = (stage: Stage): Pipeline => {
    const publish =
      stage === 'store'
        ? (o: AuditOutput) => ('change' in o ? bus.publish('audit', o.change) : 'gap' in o ? bus.publish('auditGaps', o.gap) : bus.publish('workloads', o.state))
        : () => undefined;
    const queue = new PricingQueue<AuditOutput>(publish, (err) => {
      throw err;
    });
    const detector = new ChangeDetector({ resourceType: 'deployment', cluster: loaded.config.clusterId, clock, predictor, overflowPredictor: predictor, queue });
    const ctx = { schedulableNodes: () => 0 };
    const transform = trackChange('deployment', (uid) => detector.kept(uid), ctx);
    detector.onSync(
      listed.map((text) => transform(JSON.parse(text) as KubeObject)),
      { initial: true },
    );
    return { detector, transform };
  };
  const pipelines = Object.fromEntries(STAGES.map((s) => [s, pipeline(s)])) as Record<Stage, Pipeline>;
  listed.length = 0;

  let sink = 0;
  const runChunk = (stage: Stage, lines: readonly string[], from: number): number => {
    const { detector, transform } = pipelines[stage];
    const start = process.cpuUsage();
    for (let i = from; i < from + CHUNK && i < lines.length; i++) {
      const event = JSON.parse(lines[i]!) as { type: WatchEventType; object: KubeObject };
      if (stage === 'parse') {
        sink += event.type.length;
        continue;
      }
      const w = transform(event.object, event.type);
      if (stage === 'reduce') sink += w.uid.length;
      else if (event.type === 'ADDED') detector.onAdded(w);
      else detector.onDeleted(w);
    }
    const used = process.cpuUsage(start);
    return used.user + used.system;
  };

  const rounds: Record<Stage, number[]> = { parse: [], reduce: [], detect: [], store: [] };
  // One warm-up round, not counted, then the measured ones.
  for (let round = 0; round <= input.rounds; round++) {
    const lines = burstLines(fake, input.changes, `burst-${round}`);
    // The lines (and the fake's new objects) were just made, so the first scavenges of the round
    // would copy them, 10–30 ms each, charged to whichever stage ran then: promoted first, a
    // round's collections are its stages' own garbage.
    collectGarbage();
    const cpu: Record<Stage, number> = { parse: 0, reduce: 0, detect: 0, store: 0 };
    for (let from = 0, turn = 0; from < lines.length; from += CHUNK, turn++) {
      for (const stage of turn % 2 === 0 ? STAGES : [...STAGES].reverse()) cpu[stage] += runChunk(stage, lines, from);
    }
    if (round > 0) for (const stage of STAGES) rounds[stage].push(cpu[stage] / lines.length);
  }
  await server.close();
  await fake.close();
  if (sink === 0) throw new Error('nothing was parsed');
  return Object.fromEntries(STAGES.map((s) => [s, { median: median(rounds[s]), rounds: rounds[s] }])) as unknown as AuditPathOutput;
});

/** The watch lines of `changes / 2` creates then their deletes, as the fake streams them (audit.bench.ts's burst). */
function burstLines(fake: FakeKubeServer, changes: number, prefix: string): string[] {
  const half = Math.floor(changes / 2);
  const added: string[] = [];
  const deleted: string[] = [];
  for (let i = 0; i < half; i++) {
    const namespace = namespaceOf(i);
    const name = `${prefix}-${i}`;
    added.push(JSON.stringify({ type: 'ADDED', object: fake.create('deployments', deploymentObject(namespace, name, 1 + (i % 5))) }));
  }
  for (let i = 0; i < half; i++) {
    deleted.push(JSON.stringify({ type: 'DELETED', object: fake.delete('deployments', namespaceOf(i), `${prefix}-${i}`) }));
  }
  return [...added, ...deleted];
}
