import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadChart, only, renderObjects, type KubeObject } from './support/chart.js';

type Role = KubeObject & { rules: unknown[] };
type Binding = KubeObject & { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] };

const objects = parseAllDocuments(readFileSync(new URL('../../deploy/rbac.yaml', import.meta.url), 'utf8')).map((d) => d.toJSON() as KubeObject);

describe('deploy/rbac.yaml, for a server run outside the cluster', () => {
  it('holds a ServiceAccount, a ClusterRole and the binding between them, nothing else', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ServiceAccount/cost-events-local', 'ClusterRole/cost-events-local', 'ClusterRoleBinding/cost-events-local']);
    const binding = only(objects, 'ClusterRoleBinding') as Binding;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cost-events-local' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'cost-events-local', namespace: 'default' }]);
  });

  it("grants exactly the chart's ClusterRole rules: get, list and watch on the watched kinds", () => {
    const chartRole = only(renderObjects(loadChart()), 'ClusterRole') as Role;
    expect((only(objects, 'ClusterRole') as Role).rules).toEqual(chartRole.rules);
  });
});
