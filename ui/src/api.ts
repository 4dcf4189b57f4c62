// Every request goes to the server that served the page, by a URL relative to the page: the page
// is at <root>/ui/, so `../x` is <root>/x whatever prefix a proxy or port-forward put before it.

/** The URL of an API path (`model/audit/events?…`), relative to the page. */
export function apiUrl(path: string): string {
  return new URL(`../${path}`, document.baseURI).href;
}

/** A non-2xx answer, with the message of the server's error envelope when it has one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Reads an error answer's message: the envelope's `message`, Cloud Eye's `error_msg`, or the status. */
export async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { message?: unknown; error_msg?: unknown };
    if (typeof body.message === 'string') message = body.message;
    else if (typeof body.error_msg === 'string') message = body.error_msg;
  } catch {
    // Not JSON: the status says enough.
  }
  return new ApiError(res.status, message);
}

/** GETs JSON once. `okStatuses` are answers whose body is data, not an error (`/readyz`'s 503). */
export async function getJson<T>(path: string, signal?: AbortSignal, okStatuses: readonly number[] = []): Promise<T> {
  const res = await fetch(apiUrl(path), { headers: { accept: 'application/json' }, cache: 'no-store', ...(signal && { signal }) });
  if (!res.ok && !okStatuses.includes(res.status)) throw await errorOf(res);
  return (await res.json()) as T;
}

/** A query string from the parameters that have a value (`?a=1&b=x`, or '' when none). */
export function query(params: Readonly<Record<string, string | number | undefined>>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
