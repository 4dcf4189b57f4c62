import { describe, expect, it } from 'vitest';
import { ChangeDetector } from '../../src/audit/change-detector.js';
import { PricingQueue } from '../../src/audit/pricing-queue.js';
import { SharedRequests } from '../../src/audit/shared-requests.js';
import { trackWorkload } from '../../src/audit/tracked-workload.js';
import { DEFAULT_PRICE_SHEET } from '../../src/cost/price-sheet.js';
import { createRequestsPredictor } from '../../src/cost/requests-predictor.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { ManualClock } from '../support/manual-clock.js';

const deployment = (name: string, cpu: string, memory: string, replicas = 1): KubeObject => ({
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: '1' },
  spec: { replicas, template: { spec: { containers: [{ name: 'app', resources: { requests: { cpu, memory } } }] } } },
});

describe('the pod requests the audit keeps, shared', () => {
  it('gives equal requests one frozen object and different ones their own', () => {
    const pool = new SharedRequests();
    const a = pool.share({ cpuCores: 0.1, memoryBytes: 33_554_432, gpus: 0 });
    expect(pool.share({ cpuCores: 0.1, memoryBytes: 33_554_432, gpus: 0 })).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toEqual({ cpuCores: 0.1, memoryBytes: 33_554_432, gpus: 0 });
    for (const other of [{ cpuCores: 0.2, memoryBytes: 33_554_432, gpus: 0 }, { cpuCores: 0.1, memoryBytes: 1, gpus: 0 }, { cpuCores: 0.1, memoryBytes: 33_554_432, gpus: 1 }]) {
      expect(pool.share(other)).not.toBe(a);
      expect(pool.share(other)).toEqual(other);
    }
    expect(pool.size).toBe(4);
  });

  it('stops sharing new requests once it holds its maximum, and keeps sharing the ones it holds', () => {
    const pool = new SharedRequests(2);
    const one = pool.share({ cpuCores: 1, memoryBytes: 1, gpus: 0 });
    pool.share({ cpuCores: 2, memoryBytes: 1, gpus: 0 });
    const third = { cpuCores: 3, memoryBytes: 1, gpus: 0 };
    expect(pool.share(third)).toBe(third);
    expect(pool.size).toBe(2);
    expect(pool.share({ cpuCores: 1, memoryBytes: 1, gpus: 0 })).toBe(one);
  });

  it('is what the tracked workloads of equal requests hold, whatever else differs', () => {
    const pool = new SharedRequests();
    const ctx = { schedulableNodes: () => 3, shareRequests: (r: Parameters<SharedRequests['share']>[0]) => pool.share(r) };
    const web = trackWorkload('deployment', deployment('web', '100m', '32Mi', 3), ctx);
    const api = trackWorkload('deployment', deployment('api', '100m', '32Mi', 5), ctx);
    const big = trackWorkload('deployment', deployment('big', '2', '4Gi'), ctx);
    expect(web.spec?.perPod).toBe(api.spec?.perPod);
    expect(big.spec?.perPod).not.toBe(web.spec?.perPod);
    expect([web.spec?.replicas, api.spec?.replicas, big.spec?.perPod]).toEqual([3, 5, { cpuCores: 2, memoryBytes: 4 * 2 ** 30, gpus: 0 }]);
    // Without a pool, each spec has its own.
    const alone = trackWorkload('deployment', deployment('web', '100m', '32Mi'), { schedulableNodes: () => 3 });
    expect(alone.spec?.perPod).not.toBe(web.spec?.perPod);
    expect(alone.spec?.perPod).toEqual(web.spec?.perPod);
  });

  it("is what the workloads remembered from the previous run hold too, so a restart keeps them shared", () => {
    const pool = new SharedRequests();
    const predictor = createRequestsPredictor(DEFAULT_PRICE_SHEET);
    // As storage gives them back after a restart: each spec parsed from its own row.
    const remembered = (uid: string) => {
      const spec = trackWorkload('deployment', deployment(uid, '100m', '32Mi'), { schedulableNodes: () => 0 }).spec!;
      return { uid: `uid-${uid}`, name: uid, namespace: 'shop', resourceVersion: '1', spec: JSON.parse(JSON.stringify(spec)) as typeof spec, lastSeenNs: 1n };
    };
    const detector = new ChangeDetector({
      resourceType: 'deployment',
      cluster: 'c1',
      clock: new ManualClock(),
      predictor,
      overflowPredictor: predictor,
      queue: new PricingQueue(() => undefined, (err) => {
        throw err;
      }),
      prior: { workloads: [remembered('web'), remembered('api')], seenUntilNs: 1n },
      shareRequests: (r) => pool.share(r),
    });
    const web = detector.kept('uid-web')?.spec;
    expect(web?.perPod).toBe(detector.kept('uid-api')?.spec?.perPod);
    expect(web).toEqual({ kind: 'deployment', namespace: 'shop', name: 'web', replicas: 1, perPod: { cpuCores: 0.1, memoryBytes: 32 * 2 ** 20, gpus: 0 }, uid: 'uid-web' });
    // A workload the watch then reduces with the same requests holds that object as well.
    expect(trackWorkload('deployment', deployment('cart', '100m', '32Mi'), { schedulableNodes: () => 0, shareRequests: (r) => pool.share(r) }).spec?.perPod).toBe(web?.perPod);
  });
});
