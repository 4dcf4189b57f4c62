import type { KubeObject, ObjectRef, WatchHandler, WatchLoop, WatchLoopOptions } from '../../../src/kube/index.js';
import { createWatchLoop, KUBE_KINDS, ObjectStore, objectRef } from '../../../src/kube/index.js';
import type { FakeKubeconfig, FakeKubeOptions, KubeconfigCredentials } from '../../support/fake-kube/index.js';
import { FakeKubeServer, writeKubeconfig } from '../../support/fake-kube/index.js';
import { ManualClock } from '../../support/manual-clock.js';
import { waitFor } from '../../support/wait-for.js';

/** A compact projection, as a real consumer keeps: identity and version only. */
export type Ref = ObjectRef;

function toRef(o: KubeObject): Ref {
  const ref = objectRef(o);
  if (ref === undefined) throw new Error('object without uid, name or resourceVersion');
  return ref;
}

/** What the consumer was told, in order, in a form a test can compare: `added web`, `sync initial a,b`. */
export interface Recorder {
  readonly log: string[];
  /** The consumer's UID-keyed view, diffed on every sync, as the audit's change detector will do. */
  readonly store: ObjectStore<Ref>;
  readonly handler: WatchHandler<Ref>;
  /** Every UID seen in an event, by event: to check that a recreate is two objects. */
  readonly uids: { type: string; name: string; uid: string }[];
}

/** A handler that records calls and keeps an ObjectStore current, describing each relist's diff. */
export function recorder(): Recorder {
  const log: string[] = [];
  const uids: Recorder['uids'] = [];
  const store = new ObjectStore<Ref>();
  const names = (xs: readonly Ref[]): string => xs.map((x) => x.name).sort().join(',');
  return {
    log,
    store,
    uids,
    handler: {
      onSync(items, { initial }) {
        const diff = store.replace(items);
        if (initial) log.push(`sync initial ${names(items)}`);
        else log.push(`sync relist +${names(diff.added)} -${names(diff.removed)} ~${names(diff.changed.map((c) => c.current))}`);
      },
      onAdded(o) {
        store.upsert(o);
        uids.push({ type: 'added', name: o.name, uid: o.uid });
        log.push(`added ${o.name}`);
      },
      onModified(o) {
        store.upsert(o);
        log.push(`modified ${o.name}`);
      },
      onDeleted(o) {
        store.remove(o.uid);
        uids.push({ type: 'deleted', name: o.name, uid: o.uid });
        log.push(`deleted ${o.name}`);
      },
    },
  };
}

/** A fake API server, a kubeconfig for it, a manual clock and a loop over Deployments, torn down together. */
export interface Harness {
  readonly fake: FakeKubeServer;
  readonly clock: ManualClock;
  readonly rec: Recorder;
  readonly loop: WatchLoop;
  /** Waits until the loop is backing off, then lets the whole (maximum) backoff pass. */
  readonly retryNow: () => Promise<void>;
  /** Waits until the loop has an open watch stream that the server counts too. */
  readonly watching: () => Promise<void>;
  readonly close: () => Promise<void>;
}

/** Jitter pinned to the middle, so backoff delays are exact numbers. */
export const HALF = (): number => 0.5;

/** How the harness's fake serves (TLS, authentication) and how its kubeconfig connects; default plain HTTP, anyone answered. */
export interface HarnessConnection {
  readonly fake?: FakeKubeOptions;
  readonly credentials?: KubeconfigCredentials;
}

/** Builds the harness; `setup` runs on the fake before the loop starts. */
export async function harness(
  setup: (fake: FakeKubeServer) => void | Promise<void> = () => undefined,
  options: Partial<Omit<WatchLoopOptions<Ref>, 'kubeConfig' | 'handler' | 'transform' | 'clock'>> = {},
  connection: HarnessConnection = {},
): Promise<Harness> {
  const fake = await FakeKubeServer.start(connection.fake);
  await setup(fake);
  const kc: FakeKubeconfig = await writeKubeconfig(fake.url, undefined, connection.credentials);
  const clock = new ManualClock();
  const rec = recorder();
  const loop = createWatchLoop<Ref>({ kubeConfig: kc.kubeConfig, kind: KUBE_KINDS.deployment, handler: rec.handler, transform: toRef, clock, random: HALF, ...options });
  return {
    fake,
    clock,
    rec,
    loop,
    retryNow: async () => {
      await waitFor(() => loop.status().state === 'backoff', 'the loop to back off');
      clock.advance(30_000);
    },
    watching: async () => {
      await waitFor(() => loop.status().state === 'watching' && fake.openWatches('deployments') === 1, 'an open watch');
    },
    close: async () => {
      await loop.stop();
      await fake.close();
      await kc.remove();
    },
  };
}
