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
