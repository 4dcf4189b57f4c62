import type { FakeWrite } from '../test/support/fake-kube/managed-fields.js';
import { persistentVolumeClaimObject, persistentVolumeObject } from '../test/support/fake-kube/objects.js';
import type { FakeKubeServer } from '../test/support/fake-kube/server.js';
import type { NewFakeObject } from '../test/support/fake-kube/types.js';

// The demo's workloads as a controller manager would keep them in a real cluster: a Deployment
// owns a ReplicaSet per pod template (named <deployment>-<pod-template-hash>) whose pods carry the
// hash; a StatefulSet's pods are <name>-<ordinal>; a DaemonSet runs one pod per node. The fake API
// server stores objects only, so this module plays the controllers' part.

/** Which tool owns a workload: its markers, and the field manager that writes its spec. */
export type Tool = 'helm' | 'argocd' | 'kubectl' | 'kubectl-create';

/** Container requests as Kubernetes quantities. */
export interface Requests {
  readonly cpu: string;
  readonly memory: string;
}

/** A workload the demo made, and what its controller made for it. */
export interface DemoWorkload {
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  readonly namespace: string;
  readonly name: string;
  readonly tool: Tool;
  readonly labels: Readonly<Record<string, string>>;
  replicas: number;
  requests: Requests;
  /** The current pod-template-hash (Deployments). */
  hash: string;
  /** Names of its pods now. */
  pods: string[];
  /** Claims of a StatefulSet's pods, by ordinal (`data-<name>-<ordinal>`). */
  readonly claims: boolean;
}

const PLURAL = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' } as const;

/** The field manager each tool writes with, and the operation. */
export function writerOf(tool: Tool): FakeWrite {
  switch (tool) {
    case 'helm':
      return { manager: 'helm' };
    case 'argocd':
      return { manager: 'argocd-controller', operation: 'Apply' };
    case 'kubectl':
      return { manager: 'kubectl-client-side-apply' };
    case 'kubectl-create':
      return { manager: 'kubectl-create' };
  }
}

/** Labels and annotations each tool leaves on what it manages, as source detection reads them. */
function markers(w: Pick<DemoWorkload, 'kind' | 'namespace' | 'name' | 'tool'>, release: string): { labels: Record<string, string>; annotations: Record<string, string> } {
  switch (w.tool) {
    case 'helm':
      return {
        labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': release },
        annotations: { 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': w.namespace },
      };
    case 'argocd':
      return { labels: {}, annotations: { 'argocd.argoproj.io/tracking-id': `${release}:apps/${w.kind}:${w.namespace}/${w.name}` } };
    case 'kubectl':
      return { labels: {}, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"kind":"${w.kind}","metadata":{"name":"${w.name}","namespace":"${w.namespace}"}}\n` } };
    case 'kubectl-create':
      return { labels: {}, annotations: {} };
  }
}

function template(w: DemoWorkload, extraLabels: Record<string, string> = {}): Record<string, unknown> {
  return {
    metadata: { labels: { ...w.labels, ...extraLabels } },
    spec: { containers: [{ name: 'app', image: `registry.example.com/${w.name}:1.4.2`, resources: { requests: { ...w.requests } } }] },
  };
}

/** The controllers' part: creates, rolls out, scales and deletes workloads with their pods. */
export class DemoWorkloads {
  readonly #fake: FakeKubeServer;
  readonly #now: () => number;
  readonly #suffix: () => string;
  readonly #nodes: readonly string[];
  readonly #all = new Map<string, DemoWorkload>();
  #nextNode = 0;

  constructor(o: { fake: FakeKubeServer; now: () => number; suffix: () => string; nodes: readonly string[] }) {
    this.#fake = o.fake;
    this.#now = o.now;
    this.#suffix = o.suffix;
    this.#nodes = o.nodes;
  }

  /** Every workload alive, in the order made. */
  get all(): DemoWorkload[] {
    return [...this.#all.values()];
  }

  get(namespace: string, name: string): DemoWorkload | undefined {
    return this.#all.get(`${namespace}/${name}`);
  }

  /** Creates a workload as its tool would, and its ReplicaSet and pods as the controllers would. */
  create(spec: { kind: DemoWorkload['kind']; namespace: string; name: string; tool: Tool; replicas?: number; requests: Requests; labels?: Record<string, string>; release?: string; claims?: boolean }): DemoWorkload {
    const w: DemoWorkload = {
      kind: spec.kind,
      namespace: spec.namespace,
      name: spec.name,
      tool: spec.tool,
      labels: { app: spec.name, ...spec.labels },
      replicas: spec.kind === 'DaemonSet' ? this.#nodes.length : (spec.replicas ?? 1),
      requests: spec.requests,
      hash: spec.kind === 'Deployment' ? this.#suffix() : '',
      pods: [],
      claims: spec.claims ?? false,
    };
    const m = markers(w, spec.release ?? spec.namespace);
    const spec_: Record<string, unknown> = { selector: { matchLabels: { app: w.name } }, template: template(w) };
    if (w.kind !== 'DaemonSet') spec_['replicas'] = w.replicas;
    if (w.kind === 'StatefulSet') spec_['serviceName'] = w.name;
    const obj: NewFakeObject = {
      metadata: { name: w.name, namespace: w.namespace, labels: { ...w.labels, ...m.labels }, annotations: m.annotations },
      spec: spec_,
      status: this.#status(w),
    };
    this.#fake.create(PLURAL[w.kind], obj, writerOf(w.tool));
    this.#all.set(`${w.namespace}/${w.name}`, w);
    if (w.kind === 'Deployment') this.#createReplicaSet(w);
    this.#reconcilePods(w);
    return w;
  }

  /** A rollout: new requests in the pod template, written by the workload's tool; every pod replaced. */
  rollout(w: DemoWorkload, requests: Requests): void {
    w.requests = requests;
    this.#fake.update(
      PLURAL[w.kind],
      w.namespace,
      w.name,
      (d) => {
        (d.spec as { template: unknown }).template = template(w);
      },
      writerOf(w.tool),
    );
    const old = w.pods;
    w.pods = [];
    for (const pod of old) this.#fake.delete('pods', w.namespace, pod);
    if (w.kind === 'Deployment') {
      this.#fake.delete('replicasets', w.namespace, `${w.name}-${w.hash}`);
      w.hash = this.#suffix();
      this.#createReplicaSet(w);
    }
    this.#reconcilePods(w);
  }

  /** A scale through the scale subresource, by `manager` (`kubectl`, or `kube-controller-manager` for an HPA). */
  scale(w: DemoWorkload, replicas: number, manager: string): void {
    w.replicas = replicas;
    this.#fake.scale(PLURAL[w.kind], w.namespace, w.name, replicas, manager);
    this.#fake.update(PLURAL[w.kind], w.namespace, w.name, (d) => {
      d.status = this.#status(w);
    }, { manager: 'kube-controller-manager', subresource: 'status' });
    if (w.kind === 'Deployment') {
      this.#fake.update('replicasets', w.namespace, `${w.name}-${w.hash}`, (d) => {
        (d.spec as { replicas: number }).replicas = replicas;
      });
    }
    this.#reconcilePods(w);
  }

  /** Deletes a workload; its ReplicaSet and pods go with it (garbage collection). */
  delete(w: DemoWorkload): void {
    this.#fake.delete(PLURAL[w.kind], w.namespace, w.name);
    for (const pod of w.pods) this.#fake.delete('pods', w.namespace, pod);
    if (w.kind === 'Deployment') this.#fake.delete('replicasets', w.namespace, `${w.name}-${w.hash}`);
    w.pods = [];
    this.#all.delete(`${w.namespace}/${w.name}`);
  }

  #status(w: DemoWorkload): Record<string, unknown> {
    if (w.kind === 'DaemonSet') return { desiredNumberScheduled: w.replicas, currentNumberScheduled: w.replicas, numberReady: w.replicas };
    return { replicas: w.replicas, readyReplicas: w.replicas, availableReplicas: w.replicas, updatedReplicas: w.replicas };
  }

  #createReplicaSet(w: DemoWorkload): void {
    const labels = { ...w.labels, 'pod-template-hash': w.hash };
    this.#fake.create(
      'replicasets',
      {
        metadata: {
          name: `${w.name}-${w.hash}`,
          namespace: w.namespace,
          labels,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: w.name, uid: `${w.namespace}-${w.name}-uid`, controller: true }],
        },
        spec: { replicas: w.replicas, selector: { matchLabels: { app: w.name, 'pod-template-hash': w.hash } }, template: template(w, { 'pod-template-hash': w.hash }) },
        status: { replicas: w.replicas, readyReplicas: w.replicas },
      },
      { manager: 'kube-controller-manager' },
    );
  }

  /** Creates or deletes pods until the workload has as many as it wants. */
  #reconcilePods(w: DemoWorkload): void {
    while (w.pods.length > w.replicas) {
      const pod = w.pods.pop();
      if (pod !== undefined) this.#fake.delete('pods', w.namespace, pod);
    }
    while (w.pods.length < w.replicas) {
      const ordinal = w.pods.length;
      const name = this.#podName(w, ordinal);
      const node = w.kind === 'DaemonSet' ? this.#nodes[ordinal % this.#nodes.length] : this.#nodes[this.#nextNode++ % this.#nodes.length];
      if (w.claims) this.#claim(w, ordinal);
      this.#fake.create('pods', this.#pod(w, name, node ?? 'node-1', ordinal), { manager: 'kube-controller-manager' });
      w.pods.push(name);
    }
  }

  /** A StatefulSet's claim for an ordinal, bound to a volume the provisioner made; kept on scale-down, as Kubernetes keeps it. */
  #claim(w: DemoWorkload, ordinal: number): void {
    const claim = `data-${w.name}-${ordinal}`;
    if (this.#fake.get('persistentvolumeclaims', w.namespace, claim) !== undefined) return;
    const volume = `pvc-${this.#suffix()}${this.#suffix()}`;
    const storage = '20Gi';
    this.#fake.create('persistentvolumes', persistentVolumeObject(volume, { storage, storageClass: 'gp3', claim: { namespace: w.namespace, name: claim }, volumeHandle: `vol-${volume}` }));
    this.#fake.create('persistentvolumeclaims', persistentVolumeClaimObject(w.namespace, claim, { storage, volumeName: volume }));
  }

  #podName(w: DemoWorkload, ordinal: number): string {
    if (w.kind === 'StatefulSet') return `${w.name}-${ordinal}`;
    if (w.kind === 'DaemonSet') return `${w.name}-${this.#suffix()}`;
    return `${w.name}-${w.hash}-${this.#suffix()}`;
  }

  #pod(w: DemoWorkload, name: string, node: string, ordinal: number): NewFakeObject {
    const owner =
      w.kind === 'Deployment'
        ? { kind: 'ReplicaSet', name: `${w.name}-${w.hash}` }
        : { kind: w.kind, name: w.name };
    const labels = w.kind === 'Deployment' ? { ...w.labels, 'pod-template-hash': w.hash } : { ...w.labels };
    const volumes = w.claims ? [{ name: 'data', persistentVolumeClaim: { claimName: `data-${w.name}-${ordinal}` } }] : [];
    return {
      metadata: {
        name,
        namespace: w.namespace,
        labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: `${w.namespace}-${owner.name}-uid`, controller: true }],
      },
      spec: { nodeName: node, containers: (template(w).spec as { containers: unknown[] }).containers, volumes },
      status: { phase: 'Running', startTime: new Date(this.#now()).toISOString().replace(/\.\d+Z$/, 'Z') },
    };
  }
}
