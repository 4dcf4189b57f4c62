/** One request the fake received, for tests that assert what the client asked and in what order. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** `list`, `watch` and `get` for resources; `discovery` for /api, /apis, /version; else `other`. */
  verb: 'list' | 'watch' | 'get' | 'discovery' | 'other';
  /** The resource's plural, for list, watch and get. */
  resource?: string;
  /** The HTTP status answered (200 for a watch stream, even one that then carries an ERROR). */
  status?: number;
  /** The request's Content-Type and User-Agent, when it sent them (what a write's field manager derives from). */
  contentType?: string;
  userAgent?: string;
  /** Who the request authenticated as, when the fake requires it: `token`, or `cert:<CN>` for a client certificate. */
  user?: string;
  /** Set when a 200 watch stream answered with an in-stream ERROR 410. */
  inStreamError?: number;
}

/**
 * A request in the short form tests compare sequences with: `list`, `list continue`,
 * `watch rv=5`, followed by ` → 410` (HTTP) or ` → ERROR 410` (in-stream) when it failed.
 */
export function describeRequest(r: RecordedRequest): string {
  let s: string = r.verb;
  if (r.verb === 'list' && r.query['continue'] !== undefined) s += ' continue';
  if (r.verb === 'watch') s += ` rv=${r.query['resourceVersion'] ?? ''}`;
  if (r.status !== undefined && r.status !== 200) s += ` → ${r.status}`;
  if (r.inStreamError !== undefined) s += ` → ERROR ${r.inStreamError}`;
  return s;
}
