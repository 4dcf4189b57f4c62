import type { Clock, TimerHandle } from '../src/clock.js';
import type { FakeKubeServer } from '../test/support/fake-kube/server.js';
import { createNamespace } from './seed-cluster.js';
import type { DemoWorkload, DemoWorkloads, Requests, Tool } from './workloads.js';

/** The kinds of change the demo makes, in the order of one round. */
export const ROUND = ['new-namespace', 'rollout', 'scale', 'autoscale', 'rollout', 'delete'] as const;

export type ChangeKind = (typeof ROUND)[number];

/** One change made, as the demo prints it. */
export interface DemoChange {
  readonly kind: ChangeKind;
  /** `namespace/name` of the workload changed. */
  readonly workload: string;
  /** One line: what changed, and who changed it. */
  readonly summary: string;
}

/** The workload an HPA scales: its replicas are moved by kube-controller-manager. */
export const AUTOSCALED = { namespace: 'payments', name: 'api' } as const;

const CPUS = ['100m', '200m', '250m', '300m', '500m', '750m', '1'] as const;
const MEMORIES = ['128Mi', '256Mi', '512Mi', '1Gi', '2Gi'] as const;
const NEW_TOOLS: readonly Tool[] = ['helm', 'kubectl-create', 'argocd', 'kubectl'];

/**
 * Makes a realistic change to the demo cluster on every step: a team's namespace and Deployment
 * appear, rollouts change requests and replace pods, kubectl and an HPA scale, a team's namespace
 * is deleted. Each round of {@link ROUND} adds one namespace and deletes one, so the cluster stays
 * the same size however long it runs. Choices come from `random` (seeded), timing from `clock`:
 * the same seed makes the same changes, and a test steps it without waiting.
 */
export class ChangeGenerator {
  readonly #fake: FakeKubeServer;
  readonly #workloads: DemoWorkloads;
  readonly #random: () => number;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #onChange: (change: DemoChange) => void;
  readonly #onError: (err: unknown) => void;
  #round = 0;
  #teams = 0;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(o: {
    fake: FakeKubeServer;
    workloads: DemoWorkloads;
    random: () => number;
    clock: Clock;
    /** Time between two changes once started. */
    intervalMs: number;
    onChange?: (change: DemoChange) => void;
    onError?: (err: unknown) => void;
  }) {
    this.#fake = o.fake;
    this.#workloads = o.workloads;
    this.#random = o.random;
    this.#clock = o.clock;
    this.#intervalMs = o.intervalMs;
    this.#onChange = o.onChange ?? (() => undefined);
    this.#onError = o.onError ?? (() => undefined);
  }

  /** Makes the next change now, and returns it. */
  step(): DemoChange {
    const kind = ROUND[this.#round++ % ROUND.length] ?? 'rollout';
    const change = this.#make(kind);
    this.#onChange(change);
    return change;
  }

  /** Makes a change every `intervalMs` of the clock until stopped. */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const tick = (): void => {
      this.#timer = undefined;
      if (this.#stopped) return;
      try {
        this.step();
      } catch (err) {
        this.#onError(err);
      }
      this.#timer = this.#clock.setTimeout(tick, this.#intervalMs);
    };
    this.#timer = this.#clock.setTimeout(tick, this.#intervalMs);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #make(kind: ChangeKind): DemoChange {
    switch (kind) {
      case 'new-namespace':
        return this.#newTeam();
      case 'rollout':
        return this.#rollout();
      case 'scale':
        return this.#scale();
      case 'autoscale':
        return this.#autoscale();
      case 'delete':
        return this.#deleteTeam();
    }
  }

  #newTeam(): DemoChange {
    const namespace = `team-${++this.#teams}`;
    const tool = this.#pick(NEW_TOOLS);
    createNamespace(this.#fake, namespace);
    const w = this.#workloads.create({
      kind: 'Deployment',
      namespace,
      name: 'app',
      tool,
      release: namespace,
      replicas: 1 + Math.floor(this.#random() * 3),
      requests: { cpu: this.#pick(CPUS), memory: this.#pick(MEMORIES) },
      labels: { team: namespace },
    });
    return change('new-namespace', w, `new namespace ${namespace}: Deployment app, ${w.replicas} × ${w.requests.cpu} CPU, ${w.requests.memory} (${tool})`);
  }

  #rollout(): DemoChange {
    const w = this.#pick(this.#workloads.all);
    const requests = this.#otherRequests(w.requests);
    const from = `${w.requests.cpu}/${w.requests.memory}`;
    this.#workloads.rollout(w, requests);
    return change('rollout', w, `rollout of ${w.kind} ${w.namespace}/${w.name}: requests ${from} → ${requests.cpu}/${requests.memory}, pods replaced (${w.tool})`);
  }

  #scale(): DemoChange {
    const w = this.#pick(this.#workloads.all.filter((x) => x.kind !== 'DaemonSet' && !isAutoscaled(x)));
    const replicas = this.#otherReplicas(w.replicas, 1, 5);
    const from = w.replicas;
    this.#workloads.scale(w, replicas, 'kubectl');
    return change('scale', w, `kubectl scale ${w.kind} ${w.namespace}/${w.name}: ${from} → ${replicas} replicas`);
  }

  #autoscale(): DemoChange {
    const w = this.#workloads.get(AUTOSCALED.namespace, AUTOSCALED.name);
    if (w === undefined) return this.#scale();
    const replicas = this.#otherReplicas(w.replicas, 2, 6);
    const from = w.replicas;
    this.#workloads.scale(w, replicas, 'kube-controller-manager');
    return change('autoscale', w, `HPA scales ${w.kind} ${w.namespace}/${w.name}: ${from} → ${replicas} replicas (kube-controller-manager)`);
  }

  #deleteTeam(): DemoChange {
    const w = this.#workloads.all.find((x) => x.namespace.startsWith('team-'));
    if (w === undefined) return this.#newTeam();
    this.#workloads.delete(w);
    this.#fake.delete('namespaces', undefined, w.namespace);
    return change('delete', w, `namespace ${w.namespace} deleted, with Deployment app and its pods`);
  }

  #pick<T>(from: readonly T[]): T {
    const item = from[Math.floor(this.#random() * from.length)];
    if (item === undefined) throw new Error('the demo has nothing to pick from');
    return item;
  }

  #otherRequests(now: Requests): Requests {
    for (;;) {
      const next = { cpu: this.#pick(CPUS), memory: this.#pick(MEMORIES) };
      if (next.cpu !== now.cpu || next.memory !== now.memory) return next;
    }
  }

  #otherReplicas(now: number, min: number, max: number): number {
    for (;;) {
      const next = min + Math.floor(this.#random() * (max - min + 1));
      if (next !== now) return next;
    }
  }
}

const isAutoscaled = (w: DemoWorkload): boolean => w.namespace === AUTOSCALED.namespace && w.name === AUTOSCALED.name;

const change = (kind: ChangeKind, w: DemoWorkload, summary: string): DemoChange => ({ kind, workload: `${w.namespace}/${w.name}`, summary });
