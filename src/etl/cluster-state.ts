/**
 * What the cluster cache hands the set builders: plain records of the objects that existed in a
 * time range, with the times they existed, and nothing of the Kubernetes objects themselves.
 * Times are epoch milliseconds (UTC). `end` is absent while the object still exists.
 *
 * The cache (cluster-cache.ts) fills these from its informers; the builders (build-*.ts) read
 * them; tests and the benchmark make them by hand.
 */

/** The requests of one app container of a pod (a request defaults to its limit, as the API server defaults it). */
export interface ContainerRecord {
  readonly name: string;
  readonly cpuCores: number;
  readonly ramBytes: number;
  /** `nvidia.com/gpu` (or another `*\/gpu` extended resource) requested. */
  readonly gpus: number;
}

/** A Pod that was scheduled and started. Pods never started (Pending, unscheduled) are not recorded. */
export interface PodRecord {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** `spec.nodeName`. */
  readonly node: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Kubecost's lower-case controller kind (`deployment`, `statefulset`, `daemonset`, `job`, `replicaset`, …); absent for a bare pod. */
  readonly controllerKind?: string;
  /** The controller's name: for a ReplicaSet of a Deployment, the Deployment's. */
  readonly controller?: string;
  readonly containers: readonly ContainerRecord[];
  /** Names of the PersistentVolumeClaims (in the pod's namespace) its volumes mount. */
  readonly claims: readonly string[];
  /** When it started running: `status.startTime`. */
  readonly start: number;
  /** When it stopped: the latest container `finishedAt` once Succeeded/Failed, or when its deletion was seen. */
  readonly end?: number;
}

/** A Node and its capacity. */
export interface NodeRecord {
  readonly uid: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `node.kubernetes.io/instance-type` (or the older beta label). */
  readonly instanceType?: string;
  /** `spec.providerID`, e.g. `aws:///us-east-1a/i-0abc…`: what a billing export's ResourceId is matched against. */
  readonly providerId?: string;
  readonly cpuCores: number;
  readonly ramBytes: number;
  readonly gpus: number;
  /** `metadata.creationTimestamp`. */
  readonly start: number;
  /** When its deletion was seen. */
  readonly end?: number;
}

/** A PersistentVolume. */
export interface VolumeRecord {
  readonly uid: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `spec.capacity.storage`. */
  readonly bytes: number;
  readonly storageClass?: string;
  /** `spec.claimRef`, when bound. */
  readonly claim?: { readonly namespace: string; readonly name: string };
  /** The cloud disk id: CSI `volumeHandle`, `awsElasticBlockStore.volumeID`, `gcePersistentDisk.pdName` or `azureDisk.diskURI`. */
  readonly providerId?: string;
  readonly start: number;
  readonly end?: number;
}

/** A PersistentVolumeClaim. */
export interface ClaimRecord {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** `spec.volumeName`, once bound. */
  readonly volumeName?: string;
  /** `status.capacity.storage` once bound, else `spec.resources.requests.storage`. */
  readonly bytes: number;
  readonly start: number;
  readonly end?: number;
}

/** A Service of type LoadBalancer. */
export interface LoadBalancerRecord {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The first `status.loadBalancer.ingress` IP or hostname, once provisioned. */
  readonly ingress?: string;
  readonly start: number;
  readonly end?: number;
}

/** Everything that existed at some time in [start, end) of a window, for one cluster. */
export interface ClusterSnapshot {
  readonly cluster: string;
  readonly nodes: readonly NodeRecord[];
  readonly pods: readonly PodRecord[];
  readonly volumes: readonly VolumeRecord[];
  readonly claims: readonly ClaimRecord[];
  readonly loadBalancers: readonly LoadBalancerRecord[];
}
