import { MemoryStore } from './memory-store.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres/pg-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store, StoreLimits } from './store.js';
import { parseStorageUrl, STORAGE_URL_ACCEPTS } from './store-url.js';

/** Opens the backend `url` names and applies its migrations; rejects when it cannot be reached or migrated. */
export async function openStore(url: string, limits: StoreLimits, options: PostgresStoreOptions = {}): Promise<Store> {
  const target = parseStorageUrl(url);
  if (target === undefined) throw new Error(`STORAGE_URL ${JSON.stringify(url)} names no backend; accepts ${STORAGE_URL_ACCEPTS}`);
  switch (target.backend) {
    case 'memory':
      return new MemoryStore(limits);
    case 'sqlite':
      return SqliteStore.open(target.path, limits);
    case 'postgres':
      return PostgresStore.open(target.url, limits, options);
  }
}
