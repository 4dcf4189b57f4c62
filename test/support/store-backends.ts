import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutboxStore } from '../../src/notify/outbox.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { PostgresStore } from '../../src/storage/postgres/pg-store.js';
import type { RepairStore } from '../../src/storage/repair-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type {
  AuditLogStore,
  CloudEyeCatalogue,
  EtlLogStore,
  Pruning,
  RecordStore,
  SetStore,
  Store,
  StoreConnection,
  StoreLimits,
  StoreRevisions,
  WorkloadMemory,
} from '../../src/storage/store.js';
import { createTestSchema } from './postgres.js';
import type { AuditGapStore } from '../../src/storage/gap-store.js';

/** The narrow storage interfaces by the name of their contract suite (test/storage/<name>-contract.test.ts). */
export interface StoreParts {
  'etl-log': EtlLogStore;
  'audit-log': AuditLogStore;
  revisions: StoreRevisions;
  workloads: WorkloadMemory;
  catalogue: CloudEyeCatalogue;
  sets: SetStore;
  pruning: Pruning;
  repairs: RepairStore;
  gaps: AuditGapStore & Pruning;
  outbox: { readonly outbox: OutboxStore };
}

export type StorePart = keyof StoreParts;

/** Every part of a backend; what the whole-store suite (store-contract.test.ts) asks for. */
export const ALL_PARTS: readonly StorePart[] = ['etl-log', 'audit-log', 'revisions', 'workloads', 'catalogue', 'sets', 'pruning', 'repairs', 'gaps', 'outbox'];

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** A store as a suite sees it: the connection, the record write that fills it, and the parts the suite tests. */
export type StoreOf<P extends StorePart> = StoreConnection & RecordStore & Intersection<StoreParts[P]>;

/** A backend under test: opens stores on one place, and can reopen it (durable backends only). */
export interface Harness {
  /** A backend still being written returns what it has so far; `parts` says which. */
  open(limits: StoreLimits): Promise<StoreConnection & RecordStore & Partial<Store>>;
  readonly durable: boolean;
  cleanup(): Promise<void>;
}

/** A backend the contract suites run against. */
export interface BackendUnderTest {
  readonly name: string;
  readonly enabled: boolean;
  /** The parts it implements; absent: all of them. A suite of a part it lacks is skipped. */
  readonly parts?: readonly StorePart[];
  harness(): Promise<Harness>;
}

/** The three backends the contract suites run against; PostgreSQL only when `pgOk` (see postgresAvailable). */
export function storeBackends(pgOk: boolean): BackendUnderTest[] {
  return [
    { name: 'memory', enabled: true, harness: async () => ({ open: async (l) => new MemoryStore(l), durable: false, cleanup: async () => undefined }) },
    {
      name: 'sqlite',
      enabled: true,
      harness: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
        return { open: async (l) => SqliteStore.open(join(dir, 'sub', 'events.db'), l), durable: true, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    {
      name: 'postgres',
      enabled: pgOk,
      harness: async () => {
        const schema = await createTestSchema();
        return { open: (l) => PostgresStore.open(schema.url, l), durable: true, cleanup: () => schema.drop() };
      },
    },
  ];
}

/** The store a contract test works on, the harness behind it, and how to open another on the same place. */
export interface StoreFixture<S> {
  readonly h: Harness;
  store: S;
  open(limits?: StoreLimits): Promise<S>;
}

/**
 * Opens a fresh store of `backend` before each test of the calling describe block and closes
 * every store the test opened after it. The test sees only the `parts` it names; a disabled
 * backend, or one that does not implement every part named, has its tests skipped.
 */
export function useStores<P extends StorePart>(backend: BackendUnderTest, parts: readonly P[], limits: StoreLimits): StoreFixture<StoreOf<P>> {
  const opened: StoreConnection[] = [];
  const runs = backend.enabled && parts.every((p) => backend.parts === undefined || backend.parts.includes(p));
  let harness: Harness | undefined;
  let current: StoreOf<P> | undefined;
  const fixture: StoreFixture<StoreOf<P>> = {
    get h() {
      if (harness === undefined) throw new Error('useStores: no harness outside a test');
      return harness;
    },
    get store() {
      if (current === undefined) throw new Error('useStores: no store outside a test');
      return current;
    },
    set store(s: StoreOf<P>) {
      current = s;
    },
    open: async (l = limits) => {
      const s = await fixture.h.open(l);
      opened.push(s);
      // The backend declares these parts (checked above), so it has their members.
      return s as StoreOf<P>;
    },
  };
  beforeEach(async (ctx) => {
    if (!runs) return ctx.skip();
    harness = await backend.harness();
    current = await fixture.open();
  });
  afterEach(async () => {
    if (!runs || harness === undefined) return;
    for (const s of opened.splice(0)) await s.close();
    await harness.cleanup();
    harness = undefined;
    current = undefined;
  });
  return fixture;
}
