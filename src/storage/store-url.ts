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

/** Query parameters that carry a secret (libpq's `password`, `sslpassword`; tokens, keys). */
export const SECRET_QUERY_PARAM = /pass|secret|token|key/i;

/**
 * Masks the password of a URL such as `postgres://user:secret@host/db` (up to the last `@` of the
 * authority, as URL parsers read it) and secret query parameters (`?password=…`).
 */
export function redactUrl(url: string): string {
  const masked = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^/?#]*@/i, '$1***@');
  return masked.replace(/([?&])([^=&#]+)=([^&#]*)/g, (all, sep: string, name: string) => (SECRET_QUERY_PARAM.test(name) ? `${sep}${name}=***` : all));
}
