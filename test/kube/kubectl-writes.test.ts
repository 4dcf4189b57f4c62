import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeKubeServer, writeKubeconfig, type FakeKubeconfig, type ManagedFieldsEntry } from '../support/fake-kube/index.js';
import { apiDeploymentManifest, kubectl, kubectlAvailable } from '../support/kubectl.js';
import type { ToolResult } from '../support/real-tools.js';
import { ManualClock } from '../support/manual-clock.js';

// The real kubectl writes to the fake API server over HTTP: create, client-side and server-side
// apply, scale, set resources, edit, patch, delete. What it reads back with --show-managed-fields
// is what kube-apiserver writes for the same requests: one entry per manager, operation and
// subresource, under the managers kubectl names (fieldManager) or the API server derives from its
// User-Agent (`kubectl scale` sends none: `kubectl`), fields moving to whoever changed them last.

const HAVE_KUBECTL = kubectlAvailable();

let fake: FakeKubeServer;
let kubeconfig: FakeKubeconfig;
let dir: string;

beforeEach(async () => {
  // Every write stamps managedFields with this clock's second: entries then sort by operation and manager only.
  fake = await FakeKubeServer.start({ creationClock: new ManualClock('2026-12-06T10:00:00Z') });
  kubeconfig = await writeKubeconfig(fake.url);
  dir = await mkdtemp(join(tmpdir(), 'kubectl-writes-'));
});

afterEach(async () => {
  await fake.close();
  await kubeconfig.remove();
  await rm(dir, { recursive: true, force: true });
});

async function k(args: readonly string[], env: Record<string, string> = {}): Promise<ToolResult> {
  return kubectl(kubeconfig.path, join(dir, 'cache'), args, env);
}

/** Runs kubectl and expects it to succeed; returns its stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await k(args);
  expect(r.stderr, `kubectl ${args.join(' ')}`).toBe('');
  expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

interface Got {
  metadata: { managedFields?: ManagedFieldsEntry[]; annotations?: Record<string, string>; resourceVersion: string };
  spec: { replicas: number; template: { spec: { containers: { name: string; image: string; resources?: unknown }[] } } };
}

/** The deployment as kubectl reads it, managedFields included. */
async function got(name: string): Promise<Got> {
  return JSON.parse(await ok('get', 'deployment', name, '-o', 'json', '--show-managed-fields')) as Got;
}

/** Each entry as `manager operation[/subresource]: fields` with the fields as dotted paths. */
function owners(d: Got): string[] {
  return (d.metadata.managedFields ?? []).map((e) => `${e.manager} ${e.operation}${e.subresource === undefined ? '' : `/${e.subresource}`}: ${paths(e.fieldsV1).join(' ')}`);
}

function paths(f: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, sub] of Object.entries(f)) {
    const part = key === '.' ? '.' : key.replace(/^[fk]:/, '');
    const here = prefix === '' ? part : `${prefix}.${part}`;
    const children = paths(sub as Record<string, unknown>, here);
    out.push(...(children.length === 0 ? [here] : children));
  }
  return out;
}

const APP = 'spec.template.spec.containers.{"name":"app"}';

describe.skipIf(!HAVE_KUBECTL)('the real kubectl writing to the fake API server', () => {
  it('create, scale, set resources, edit, patch, delete: the managers and fields kube-apiserver records', async () => {
    expect(await ok('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2')).toBe('deployment.apps/web created\n');
    const created = await got('web');
    expect(owners(created)).toEqual([
      'kubectl-create Update: metadata.labels.. metadata.labels.app spec.replicas spec.selector spec.strategy spec.template.metadata.labels.. spec.template.metadata.labels.app ' +
        'spec.template.spec.containers.{"name":"nginx"}.. spec.template.spec.containers.{"name":"nginx"}.image spec.template.spec.containers.{"name":"nginx"}.name spec.template.spec.containers.{"name":"nginx"}.resources',
    ]);

    expect(await ok('scale', 'deployment', 'web', '--replicas=3')).toBe('deployment.apps/web scaled\n');
    expect(await ok('set', 'resources', 'deployment', 'web', '--requests=cpu=200m,memory=64Mi')).toBe('deployment.apps/web resource requirements updated\n');
    // kubectl edit through an editor that changes the CPU request in the file kubectl hands it.
    const editor = join(dir, 'editor.sh');
    await writeFile(editor, "#!/bin/sh\nsed -i 's/cpu: 200m/cpu: 300m/' \"$1\"\n");
    await chmod(editor, 0o755);
    const edit = await k(['edit', 'deployment', 'web'], { EDITOR: editor, KUBE_EDITOR: editor });
    expect([edit.code, edit.stdout, edit.stderr]).toEqual([0, 'deployment.apps/web edited\n', '']);
    expect(await ok('patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}')).toBe('deployment.apps/web patched\n');

    const d = await got('web');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers).toEqual([{ name: 'nginx', image: 'nginx:1.28', resources: { requests: { cpu: '300m', memory: '64Mi' } } }]);
    const nginx = 'spec.template.spec.containers.{"name":"nginx"}';
    expect(owners(d)).toEqual([
      // kubectl scale names no field manager: the API server takes it from the User-Agent.
      'kubectl Update/scale: spec.replicas',
      // The creator keeps what nobody changed since, `resources` included (now filled by others); replicas and the image moved away.
      `kubectl-create Update: metadata.labels.. metadata.labels.app spec.selector spec.strategy spec.template.metadata.labels.. spec.template.metadata.labels.app ${nginx}.. ${nginx}.name ${nginx}.resources`,
      // kubectl edit took the CPU request from kubectl set, which keeps the memory request.
      `kubectl-edit Update: ${nginx}.resources.requests.cpu`,
      `kubectl-patch Update: ${nginx}.image`,
      `kubectl-set Update: ${nginx}.resources.requests.memory`,
    ]);
    expect(d.metadata.managedFields!.every((e) => e.apiVersion === 'apps/v1' && e.time === '2026-12-06T10:00:00Z')).toBe(true);

    // What kubectl sent: its field manager for each command, merge patches on the scale subresource for scale.
    const writes = fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace('/apis/apps/v1/namespaces/default/', '')} ${r.query['fieldManager'] ?? '-'} ${r.contentType ?? ''} ${r.status ?? ''}`);
    expect(writes).toEqual([
      'POST deployments kubectl-create application/json 201',
      'PATCH deployments/web/scale - application/merge-patch+json 200',
      'PATCH deployments/web kubectl-set application/strategic-merge-patch+json 200',
      'PATCH deployments/web kubectl-edit application/strategic-merge-patch+json 200',
      'PATCH deployments/web kubectl-patch application/strategic-merge-patch+json 200',
    ]);
    expect(fake.requests.find((r) => r.path.endsWith('/scale') && r.method === 'PATCH')?.userAgent).toMatch(/^kubectl\/v1\.\d+/);

    expect(await ok('delete', 'deployment', 'web')).toBe('deployment.apps "web" deleted\n');
    const gone = await k(['get', 'deployment', 'web']);
    expect([gone.code, gone.stderr.trim()]).toEqual([1, 'Error from server (NotFound): deployments.apps "web" not found']);
  });

  it('client-side apply: kubectl-client-side-apply owns what the file sets, and the last-applied annotation', async () => {
    const file = join(dir, 'api.yaml');
    await writeFile(file, apiDeploymentManifest(1, '100m'));
    expect(await ok('apply', '-f', file)).toBe('deployment.apps/api created\n');
    await writeFile(file, apiDeploymentManifest(2, '250m'));
    expect(await ok('apply', '-f', file)).toBe('deployment.apps/api configured\n');
    expect(await ok('apply', '-f', file)).toBe('deployment.apps/api unchanged\n');

    const d = await got('api');
    expect(d.spec.replicas).toBe(2);
    expect(JSON.parse(d.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']!)).toMatchObject({ spec: { replicas: 2 } });
    expect(owners(d)).toEqual([
      `kubectl-client-side-apply Update: metadata.annotations.. metadata.annotations.kubectl.kubernetes.io/last-applied-configuration spec.replicas spec.selector spec.template.metadata.labels.. spec.template.metadata.labels.app ${APP}.. ${APP}.image ${APP}.name ${APP}.resources.requests.cpu ${APP}.resources.requests.memory`,
    ]);
    const writes = fake.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.query['fieldManager'] ?? '-'} ${r.contentType ?? ''}`);
    // The third apply found nothing to change and sent nothing.
    expect(writes).toEqual(['POST kubectl-client-side-apply application/json', 'PATCH kubectl-client-side-apply application/strategic-merge-patch+json']);
  });

  it('server-side apply: a conflict with kubectl-create, then --force-conflicts moves replicas to the Apply entry of `kubectl`', async () => {
    await ok('create', 'deployment', 'web', '--image=nginx:1.27');
    const file = join(dir, 'ssa.yaml');
    await writeFile(file, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 4}\n');
    const refused = await k(['apply', '--server-side', '-f', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl-create" using apps/v1: .spec.replicas');
    const before = await got('web');
    expect(before.spec.replicas).toBe(1);

    expect(await ok('apply', '--server-side', '--force-conflicts', '-f', file)).toBe('deployment.apps/web serverside-applied\n');
    const d = await got('web');
    expect(d.spec.replicas).toBe(4);
    expect(Number(d.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
    expect(owners(d).map((o) => o.split(':')[0])).toEqual(['kubectl Apply', 'kubectl-create Update']);
    expect(owners(d)[0]).toBe('kubectl Apply: spec.replicas');
    expect(owners(d)[1]).not.toContain('spec.replicas');
    const apply = fake.requests.filter((r) => r.method === 'PATCH').map((r) => `${r.query['fieldManager'] ?? '-'} force=${r.query['force'] ?? '-'} ${r.contentType ?? ''} ${r.status ?? ''}`);
    expect(apply).toEqual(['kubectl force=false application/apply-patch+yaml 409', 'kubectl force=true application/apply-patch+yaml 200']);
  });

  it('StatefulSets and DaemonSets too: apply, scale (StatefulSet), set resources (DaemonSet); a DaemonSet has no scale', async () => {
    const file = join(dir, 'workloads.yaml');
    const pod = (name: string) => `  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: app, image: "nginx:1.27"}]}\n`;
    await writeFile(
      file,
      `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  replicas: 1\n${pod('db')}---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n${pod('agent')}`,
    );
    expect(await ok('apply', '-f', file)).toBe('statefulset.apps/db created\ndaemonset.apps/agent created\n');
    expect(await ok('scale', 'statefulset', 'db', '--replicas=3')).toBe('statefulset.apps/db scaled\n');
    expect(await ok('set', 'resources', 'daemonset', 'agent', '--limits=memory=128Mi')).toBe('daemonset.apps/agent resource requirements updated\n');
    const noScale = await k(['scale', 'daemonset', 'agent', '--replicas=2']);
    expect(noScale.code).toBe(1);
    const read = async (kind: string, name: string) => JSON.parse(await ok('get', kind, name, '-o', 'json', '--show-managed-fields')) as Got;
    expect(owners(await read('statefulset', 'db')).map((o) => o.split(':')[0])).toEqual(['kubectl Update/scale', 'kubectl-client-side-apply Update']);
    expect(owners(await read('daemonset', 'agent')).map((o) => o.split(':')[0])).toEqual(['kubectl-client-side-apply Update', 'kubectl-set Update']);
    expect(owners(await read('daemonset', 'agent'))[1]).toBe(`kubectl-set Update: ${APP}.resources.limits.memory`);
  });
});
