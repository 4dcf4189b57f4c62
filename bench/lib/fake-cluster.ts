import { deploymentObject, type FakeKubeServer } from '../../test/support/fake-kube/index.js';

// The cluster the audit benchmark watches: Deployments spread over namespaces, with a few sizes,
// and a burst of creates then deletes streamed to the open watches as fast as they read.

const NAMESPACES = 100;
const CPU = ['100m', '250m', '500m'] as const;
const MEMORY = ['32Mi', '128Mi', '256Mi'] as const;

export const namespaceOf = (i: number): string => `team-${String(i % NAMESPACES).padStart(2, '0')}`;

/** Creates `count` Deployments named `<prefix>-<i>`, 1–5 replicas, requests varying. */
export function fillDeployments(fake: FakeKubeServer, count: number, prefix: string): void {
  for (let i = 0; i < count; i++) {
    fake.create('deployments', deploymentObject(namespaceOf(i), `${prefix}-${i}`, 1 + (i % 5), { cpu: CPU[i % 3]!, memory: MEMORY[(i >> 2) % 3]! }));
  }
}

/** When the burst started and when its last event was handed to the kernel. */
export interface BurstTimes {
  readonly startedAt: number;
  readonly lastSentAt: number;
}

/** Changes made between two waits for the watches to take what was written. */
const BATCH = 100;

/**
 * Creates `changes / 2` Deployments, then deletes them, once a watch of Deployments is open.
 * Every `BATCH` changes it waits until the open watches have handed what was written to the
 * kernel: the fake then sends as fast as the client reads, and "sent" means in the socket.
 */
export async function streamBurst(fake: FakeKubeServer, changes: number, prefix: string): Promise<BurstTimes> {
  const half = Math.floor(changes / 2);
  const startedAt = performance.now();
  for (let i = 0; i < half; i++) {
    fake.create('deployments', deploymentObject(namespaceOf(i), `${prefix}-${i}`, 1 + (i % 5)));
    if ((i + 1) % BATCH === 0) await fake.watchesFlushed('deployments');
  }
  for (let i = 0; i < half; i++) {
    fake.delete('deployments', namespaceOf(i), `${prefix}-${i}`);
    if ((i + 1) % BATCH === 0) await fake.watchesFlushed('deployments');
  }
  await fake.watchesFlushed('deployments');
  return { startedAt, lastSentAt: performance.now() };
}
