import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { auditConfig, settleAudit, startAuditServer } from '../support/audit-events.js';
import { apiDeploymentManifest, kubectl, kubectlAvailable } from '../support/kubectl.js';
import { useFakeCluster } from '../support/fake-cluster-fixture.js';

// The audit against what the real kubectl writes: each command's write reaches the server's watch
// with the managedFields the fake's API server wrote for it, and the audit event names the manager
// of the fields that moved (changedBy), the tool (source) and what moved (changes).

const e2e = useFakeCluster({ now: '2026-12-06T10:00:00.250Z', creationClock: true, tempDir: 'kubectl-e2e-' });

const HAVE_KUBECTL = kubectlAvailable();

/** Runs kubectl and expects success. */
async function run(args: readonly string[], env: Record<string, string> = {}): Promise<void> {
  const r = await kubectl(e2e.kubeconfig.path, join(e2e.dir, 'cache'), args, env);
  expect([r.code, r.stderr], `kubectl ${args.join(' ')}`).toEqual([0, '']);
}

/** Runs kubectl, expects success, then moves the clock a minute so the next write has its own time. */
async function k(args: readonly string[], env: Record<string, string> = {}): Promise<void> {
  await run(args, env);
  e2e.clock.advance(60_000);
}

const who = (e: AuditEvent) => [e.eventType, e.properties.name, e.changedBy, e.source?.tool, e.changes];

describe.skipIf(!HAVE_KUBECTL)('the audit of what the real kubectl writes', () => {
  it('names kubectl-create, kubectl-client-side-apply, kubectl (scale, Apply), kubectl-set, kubectl-edit and kubectl-patch, with what moved', async () => {
    e2e.server = await startAuditServer(auditConfig(e2e.kubeconfig.path, { AUDIT_RESOURCE_TYPES: 'deployment', AUDIT_SCALE_GROUP_INTERVAL: '0', AUDIT_RECORD_IMAGE_CHANGES: 'true' }), e2e.clock);
    let n = 0;
    const settle = () => settleAudit(e2e.server!, ++n);

    await k(['create', 'deployment', 'web', '--image=nginx:1.27']);
    await settle();
    const file = join(e2e.dir, 'api.yaml');
    await writeFile(file, apiDeploymentManifest(1, '100m'));
    await k(['apply', '-f', file]);
    await settle();
    await k(['scale', 'deployment', 'web', '--replicas=3']);
    await settle();
    await k(['set', 'resources', 'deployment', 'web', '--requests=cpu=200m,memory=64Mi']);
    await settle();
    const editor = join(e2e.dir, 'editor.sh');
    await writeFile(editor, "#!/bin/sh\nsed -i 's/cpu: 200m/cpu: 300m/' \"$1\"\n");
    await chmod(editor, 0o755);
    await k(['edit', 'deployment', 'web'], { EDITOR: editor, KUBE_EDITOR: editor });
    await settle();
    await writeFile(file, apiDeploymentManifest(2, '250m'));
    await k(['apply', '-f', file]);
    await settle();
    const ssa = join(e2e.dir, 'ssa.yaml');
    await writeFile(ssa, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 4}\n');
    await k(['apply', '--server-side', '--force-conflicts', '-f', ssa]);
    await settle();
    await k(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}']);
    await settle();
    await k(['delete', 'deployment', 'web']);
    const got = await settle();

    const at = (minute: number) => `2026-12-06T10:0${minute}:00Z`;
    expect(got.map(who)).toEqual([
      ['delete', 'web', { manager: 'unknown' }, 'unknown', undefined],
      ['update', 'web', { manager: 'kubectl-patch', operation: 'Update', time: at(7) }, 'unknown', [{ field: 'containers[nginx].image', from: 'nginx:1.27', to: 'nginx:1.28' }]],
      ['update', 'web', { manager: 'kubectl', operation: 'Apply', time: at(6) }, 'unknown', [{ field: 'replicas', from: 3, to: 4 }]],
      [
        'update',
        'api',
        { manager: 'kubectl-client-side-apply', operation: 'Update', time: at(5) },
        'kubectl',
        [
          { field: 'replicas', from: 1, to: 2 },
          { field: 'containers[app].requests.cpu', from: '100m', to: '250m' },
        ],
      ],
      ['update', 'web', { manager: 'kubectl-edit', operation: 'Update', time: at(4) }, 'unknown', [{ field: 'containers[nginx].requests.cpu', from: '200m', to: '300m' }]],
      [
        'update',
        'web',
        { manager: 'kubectl-set', operation: 'Update', time: at(3) },
        'unknown',
        [
          { field: 'containers[nginx].requests.cpu', from: null, to: '200m' },
          { field: 'containers[nginx].requests.memory', from: null, to: '64Mi' },
        ],
      ],
      ['update', 'web', { manager: 'kubectl', operation: 'Update', subresource: 'scale', time: at(2) }, 'unknown', [{ field: 'replicas', from: 1, to: 3 }]],
      ['add', 'api', { manager: 'kubectl-client-side-apply', operation: 'Update', time: at(1) }, 'kubectl', undefined],
      ['add', 'web', { manager: 'kubectl-create', operation: 'Update', time: at(0) }, 'unknown', undefined],
    ]);
  });

  it('names the manager that set the requests, not the creator still holding `resources: {}`, when both wrote in the same second', async () => {
    e2e.server = await startAuditServer(auditConfig(e2e.kubeconfig.path, { AUDIT_RESOURCE_TYPES: 'deployment' }), e2e.clock);
    await run(['create', 'deployment', 'web', '--image=nginx:1.27']);
    await settleAudit(e2e.server, 1);
    // A recommender (its name sorts before kubectl-create) sets the requests within the same second.
    await run(['set', 'resources', 'deployment', 'web', '--requests=cpu=250m', '--field-manager=goldilocks']);
    const [update] = await settleAudit(e2e.server, 2);
    expect(update).toMatchObject({
      eventType: 'update',
      changedBy: { manager: 'goldilocks', operation: 'Update', time: '2026-12-06T10:00:00Z' },
      changes: [{ field: 'containers[nginx].requests.cpu', from: null, to: '250m' }],
    });
  });
});
