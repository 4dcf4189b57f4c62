import type { AuditEvent } from '../../src/audit/audit-event.js';
import type { KnownWorkload } from '../../src/audit/workload-state.js';
import type { StoreRecord } from '../../src/storage/store.js';
import { auditEvent, etlEvent } from './events.js';
import { keyedAuditEvent } from '../../src/audit/audit-change.js';

// Records and readers shared by the contract suites of the ETL log, the audit log, revisions,
// workload memory, pruning and the whole store (test/storage/*-contract.test.ts).

export const T0 = 1_654_276_074_092_619_416n; // 2022-06-03T17:07:54.092619416Z
export const NOW_MS = 1_654_276_100_000;

/** An ETL record of `cluster`, `i` seconds after T0, with a `size` in its metadata when given. */
export const etl = (cluster: string, kind: Parameters<typeof etlEvent>[1], i: number, size?: number, key?: string): StoreRecord => ({
  type: 'etl',
  event: etlEvent(cluster, kind, T0 + BigInt(i) * 1_000_000_000n, size === undefined ? {} : { size }, key),
});

/** An audit record of workload `name`. */
export const audit = (name: string, o: Parameters<typeof auditEvent>[1] = {}, key = `add/uid-${name}`): StoreRecord => ({ type: 'audit', audit: keyedAuditEvent(auditEvent(name, o), key) });

/** The `size` of each ETL event's metadata. */
export const sizes = (json: readonly string[]) => json.map((j) => (JSON.parse(j) as { metadata: { size?: number } }).metadata.size);
/** The workload name of each audit event. */
export const names = (json: readonly string[]) => json.map((j) => (JSON.parse(j) as AuditEvent).properties.name);

/** A remembered Deployment. */
export const workload = (uid: string, lastSeenNs: bigint, replicas = 1): KnownWorkload => ({
  uid,
  name: `w-${uid}`,
  namespace: 'shop',
  resourceVersion: '7',
  spec: { kind: 'deployment', namespace: 'shop', name: `w-${uid}`, uid, replicas, perPod: { cpuCores: 0.1, memoryBytes: 33554432, gpus: 0 } },
  lastSeenNs,
});
