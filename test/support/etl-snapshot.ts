import { DEFAULT_PRICE_SHEET, type PriceSheet } from '../../src/cost/price-sheet.js';
import type { ClaimRecord, ClusterSnapshot, ContainerRecord, LoadBalancerRecord, NodeRecord, PodRecord, VolumeRecord } from '../../src/etl/cluster-state.js';
import type { Window } from '../../src/window.js';
import { mulberry32 } from './seeded-random.js';

/**
 * A synthetic cluster for tests and the ETL benchmark: deterministic for a seed. Nodes of a few
 * instance types (some priced in {@link syntheticPriceSheet}, one with a GPU, some unlabelled),
 * pods of Deployments, StatefulSets (each with its own claim), DaemonSets, Jobs and bare pods
 * with 1–3 containers, a few sharing a claim, a few on a node no longer known, some starting,
 * stopping or gone before the window; bound and unbound claims, load balancers.
 */
export interface SyntheticOptions {
  readonly nodes: number;
  readonly pods: number;
  readonly window: Window;
  readonly seed?: number;
  readonly cluster?: string;
}

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const HOUR = 3_600_000;

const INSTANCE_TYPES = [
  { type: 'm5.4xlarge', cpu: 16, ram: 64 * GIB, gpus: 0 },
  { type: 'm5.2xlarge', cpu: 8, ram: 32 * GIB, gpus: 0 },
  { type: 'c5.4xlarge', cpu: 16, ram: 32 * GIB, gpus: 0 },
  { type: 'p3.2xlarge', cpu: 8, ram: 61 * GIB, gpus: 1 },
  { type: undefined, cpu: 8, ram: 16 * GIB, gpus: 0 },
] as const;

/** The defaults with hourly prices for some of the synthetic instance types. */
export function syntheticPriceSheet(): PriceSheet {
  return { ...DEFAULT_PRICE_SHEET, instanceTypes: { 'm5.4xlarge': 0.768, 'm5.2xlarge': 0.384, 'p3.2xlarge': 3.06 } };
}

export function syntheticSnapshot(o: SyntheticOptions): ClusterSnapshot {
  const rnd = mulberry32(o.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const { start: ws, end: we } = o.window;
  const span = we - ws;

  const nodes: NodeRecord[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const it = INSTANCE_TYPES[i % INSTANCE_TYPES.length] ?? INSTANCE_TYPES[0];
    const name = `ip-10-0-${Math.floor(i / 250)}-${i % 250}.ec2.internal`;
    const r = rnd();
    nodes.push({
      uid: hex(32),
      name,
      labels: { 'kubernetes.io/hostname': name, ...(it.type && { 'node.kubernetes.io/instance-type': it.type }), 'topology.kubernetes.io/zone': pick(['us-east-1a', 'us-east-1b', 'us-east-1c']) },
      ...(it.type && { instanceType: it.type }),
      providerId: `aws:///us-east-1a/i-${hex(17)}`,
      cpuCores: it.cpu,
      ramBytes: it.ram,
      gpus: it.gpus,
      start: r < 0.02 ? ws + Math.floor(rnd() * span) : ws - 30 * 24 * HOUR,
      ...(r > 0.98 && { end: ws + Math.floor(rnd() * span) }),
    });
  }

  const namespaces = Array.from({ length: 30 }, (_, i) => `team-${i}`);
  const pods: PodRecord[] = [];
  const claimNames = new Map<string, number>();
  const sharedClaims = new Set<string>();
  for (let i = 0; i < o.pods; i++) {
    const ns = pick(namespaces);
    const kindRoll = rnd();
    const kind = kindRoll < 0.6 ? 'deployment' : kindRoll < 0.7 ? 'statefulset' : kindRoll < 0.75 ? 'daemonset' : kindRoll < 0.85 ? 'job' : undefined;
    const app = `app-${Math.floor(rnd() * 400)}`;
    const name = kind === 'statefulset' ? `${app}-${i}` : `${app}-${hex(10)}-${hex(5)}`;
    const containerCount = 1 + Math.floor(rnd() * 3);
    const nodeIndex = Math.floor(rnd() * o.nodes);
    const onGpu = INSTANCE_TYPES[nodeIndex % INSTANCE_TYPES.length]?.gpus === 1;
    const containers: ContainerRecord[] = [];
    for (let c = 0; c < containerCount; c++) {
      containers.push({
        name: ['app', 'sidecar', 'proxy'][c] ?? `c${c}`,
        cpuCores: pick([0.01, 0.02, 0.05, 0.05, 0.1, 0.1, 0.2, 0.25]),
        ramBytes: pick([32, 64, 128, 256, 256, 512, 1024]) * MIB,
        gpus: c === 0 && onGpu && rnd() < 0.025 ? 1 : 0,
      });
    }
    const claims: string[] = [];
    if (kind === 'statefulset') claims.push(`data-${name}`);
    else if (kind === 'deployment' && rnd() < 0.03) {
      claims.push(`shared-${ns}`);
      sharedClaims.add(`${ns}/shared-${ns}`);
    }
    for (const c of claims) claimNames.set(`${ns}/${c}`, 1);
    const r = rnd();
    // 80 % running all window, 8 % start inside it, 8 % stop inside it, 4 % gone before it.
    const start = r < 0.8 ? ws - Math.floor(rnd() * 48 * HOUR) - 1 : r < 0.88 ? ws + Math.floor(rnd() * span) : ws - Math.floor(rnd() * 2 * HOUR) - 1;
    const end = r < 0.88 ? undefined : r < 0.96 ? ws + 1 + Math.floor(rnd() * (span - 1)) : ws - 1;
    const labels: Record<string, string> = { app, env: pick(['prod', 'staging', 'dev']) };
    if (rnd() < 0.7) labels['team'] = `t${Math.floor(rnd() * 12)}`;
    if (rnd() < 0.5) labels['app.kubernetes.io/name'] = app;
    pods.push({
      uid: hex(32),
      namespace: ns,
      name,
      node: rnd() < 0.01 ? 'ip-10-9-9-9.ec2.internal' : (nodes[nodeIndex]?.name ?? 'none'),
      labels,
      ...(kind !== undefined && { controllerKind: kind, controller: app }),
      containers,
      claims,
      start,
      ...(end !== undefined && { end }),
    });
  }

  const claims: ClaimRecord[] = [];
  const volumes: VolumeRecord[] = [];
  for (const key of claimNames.keys()) {
    const [namespace = '', name = ''] = key.split('/');
    const bytes = pick([10, 20, 50, 100]) * GIB;
    const bound = rnd() < 0.9;
    const volumeName = `pvc-${hex(8)}-${hex(4)}-${hex(4)}-${hex(12)}`;
    const start = ws - 10 * 24 * HOUR;
    claims.push({ uid: hex(32), namespace, name, ...(bound && { volumeName }), bytes, start });
    if (bound) {
      volumes.push({
        uid: hex(32),
        name: volumeName,
        labels: sharedClaims.has(key) ? { shared: 'true' } : {},
        bytes,
        storageClass: pick(['gp3', 'gp2', 'io2']),
        claim: { namespace, name },
        providerId: `vol-${hex(17)}`,
        start,
      });
    }
  }
  for (let i = 0; i < Math.ceil(o.pods / 1000); i++) {
    volumes.push({ uid: hex(32), name: `pvc-released-${i}`, labels: {}, bytes: 8 * GIB, storageClass: 'gp2', start: ws - HOUR });
  }

  const loadBalancers: LoadBalancerRecord[] = [];
  for (let i = 0; i < Math.ceil(o.pods / 400); i++) {
    const lb: LoadBalancerRecord = {
      uid: hex(32),
      namespace: pick(namespaces),
      name: `ingress-${i}`,
      labels: { app: `lb-${i}` },
      ...(rnd() < 0.9 && { ingress: `a${hex(31)}.elb.amazonaws.com` }),
      start: rnd() < 0.1 ? ws + Math.floor(rnd() * span) : ws - 24 * HOUR,
    };
    loadBalancers.push(lb);
  }

  return { cluster: o.cluster ?? 'cluster-one', nodes, pods, volumes, claims, loadBalancers };
}
