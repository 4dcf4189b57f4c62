import { EVENT_RESOURCES, EVENTS_RESOURCE } from './events-views.js';
import type { FakeResource } from './resources.js';
import { apiVersionOf, SCALABLE_KINDS } from './resources.js';

/** `/version`: what kubectl prints as the server version. */
export function versionBody(): Record<string, string> {
  return {
    major: '1',
    minor: '30',
    gitVersion: 'v1.30.0-fake',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-05-01T00:00:00Z',
    goVersion: 'go1.22.2',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** `/api`: the legacy core group's versions. */
export function apiVersionsBody(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** `/apis`: every named group that has at least one resource. */
export function apiGroupListBody(resources: readonly FakeResource[]): Record<string, unknown> {
  const groups = new Map<string, Set<string>>();
  for (const r of resources) {
    if (r.group === '') continue;
    const versions = groups.get(r.group) ?? new Set<string>();
    versions.add(r.version);
    groups.set(r.group, versions);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

/**
 * Events are read-only but for events.k8s.io's create (the notifier's Kubernetes Events sink);
 * every other kind takes every write (writes.ts).
 */
function verbsOf(r: FakeResource): string[] {
  if (r === EVENTS_RESOURCE) return ['create', 'get', 'list', 'watch'];
  if (EVENT_RESOURCES.includes(r)) return ['get', 'list', 'watch'];
  return ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
}

/** `/api/v1`, `/apis/apps/v1`: the resources of one group version, or undefined when it has none. */
export function apiResourceListBody(resources: readonly FakeResource[], group: string, version: string): Record<string, unknown> | undefined {
  const mine = resources.filter((r) => r.group === group && r.version === version);
  if (mine.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(mine[0]!),
    resources: mine.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: verbsOf(r),
        shortNames: r.shortNames,
      },
      // The scale subresource (writes.ts), as the apiserver lists it.
      ...(SCALABLE_KINDS.has(r.kind) ? [{ name: `${r.plural}/scale`, singularName: '', namespaced: r.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] }] : []),
    ]),
  };
}
