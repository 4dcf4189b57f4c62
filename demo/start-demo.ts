import { systemClock, type Clock } from '../src/clock.js';
import { loadConfig, type Config } from '../src/config.js';
import { startServer, type ServerHandle, type ServerOptions } from '../src/server.js';
import { FakeKubeServer } from '../test/support/fake-kube/server.js';
import { writeKubeconfig, type FakeKubeconfig } from '../test/support/fake-kube/kubeconfig.js';
import { mulberry32, seededUuid } from '../test/support/seeded-random.js';
import { ChangeGenerator, type DemoChange } from './change-generator.js';
import { DEMO_NODES, DEMO_RESOURCES, seedCluster } from './seed-cluster.js';
import { DemoWorkloads } from './workloads.js';

/**
 * The settings the demo runs with unless the environment says otherwise: the audit on for every
 * workload kind, ten-second ETL windows (kept two hours) so data shows within a minute, events in memory (nothing
 * left behind), and only warnings in the log so the changes it prints stay readable.
 */
export const DEMO_SETTINGS: Readonly<Record<string, string>> = {
  COST_EVENTS_AUDIT_ENABLED: 'true',
  AUDIT_RESOURCE_TYPES: 'deployment,statefulset,daemonset',
  ETL_RESOLUTION: '10s',
  // 360 windows an hour: keep two hours of them, so a demo left running stays small.
  ETL_HOURLY_RETENTION: '2h',
  STORAGE_URL: 'memory:',
  LOG_LEVEL: 'warn',
};

/** The variables that choose a cluster: the demo's own fake API server replaces whatever they say. */
const CLUSTER_CONNECTION = ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'] as const;

/** The default time between two changes to the cluster. */
export const DEMO_INTERVAL_MS = 5_000;

/** How to start the demo; only `env` is required. */
export interface DemoOptions {
  /** The user's environment and flags: these win over {@link DEMO_SETTINGS}, except the cluster connection. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly argv?: readonly string[];
  /** Default the system clock; tests pass a manual one and step the changes themselves. */
  readonly clock?: Clock;
  /** Seed of the changes' choices; the same seed makes the same changes. */
  readonly seed?: number;
  readonly intervalMs?: number;
  /** Whether changes start on their own every `intervalMs`; default true. */
  readonly autoChange?: boolean;
  readonly onChange?: (change: DemoChange) => void;
  readonly onError?: (err: unknown) => void;
  /** Passed to the server (its logger, the page's directory, the ETL's settle time…). */
  readonly server?: Omit<ServerOptions, 'clock' | 'env' | 'serviceAccountDir'>;
}

/** A running demo: the server, the fake cluster it watches and the generator changing it. */
export interface DemoHandle {
  readonly server: ServerHandle;
  readonly config: Config;
  readonly fake: FakeKubeServer;
  /** The kubeconfig of the fake API server (`kubectl --kubeconfig <path> get pods -A`). */
  readonly kubeconfigPath: string;
  readonly changes: ChangeGenerator;
  readonly workloads: DemoWorkloads;
  /** Stops the changes, the server and the fake API server, and removes the kubeconfig. */
  close(): Promise<void>;
}

/** The settings the server runs with: the demo's, under the user's, with the fake as the cluster. */
export function demoEnv(env: Readonly<Record<string, string | undefined>>, kubeconfigPath: string): Record<string, string | undefined> {
  const own = Object.fromEntries(Object.entries(env).filter(([k]) => !(CLUSTER_CONNECTION as readonly string[]).includes(k)));
  return { ...DEMO_SETTINGS, ...own, KUBECONFIG: kubeconfigPath };
}

/** Starts the fake cluster, seeds it, starts the server against it, then the changes. */
export async function startDemo(o: DemoOptions): Promise<DemoHandle> {
  const clock = o.clock ?? systemClock();
  // Object uids from the seed too (a stream of their own, so pod names stay as they were): the same
  // seed and clock give the same audit event ids, which the docs' examples ask for by id.
  const uidRandom = mulberry32((o.seed ?? 1) ^ 0x5eed);
  // Bookmarks once a minute, as kube-apiserver's watch cache sends them: without any, the server's
  // watchdog would restart each quiet watch every three minutes, with a warning each time.
  const fake = await FakeKubeServer.start({ resources: DEMO_RESOURCES, clock, creationClock: clock, uid: () => seededUuid(uidRandom), bookmarkEveryMs: 60_000 });
  let kubeconfig: FakeKubeconfig | undefined;
  try {
    kubeconfig = await writeKubeconfig(fake.url);
    const random = mulberry32(o.seed ?? 1);
    const workloads = new DemoWorkloads({ fake, now: () => clock.nowMs(), suffix: () => podSuffix(random), nodes: DEMO_NODES });
    seedCluster(fake, workloads);
    const parsed = loadConfig(demoEnv(o.env, kubeconfig.path), o.argv ?? []);
    if (parsed.help) throw new Error('the demo takes the server settings, not --help or --version');
    const config = parsed.config;
    const server = await startServer(config, { etlSettleMs: 2_000, ...o.server, clock, env: {}, serviceAccountDir: '/nonexistent' });
    const changes = new ChangeGenerator({
      fake,
      workloads,
      random,
      clock,
      intervalMs: o.intervalMs ?? DEMO_INTERVAL_MS,
      ...(o.onChange !== undefined && { onChange: o.onChange }),
      ...(o.onError !== undefined && { onError: o.onError }),
    });
    if (o.autoChange ?? true) changes.start();
    const kc = kubeconfig;
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        changes.stop();
        await server.close();
        await fake.close();
        await kc.remove();
      })());
    return { server, config, fake, kubeconfigPath: kc.path, changes, workloads, close };
  } catch (err) {
    await fake.close();
    await kubeconfig?.remove();
    throw err;
  }
}

const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** Five characters as Kubernetes draws pod-name suffixes and template hashes from. */
function podSuffix(random: () => number): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_CHARS[Math.floor(random() * SUFFIX_CHARS.length)] ?? 'x';
  return s;
}
