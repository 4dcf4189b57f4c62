import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';
import { loadPriceSheet } from '../../src/cost/price-sheet.js';
import { KUBE_KINDS } from '../../src/kube/kinds.js';
import { EVERY_OPTION, loadChart, only, renderChart, renderObjects, type KubeObject } from './support/chart.js';
import type { GoMap, GoValue } from './support/go-template/values.js';

// No helm binary here: the chart is rendered by the test-only renderer (support/go-template),
// after the values pass values.schema.json, and the output is parsed and checked as Kubernetes
// objects. Release "ce" in namespace "cost" unless a test says otherwise.

const chart = loadChart();
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}
interface Probe {
  readonly httpGet: { readonly path: string; readonly port: string };
}
interface Container {
  readonly name: string;
  readonly image: string;
  readonly env: readonly EnvVar[];
  readonly ports: readonly { readonly name: string; readonly containerPort: number }[];
  readonly startupProbe: Probe;
  readonly livenessProbe: Probe;
  readonly readinessProbe: Probe;
  readonly securityContext: Record<string, unknown>;
  readonly volumeMounts: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean; readonly subPath?: string }[];
}
interface Volume {
  readonly name: string;
  readonly emptyDir?: object;
  readonly persistentVolumeClaim?: { readonly claimName: string };
  readonly configMap?: { readonly name: string; readonly items: readonly { key: string; path: string }[] };
  readonly secret?: { readonly secretName: string; readonly items: readonly { key: string; path: string }[] };
}
interface Deployment extends KubeObject {
  readonly spec: {
    readonly replicas: number;
    readonly strategy: { readonly type: string };
    readonly selector: { readonly matchLabels: Record<string, string> };
    readonly template: {
      readonly metadata: { readonly labels: Record<string, string>; readonly annotations?: Record<string, string> };
      readonly spec: {
        readonly serviceAccountName: string;
        readonly terminationGracePeriodSeconds: number;
        readonly securityContext: Record<string, unknown>;
        readonly containers: readonly Container[];
        readonly volumes: readonly Volume[];
      };
    };
  };
}
interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

const deployment = (overrides: GoMap = {}) => only(renderObjects(chart, overrides), 'Deployment') as Deployment;
const container = (overrides: GoMap = {}) => deployment(overrides).spec.template.spec.containers[0]!;
const envOf = (overrides: GoMap = {}) => new Map(container(overrides).env.map((e) => [e.name, e.value ?? e.valueFrom] as const));
const kinds = (overrides: GoMap = {}) => renderObjects(chart, overrides).map((o) => o.kind).sort();
const notes = (overrides: GoMap = {}) => renderChart(chart, overrides).get('NOTES.txt') ?? '';


/** Names of the settings whose value is a path the server must be able to read (not checkable here). */
const FILE_SETTINGS = new Set(['KUBECONFIG', 'PRICING_CONFIG', 'CES_TOKENS_FILE', 'BILLING_EXPORT', 'NOTIFY_CONFIG']);

describe('Chart.yaml', () => {
  it('is a v2 chart named like its directory, deploying the version of package.json', () => {
    expect([chart.meta.apiVersion, chart.meta.name, chart.meta.appVersion]).toEqual(['v2', 'cost-events', pkg.version]);
    expect(chart.meta.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('the templates', () => {
  it('read only values that values.yaml defines', () => {
    const missing: string[] = [];
    for (const [file, src] of chart.templates) {
      for (const m of src.matchAll(/\.Values((?:\.[A-Za-z_]\w*)+)/g)) {
        const path = m[1]!.slice(1).split('.');
        let v: GoValue | undefined = chart.values;
        for (const key of path) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as GoMap)[key] : undefined;
        if (v === undefined) missing.push(`${file}: .Values.${path.join('.')}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('write the ClusterRole rules literally, with no template expression', () => {
    const src = chart.templates.get('clusterrole.yaml') ?? '';
    const rules = src.slice(src.indexOf('rules:'), src.lastIndexOf('{{- end }}'));
    expect(rules).not.toContain('{{');
    expect(rules.split('\n').filter((l) => l.includes('verbs:'))).toEqual(['    verbs: ["get", "list", "watch"]', '    verbs: ["get", "list", "watch"]']);
  });

  it('render with the default values to a Deployment, its Service, ServiceAccount, RBAC and the SQLite volume claim', () => {
    expect(kinds()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PersistentVolumeClaim', 'Service', 'ServiceAccount']);
  });

  it('render with every option on to the PostgreSQL shape: a price ConfigMap and a ServiceMonitor, no volume claim', () => {
    expect(kinds(EVERY_OPTION)).toEqual(['ClusterRole', 'ClusterRole', 'ClusterRoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'Service', 'ServiceAccount', 'ServiceMonitor']);
  });

  it('grant create and patch on events, literally and in a role of their own, only with a kubernetes-events sink', () => {
    const src = chart.templates.get('clusterrole-events.yaml') ?? '';
    const rules = src.slice(src.indexOf('rules:'), src.indexOf('---'));
    expect(rules).not.toContain('{{');
    expect(rules.split('\n').filter((l) => l.includes('verbs:'))).toEqual(['    verbs: ["create", "patch"]']);
    const roles = (o: GoMap) => renderObjects(chart, o).filter((x) => x.kind === 'ClusterRole').map((x) => x.metadata.name).sort();
    expect(roles({})).toEqual(['ce-cost-events']);
    expect(roles({ notifications: { kubernetesEvents: true } })).toEqual(['ce-cost-events', 'ce-cost-events-events']);
  });

  it('label every object with the standard labels', () => {
    for (const o of renderObjects(chart, EVERY_OPTION)) {
      expect(o.metadata.labels, o.kind).toEqual({
        'helm.sh/chart': 'cost-events-0.2.0',
        'app.kubernetes.io/name': 'cost-events',
        'app.kubernetes.io/instance': 'ce',
        'app.kubernetes.io/version': pkg.version,
        'app.kubernetes.io/managed-by': 'Helm',
      });
    }
  });
});

describe('the Deployment environment', () => {
  it('sets every setting to the default of src/config.ts, STORAGE_URL to the SQLite file on the volume', () => {
    const expected = new Map<string, string | undefined>(
      Object.values(SETTINGS)
        .filter((s) => s.default !== undefined)
        .map((s) => [s.env, s.default] as const),
    );
    expected.set('STORAGE_URL', 'sqlite:/data/cost-events.db');
    expect(envOf()).toEqual(expected);
  });

  it('sets only settings src/config.ts reads, all of them with every option on', () => {
    const names = [...envOf(EVERY_OPTION).keys()].sort();
    expect(names).toEqual(Object.values(SETTINGS).map((s) => s.env).sort());
  });

  it('sets values src/config.ts accepts with every option on', () => {
    const bySetting = new Map(Object.values(SETTINGS).map((s) => [s.env, s] as const));
    const refused = container(EVERY_OPTION).env.filter((e) => {
      const s = bySetting.get(e.name);
      return s !== undefined && e.value !== undefined && !FILE_SETTINGS.has(e.name) && s.parse(e.value) === undefined;
    });
    expect(refused).toEqual([]);
  });

  it('turns the audit on with costEventsAudit.enabled, as Kubecost names it', () => {
    expect(envOf({ costEventsAudit: { enabled: true } }).get('COST_EVENTS_AUDIT_ENABLED')).toBe('true');
  });

  it('joins the audit resource types into the comma list AUDIT_RESOURCE_TYPES takes', () => {
    expect(envOf({ costEventsAudit: { resourceTypes: ['daemonset', 'pod'] } }).get('AUDIT_RESOURCE_TYPES')).toBe('daemonset,pod');
  });

  it('writes large numbers in full, not in the 1e+06 form Go gives a float64', () => {
    const env = envOf({
      costEventsAudit: { capacity: 1_000_000 },
      etl: { logCapacity: 1_000_000 },
      storage: { queueCapacity: 10_000_000 },
      cloudEye: { rateLimit: 1_000_000, customEvents: { capacity: 10_000_000 } },
    });
    expect([env.get('AUDIT_CAPACITY'), env.get('ETL_LOG_CAPACITY'), env.get('STORAGE_QUEUE_CAPACITY'), env.get('CES_RATE_LIMIT'), env.get('CUSTOM_EVENT_CAPACITY')]).toEqual([
      '1000000',
      '1000000',
      '10000000',
      '1000000',
      '10000000',
    ]);
  });

  it('reads STORAGE_URL from the Secret named by storage.existingSecret', () => {
    expect(envOf({ storage: { existingSecret: 'cost-events-postgres', existingSecretKey: 'url' } }).get('STORAGE_URL')).toEqual({
      secretKeyRef: { name: 'cost-events-postgres', key: 'url' },
    });
  });

  it('sets KUBECOST_URL for the kubecost predictor', () => {
    const env = envOf({ costPredictor: { type: 'kubecost', kubecostUrl: 'http://kubecost-cost-analyzer.kubecost:9090' } });
    expect([env.get('COST_PREDICTOR'), env.get('KUBECOST_URL')]).toEqual(['kubecost', 'http://kubecost-cost-analyzer.kubecost:9090']);
  });

  it('appends extraEnv after the settings', () => {
    expect(container({ extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }] }).env.at(-1)).toEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' });
  });
});

describe('the Deployment', () => {
  it('probes /healthz for liveness and start-up and /readyz for readiness, on the http port 9090', () => {
    const c = container();
    expect([c.startupProbe.httpGet, c.livenessProbe.httpGet, c.readinessProbe.httpGet]).toEqual([
      { path: '/healthz', port: 'http' },
      { path: '/healthz', port: 'http' },
      { path: '/readyz', port: 'http' },
    ]);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
  });

  it('runs as the image user 10001, non-root, under the RuntimeDefault seccomp profile', () => {
    expect(deployment().spec.template.spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('runs the container on a read-only root file system, with every capability dropped and no escalation', () => {
    expect(container().securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it("leaves the heap to the image's entrypoint, which sizes it from the 512Mi memory limit (307 MiB of old space)", () => {
    const c = container() as unknown as Record<string, unknown>;
    expect(c['resources']).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    // No command or args: the image's ENTRYPOINT (scripts/container-start.sh) runs, and nothing sets the heap before it.
    expect([c['command'], c['args'], envOf().get('NODE_OPTIONS')]).toEqual([undefined, undefined, undefined]);
    expect(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')).toContain('\nENTRYPOINT ["/app/container-start.sh"]\n');
  });

  it('agrees with the image on the user, the data directory and the port', () => {
    const image = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    expect(image).toContain('\nUSER 10001:10001\n');
    expect(image).toContain('STORAGE_URL=sqlite:/data/cost-events.db');
    expect(image).toContain('\nEXPOSE 9090\n');
    const d = deployment();
    expect([d.spec.template.spec.securityContext.runAsUser, envOf().get('STORAGE_URL'), container().ports[0]?.containerPort]).toEqual([10001, 'sqlite:/data/cost-events.db', 9090]);
  });

  it('gives the server only /tmp and /data to write to, /data on the chart volume claim', () => {
    const spec = deployment().spec.template.spec;
    expect(container().volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'data', mountPath: '/data' },
    ]);
    expect(spec.volumes).toEqual([
      { name: 'tmp', emptyDir: {} },
      { name: 'data', persistentVolumeClaim: { claimName: 'ce-cost-events' } },
    ]);
  });

  it('replaces the pod with Recreate on SQLite, so two pods never open the file', () => {
    expect(deployment().spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('rolls several replicas on PostgreSQL, without a data volume', () => {
    const d = deployment({ replicaCount: 3, storage: { existingSecret: 'cost-events-postgres' } });
    expect([d.spec.replicas, d.spec.strategy.type, d.spec.template.spec.volumes.map((v) => v.name)]).toEqual([3, 'RollingUpdate', ['tmp']]);
  });

  it('refuses, in the template too, several replicas on SQLite', () => {
    expect(() => renderChart(chart, { replicaCount: 2 }, { validate: false })).toThrow(
      'replicaCount above 1 needs PostgreSQL: set storage.existingSecret to a Secret holding a postgres:// STORAGE_URL (SQLite on a ReadWriteOnce volume serves one replica)',
    );
  });

  it('refuses, in the template too, the kubecost predictor without its URL', () => {
    expect(() => renderChart(chart, { costPredictor: { type: 'kubecost' } }, { validate: false })).toThrow(
      'costPredictor.kubecostUrl is required when costPredictor.type is kubecost',
    );
  });

  it('keeps the data in an emptyDir when the persistent volume is off', () => {
    expect(deployment({ persistentVolume: { enabled: false } }).spec.template.spec.volumes[1]).toEqual({ name: 'data', emptyDir: {} });
    expect(kinds({ persistentVolume: { enabled: false } })).not.toContain('PersistentVolumeClaim');
  });

  it('mounts an existing claim instead of creating one', () => {
    const overrides = { persistentVolume: { existingClaim: 'events-data' } };
    expect(deployment(overrides).spec.template.spec.volumes[1]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'events-data' } });
    expect(kinds(overrides)).not.toContain('PersistentVolumeClaim');
  });

  it('mounts the price sheet from its ConfigMap where PRICING_CONFIG points, and restarts pods when it changes', () => {
    const overrides = { pricing: { prices: { cpuCoreMonth: 28, gpuHour: 2.1 } } };
    const d = deployment(overrides);
    expect(envOf(overrides).get('PRICING_CONFIG')).toBe('/etc/cost-events/pricing/pricing.json');
    expect(container(overrides).volumeMounts).toContainEqual({ name: 'pricing', mountPath: '/etc/cost-events/pricing', readOnly: true });
    expect(d.spec.template.spec.volumes).toContainEqual({ name: 'pricing', configMap: { name: 'ce-cost-events-pricing', items: [{ key: 'pricing.json', path: 'pricing.json' }] } });
    expect(d.spec.template.metadata.annotations?.['checksum/pricing']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes a price sheet the server loads', () => {
    const cm = only(renderObjects(chart, { pricing: { prices: { cpuCoreMonth: 28, gpuHour: 2.1 } } }), 'ConfigMap') as KubeObject & { data: Record<string, string> };
    expect(cm.data['pricing.json']).toBe('{"cpuCoreMonth":28,"gpuHour":2.1}');
    expect(loadPriceSheet(cm.data['pricing.json'] ?? '', 'pricing.json')).toEqual({
      cpuCoreMonth: 28,
      ramGiBMonth: 3.09,
      gpuHour: 2.1,
      hoursPerMonth: 730,
      storageGiBMonth: 0.04,
      loadBalancerHour: 0.025,
    });
  });

  it('mounts the kubeconfig Secret where KUBECONFIG points', () => {
    const overrides = { kubeconfig: { existingSecret: 'remote-cluster' } };
    expect(envOf(overrides).get('KUBECONFIG')).toBe('/etc/cost-events/kubeconfig/config');
    expect(deployment(overrides).spec.template.spec.volumes).toContainEqual({ name: 'kubeconfig', secret: { secretName: 'remote-cluster', items: [{ key: 'config', path: 'config' }] } });
  });

  it('mounts the Cloud Eye tokens Secret as a directory, not a subPath, so an edited Secret reaches the pod', () => {
    const overrides = { cloudEye: { tokensSecret: 'cloud-eye-tokens' } };
    expect(envOf(overrides).get('CES_TOKENS_FILE')).toBe('/etc/cost-events/cloud-eye/tokens.json');
    expect(container(overrides).volumeMounts).toContainEqual({ name: 'cloud-eye-tokens', mountPath: '/etc/cost-events/cloud-eye', readOnly: true });
    expect(deployment(overrides).spec.template.spec.volumes).toContainEqual({
      name: 'cloud-eye-tokens',
      secret: { secretName: 'cloud-eye-tokens', items: [{ key: 'tokens.json', path: 'tokens.json' }] },
    });
  });

  it('mounts the AK/SK secret key files of the same Secret beside tokens.json, where skFile finds them', () => {
    const overrides = { cloudEye: { tokensSecret: 'cloud-eye-tokens', secretKeyFiles: ['sk-ops', 'sk-ci'] } };
    expect(deployment(overrides).spec.template.spec.volumes).toContainEqual({
      name: 'cloud-eye-tokens',
      secret: {
        secretName: 'cloud-eye-tokens',
        items: [
          { key: 'tokens.json', path: 'tokens.json' },
          { key: 'sk-ops', path: 'sk-ops' },
          { key: 'sk-ci', path: 'sk-ci' },
        ],
      },
    });
  });

  it('mounts the billing export claim read-only where BILLING_EXPORT points, and sets it only then', () => {
    expect(envOf().has('BILLING_EXPORT')).toBe(false);
    const overrides = { etl: { billingExport: { existingClaim: 'billing-exports', file: 'focus.csv' } } };
    expect(envOf(overrides).get('BILLING_EXPORT')).toBe('/etc/cost-events/billing/focus.csv');
    expect(container(overrides).volumeMounts).toContainEqual({ name: 'billing-export', mountPath: '/etc/cost-events/billing', readOnly: true });
    expect(deployment(overrides).spec.template.spec.volumes).toContainEqual({
      name: 'billing-export',
      persistentVolumeClaim: { claimName: 'billing-exports', readOnly: true },
    });
  });

  it('gives the pod longer to stop than the server takes to drain', () => {
    const d = deployment();
    const shutdownMs = SETTINGS.shutdownTimeoutMs.parse(envOf().get('SHUTDOWN_TIMEOUT') as string) ?? Infinity;
    expect([d.spec.template.spec.terminationGracePeriodSeconds, shutdownMs]).toEqual([30, 10_000]);
  });

  it('runs the appVersion image by default, and a digest when one is given', () => {
    expect(container().image).toBe(`cost-events:${pkg.version}`);
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(container({ image: { repository: 'registry.example.com/cost-events', digest } }).image).toBe(`registry.example.com/cost-events@${digest}`);
  });

  it('selects its pods by the labels the Service selects', () => {
    const objects = renderObjects(chart);
    const d = only(objects, 'Deployment') as Deployment;
    const svc = only(objects, 'Service') as KubeObject & { spec: { selector: Record<string, string>; ports: unknown[] } };
    expect(d.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'cost-events', 'app.kubernetes.io/instance': 'ce' });
    expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
    expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 9090, targetPort: 'http', protocol: 'TCP' }]);
  });
});

describe('RBAC', () => {
  it('grants exactly get, list and watch on the kinds of src/kube/kinds.ts, nothing else', () => {
    const role = only(renderObjects(chart), 'ClusterRole') as KubeObject & { rules: Rule[] };
    const granted = role.rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`))).sort();
    const watched = Object.values(KUBE_KINDS)
      .map((k) => {
        const [, group = '', resource = ''] = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/(.+)$/.exec(k.path) ?? [];
        return `${group}/${resource}`;
      })
      .sort();
    expect(granted).toEqual(watched);
    expect(role.rules.map((r) => r.verbs)).toEqual([
      ['get', 'list', 'watch'],
      ['get', 'list', 'watch'],
    ]);
  });

  it('binds the ClusterRole to the chart ServiceAccount in the release namespace', () => {
    const objects = renderObjects(chart, {}, { release: { name: 'costs', namespace: 'platform' } });
    const binding = only(objects, 'ClusterRoleBinding') as KubeObject & { roleRef: unknown; subjects: unknown };
    expect([binding.roleRef, binding.subjects]).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'costs-cost-events' },
      [{ kind: 'ServiceAccount', name: 'costs-cost-events', namespace: 'platform' }],
    ]);
    expect((only(objects, 'Deployment') as Deployment).spec.template.spec.serviceAccountName).toBe('costs-cost-events');
  });

  it('creates no RBAC and no ServiceAccount when told not to, and runs as the named account', () => {
    const overrides = { rbac: { create: false }, serviceAccount: { create: false, name: 'existing' } };
    expect(kinds(overrides)).toEqual(['Deployment', 'PersistentVolumeClaim', 'Service']);
    expect(deployment(overrides).spec.template.spec.serviceAccountName).toBe('existing');
  });
});

describe('the ServiceMonitor', () => {
  it('is off by default', () => {
    expect(kinds()).not.toContain('ServiceMonitor');
  });

  it('scrapes /metrics on the http port of the Service, with its extra labels', () => {
    const objects = renderObjects(chart, { serviceMonitor: { enabled: true, additionalLabels: { release: 'prometheus' } } });
    const sm = only(objects, 'ServiceMonitor') as KubeObject & { spec: { selector: unknown; endpoints: unknown } };
    expect([sm.apiVersion, sm.metadata.labels?.release]).toEqual(['monitoring.coreos.com/v1', 'prometheus']);
    expect(sm.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '1m', scrapeTimeout: '10s' }]);
    expect(sm.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'cost-events', 'app.kubernetes.io/instance': 'ce' } });
  });
});

describe('the volume claim', () => {
  it('asks for 1Gi ReadWriteOnce in the default storage class', () => {
    const pvc = only(renderObjects(chart), 'PersistentVolumeClaim') as KubeObject & { spec: unknown };
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
  });

  it('names the storage class given, and none for "-"', () => {
    const spec = (overrides: GoMap) => (only(renderObjects(chart, overrides), 'PersistentVolumeClaim') as KubeObject & { spec: { storageClassName?: string } }).spec;
    expect(spec({ persistentVolume: { storageClass: 'fast-ssd' } }).storageClassName).toBe('fast-ssd');
    expect(spec({ persistentVolume: { storageClass: '-' } }).storageClassName).toBe('');
  });
});

describe('names', () => {
  it('use the release name alone when it already holds the chart name, and fullnameOverride when given', () => {
    const name = (overrides: GoMap, release = 'ce') => only(renderObjects(chart, overrides, { release: { name: release, namespace: 'cost' } }), 'Deployment').metadata.name;
    expect([name({}), name({}, 'cost-events-prod'), name({ fullnameOverride: 'events' })]).toEqual(['ce-cost-events', 'cost-events-prod', 'events']);
  });
});

describe('NOTES.txt', () => {
  it('shows how to port-forward and curl /readyz, /model/etl/log and /model/audit/events', () => {
    const lines = notes({ costEventsAudit: { enabled: true } }).split('\n');
    expect(lines).toContain('  kubectl --namespace cost port-forward service/ce-cost-events 9090:9090');
    expect(lines).toContain('  curl -s localhost:9090/readyz          # 200 once every component is ready, else 503 saying which is not');
    expect(lines).toContain('  curl -s localhost:9090/model/etl/log   # the ETL event log');
    expect(lines).toContain("  curl -s 'localhost:9090/model/audit/events?count=10'   # workload changes and what they cost");
    expect(lines.join('\n')).not.toContain('The Cost Events Audit is off');
  });

  it('points a browser at the web page while it is on, and not when it is off', () => {
    expect(notes().split('\n')).toContain('Then open http://localhost:9090/ in a browser: changes and their cost, the ETL\'s health, costs by namespace.');
    expect(notes({ ui: { enabled: false } })).not.toContain('in a browser');
  });

  it('says how to turn the audit on while it is off', () => {
    expect(notes()).toContain('  helm upgrade ce <this chart> --namespace cost --reuse-values --set costEventsAudit.enabled=true');
  });

  it('warns that events are lost with the pod when the volume is off', () => {
    expect(notes({ persistentVolume: { enabled: false } })).toContain(
      'WARNING: persistentVolume.enabled is false, so the SQLite store is in an emptyDir: every event is lost with the pod.',
    );
  });
});
