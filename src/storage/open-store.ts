import { MemoryStore } from './memory-store.js';
import type { PostgresStoreOptions } from './postgres/pg-store.js';
import type { Store, StoreLimits } from './store.js';
import { parseStorageUrl, STORAGE_URL_ACCEPTS } from './store-url.js';

/**
 * Opens the backend `url` names and applies its migrations; rejects when it cannot be reached or
 * migrated. A backend's driver is loaded only when it is the one named (the PostgreSQL client
 * alone is about 15 MB of RSS that a server on SQLite would carry for nothing).
 */
export async function openStore(url: string, limits: StoreLimits, options: PostgresStoreOptions = {}): Promise<Store> {
  const target = parseStorageUrl(url);
  if (target === undefined) throw new Error(`STORAGE_URL ${JSON.stringify(url)} names no backend; accepts ${STORAGE_URL_ACCEPTS}`);
  switch (target.backend) {
    case 'memory':
      return new MemoryStore(limits);
    case 'sqlite':
      return (await import('./sqlite/sqlite-store.js')).SqliteStore.open(target.path, limits);
    case 'postgres':
      return (await import('./postgres/pg-store.js')).PostgresStore.open(target.url, limits, options);
  }
}
