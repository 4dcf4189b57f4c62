import { describe, expect, it } from 'vitest';
import { SharedRequests } from '../../src/audit/shared-requests.js';
import { trackWorkload } from '../../src/audit/tracked-workload.js';
import type { KubeObject } from '../../src/kube/kube-object.js';

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
});
