import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { ServerHandle } from '../../src/server.js';
import { FakeKubeServer, writeKubeconfig, type FakeKubeconfig, type FakeKubeOptions } from './fake-kube/index.js';
import { ManualClock } from './manual-clock.js';

/**
 * The scaffolding of the end-to-end tests against the fake Kubernetes API server: per test, a
 * fresh fake on loopback, a kubeconfig file pointing at it, a manual clock and (when asked) a
 * temporary directory; after each test, the server the test started (`server`), the fake, the
 * kubeconfig and the directory are closed and removed, in that order.
 */
export interface FakeCluster {
  readonly fake: FakeKubeServer;
  readonly kubeconfig: FakeKubeconfig;
  readonly clock: ManualClock;
  /** The test's temporary directory (only with the `tempDir` option). */
  readonly dir: string;
  /** The server the test started, closed after it. */
  server: ServerHandle | undefined;
}

export interface FakeClusterOptions {
  /** Where the manual clock starts. */
  readonly now: string;
  /** The fake stamps creation and managedFields times from the manual clock (kubectl tests compare them). */
  readonly creationClock?: boolean;
  /** The resources the fake serves; absent: its defaults. */
  readonly resources?: FakeKubeOptions['resources'];
  /** The prefix of a temporary directory made for each test. */
  readonly tempDir?: string;
}

interface PerTest {
  readonly fake: FakeKubeServer;
  readonly kubeconfig: FakeKubeconfig;
  readonly clock: ManualClock;
  readonly dir: string | undefined;
}

/** Registers the hooks in the calling test file (or `describe`) and returns the per-test handles. */
export function useFakeCluster(options: FakeClusterOptions): FakeCluster {
  let current: PerTest | undefined;
  const now = (): PerTest => {
    if (current === undefined) throw new Error('the fake cluster exists only inside a test');
    return current;
  };
  const fixture: FakeCluster = {
    get fake() {
      return now().fake;
    },
    get kubeconfig() {
      return now().kubeconfig;
    },
    get clock() {
      return now().clock;
    },
    get dir() {
      const dir = now().dir;
      if (dir === undefined) throw new Error('useFakeCluster: no tempDir was asked for');
      return dir;
    },
    server: undefined,
  };
  beforeEach(async () => {
    const clock = new ManualClock(options.now);
    const fake = await FakeKubeServer.start({
      ...(options.creationClock === true && { creationClock: clock }),
      ...(options.resources !== undefined && { resources: options.resources }),
    });
    const kubeconfig = await writeKubeconfig(fake.url);
    const dir = options.tempDir === undefined ? undefined : await mkdtemp(join(tmpdir(), options.tempDir));
    current = { fake, kubeconfig, clock, dir };
  });
  afterEach(async () => {
    const was = current;
    current = undefined;
    await fixture.server?.close();
    fixture.server = undefined;
    if (was === undefined) return;
    await was.fake.close();
    await was.kubeconfig.remove();
    if (was.dir !== undefined) await rm(was.dir, { recursive: true, force: true });
  });
  return fixture;
}
