import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { PostgresStore } from '../../src/storage/postgres/pg-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store, StoreLimits } from '../../src/storage/store.js';
import { createTestSchema } from './postgres.js';

/** A backend under test: opens stores on one place, and can reopen it (durable backends only). */
export interface Harness {
  open(limits: StoreLimits): Promise<Store>;
  readonly durable: boolean;
  cleanup(): Promise<void>;
}

/** The three backends the contract suites run against; PostgreSQL only when `pgOk` (see postgresAvailable). */
export function storeBackends(pgOk: boolean): { name: 'memory' | 'sqlite' | 'postgres'; enabled: boolean; harness: () => Promise<Harness> }[] {
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
export interface StoreFixture {
  readonly h: Harness;
  store: Store;
  open(limits?: StoreLimits): Promise<Store>;
}

/**
 * Opens a fresh store of `backend` before each test of the calling describe block and closes
 * every store the test opened after it; a disabled backend's tests are skipped.
 */
export function useStores(backend: { enabled: boolean; harness: () => Promise<Harness> }, limits: StoreLimits): StoreFixture {
  const opened: Store[] = [];
  let harness: Harness | undefined;
  let current: Store | undefined;
  const fixture: StoreFixture = {
    get h() {
      if (harness === undefined) throw new Error('useStores: no harness outside a test');
      return harness;
    },
    get store() {
      if (current === undefined) throw new Error('useStores: no store outside a test');
      return current;
    },
    set store(s: Store) {
      current = s;
    },
    open: async (l = limits) => {
      const s = await fixture.h.open(l);
      opened.push(s);
      return s;
    },
  };
  beforeEach(async (ctx) => {
    if (!backend.enabled) return ctx.skip();
    harness = await backend.harness();
    current = await fixture.open();
  });
  afterEach(async () => {
    if (!backend.enabled || harness === undefined) return;
    for (const s of opened.splice(0)) await s.close();
    await harness.cleanup();
    harness = undefined;
    current = undefined;
  });
  return fixture;
}
