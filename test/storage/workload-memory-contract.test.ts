import { describe, expect, it } from 'vitest';
import type { StoreLimits } from '../../src/storage/store.js';
import { workload } from '../support/store-records.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';

// What the audit remembers between runs (WorkloadMemory), written through `workload` records.

const backends = storeBackends(await postgresAvailable());

const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 4 };

describe.each(backends)('the $name store, workload memory', (backend) => {
  const t = useStores(backend, ['workloads'], LIMITS);

  it('remembers the workloads of each kind: put, remove, replace, and until when they were seen', async () => {
    expect(await t.store.loadWorkloads('c1')).toEqual(new Map());
    const scope = { cluster: 'c1', resourceType: 'deployment' } as const;
    await t.store.write([
      { type: 'workload', change: { ...scope, op: 'replace', workloads: [workload('u1', 5n), workload('u2', 5n)], atNs: 5n } },
      { type: 'workload', change: { ...scope, op: 'put', workload: workload('u3', 6n, 3) } },
      { type: 'workload', change: { ...scope, op: 'put', workload: workload('u3', 7n, 4) } },
      { type: 'workload', change: { ...scope, op: 'remove', uid: 'u1' } },
      { type: 'workload', change: { cluster: 'c2', resourceType: 'deployment', op: 'replace', workloads: [workload('other', 1n)], atNs: 1n } },
    ]);
    await t.store.write([{ type: 'workload', change: { ...scope, op: 'seen', atNs: 9n } }]);
    const prior = await t.store.loadWorkloads('c1');
    expect([...prior.keys()]).toEqual(['deployment']);
    const d = prior.get('deployment')!;
    expect(d.seenUntilNs).toBe(9n);
    expect([...d.workloads].sort((a, b) => a.uid.localeCompare(b.uid))).toEqual([workload('u2', 5n), workload('u3', 7n, 4)]);
    await t.store.write([{ type: 'workload', change: { ...scope, op: 'replace', workloads: [], atNs: 10n } }]);
    expect((await t.store.loadWorkloads('c1')).get('deployment')).toEqual({ workloads: [], seenUntilNs: 10n });
  });

  it('keeps the last of several marks written in one batch, per kind, in the order written', async () => {
    const seen = (resourceType: 'deployment' | 'statefulset', atNs: bigint) => ({ type: 'workload' as const, change: { cluster: 'c1', resourceType, op: 'seen' as const, atNs } });
    await t.store.write([
      { type: 'workload', change: { cluster: 'c1', resourceType: 'deployment', op: 'replace', workloads: [workload('u1', 5n)], atNs: 5n } },
      { type: 'workload', change: { cluster: 'c1', resourceType: 'statefulset', op: 'replace', workloads: [], atNs: 5n } },
      seen('deployment', 7n),
      seen('deployment', 9n),
      seen('statefulset', 12n),
      seen('statefulset', 11n),
      seen('deployment', 8n),
    ]);
    const prior = await t.store.loadWorkloads('c1');
    expect(prior.get('deployment')?.seenUntilNs).toBe(8n);
    expect(prior.get('statefulset')?.seenUntilNs).toBe(11n);
    expect(prior.get('deployment')?.workloads).toEqual([workload('u1', 5n)]);
  });
});
