import type { FakeResource } from './resources.js';

/** What a request path names. */
export type Route =
  | { type: 'version' }
  | { type: 'api-versions' }
  | { type: 'api-groups' }
  | { type: 'api-resources'; group: string; version: string }
  | { type: 'collection'; resource: FakeResource; namespace: string | undefined }
  | { type: 'object'; resource: FakeResource; namespace: string | undefined; name: string }
  | { type: 'unknown' };

/** Maps a URL path to a route over the configured resources, as the apiserver's path layout does. */
export function resolveRoute(resources: readonly FakeResource[], pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === 'version') return { type: 'version' };
  if (parts[0] === 'api') {
    if (parts.length === 1) return { type: 'api-versions' };
    return resourcePath(resources, '', parts[1]!, parts.slice(2));
  }
  if (parts[0] === 'apis') {
    if (parts.length === 1) return { type: 'api-groups' };
    if (parts.length === 2) return { type: 'unknown' };
    return resourcePath(resources, parts[1]!, parts[2]!, parts.slice(3));
  }
  return { type: 'unknown' };
}

function resourcePath(resources: readonly FakeResource[], group: string, version: string, rest: string[]): Route {
  if (rest.length === 0) return { type: 'api-resources', group, version };
  const find = (plural: string): FakeResource | undefined =>
    resources.find((r) => r.group === group && r.version === version && r.plural === plural);
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const r = find(rest[2]!);
    if (r === undefined || !r.namespaced || rest.length > 4) return { type: 'unknown' };
    return rest.length === 3
      ? { type: 'collection', resource: r, namespace: rest[1] }
      : { type: 'object', resource: r, namespace: rest[1], name: rest[3]! };
  }
  const r = find(rest[0]!);
  if (r === undefined || rest.length > 2) return { type: 'unknown' };
  if (rest.length === 1) return { type: 'collection', resource: r, namespace: undefined };
  // GET /apis/apps/v1/deployments/x is not a path the apiserver serves: namespaced objects need a namespace.
  return r.namespaced ? { type: 'unknown' } : { type: 'object', resource: r, namespace: undefined, name: rest[1]! };
}
