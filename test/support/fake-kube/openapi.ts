import type { FakeResource } from './resources.js';
import { apiVersionOf, groupVersionPrefix } from './resources.js';

/**
 * The smallest OpenAPI v3 kubectl needs before it writes: `/openapi/v3` lists each group version,
 * and each group version's document holds, per kind, the PATCH operation tagged with its
 * `x-kubernetes-group-version-kind` and a `fieldValidation` parameter. kubectl then validates on
 * the server (`fieldValidation=Strict`) instead of downloading the OpenAPI v2 schemas, and computes
 * client-side apply's strategic merge patch from its own compiled-in types (no schemas here). The
 * fake does not validate fields; see docs/testing.md.
 */
export function openApiBody(resources: readonly FakeResource[], pathname: string): Record<string, unknown> | undefined {
  const groupVersions = [...new Set(resources.map((r) => groupVersionPrefix(r).slice(1)))];
  if (pathname === '/openapi/v3') {
    return { paths: Object.fromEntries(groupVersions.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=fake` }])) };
  }
  const gv = pathname.slice('/openapi/v3/'.length);
  if (!pathname.startsWith('/openapi/v3/') || !groupVersions.includes(gv)) return undefined;
  const mine = resources.filter((r) => groupVersionPrefix(r).slice(1) === gv);
  const paths: Record<string, unknown> = {};
  for (const r of mine) {
    const path = `${groupVersionPrefix(r)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
    paths[path] = {
      patch: {
        operationId: `patch${r.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } })),
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (fake)', version: apiVersionOf(mine[0]!) }, paths, components: { schemas: {} } };
}
