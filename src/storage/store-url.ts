/** Where `STORAGE_URL` says to keep events. */
export type StorageTarget =
  | { readonly backend: 'memory' }
  | { readonly backend: 'sqlite'; readonly path: string }
  | { readonly backend: 'postgres'; readonly url: string };

/** What `STORAGE_URL` accepts, for the settings table and its error message. */
export const STORAGE_URL_ACCEPTS = 'memory:, sqlite:<path> (e.g. sqlite:./data/cost-events.db) or postgres://user:password@host:5432/database';

/** Parses a `STORAGE_URL`; undefined when it names no backend. */
export function parseStorageUrl(raw: string): StorageTarget | undefined {
  if (raw === 'memory:') return { backend: 'memory' };
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length);
    return path.trim() === '' ? undefined : { backend: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\/[^\s/]+/.test(raw) && URL.canParse(raw)) return { backend: 'postgres', url: raw };
  return undefined;
}

/** Masks the password of a URL such as `postgres://user:secret@host/db`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
