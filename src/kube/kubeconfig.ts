import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isIPv6 } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../errors.js';
import { kubeConfigClass, type KubeConfigClass } from './kube-client.js';

/** Where the cluster connection came from; `none` means run without watchers, `invalid` means stop at start. */
export type ClusterConnection =
  | { readonly source: 'kubeconfig'; readonly kubeConfig: KubeConfig; readonly path: string; readonly server: string }
  | { readonly source: 'in-cluster'; readonly kubeConfig: KubeConfig; readonly server: string }
  | { readonly source: 'none'; readonly reason: string }
  | { readonly source: 'invalid'; readonly reason: string };

/** What the loader reads from its surroundings, injectable so tests need no real cluster. */
export interface KubeConfigSources {
  /** Environment: `KUBECONFIG`, `KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The service-account directory; default `/var/run/secrets/kubernetes.io/serviceaccount`. */
  readonly serviceAccountDir?: string;
  readonly fileExists?: (path: string) => boolean;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Finds the cluster to watch: the `KUBECONFIG` file(s) if set, else the in-cluster service
 * account, else none. A set but unusable `KUBECONFIG` is `invalid` (the process should stop),
 * never silently replaced by the in-cluster config.
 *
 * The Kubernetes client's KubeConfig is loaded only when there is a cluster ({@link kubeConfigClass}).
 */
export async function loadClusterConnection(sources: KubeConfigSources): Promise<ClusterConnection> {
  const exists = sources.fileExists ?? existsSync;
  const kubeconfigEnv = sources.env['KUBECONFIG'];
  if (kubeconfigEnv !== undefined && kubeconfigEnv !== '') return fromFiles(await kubeConfigClass(), kubeconfigEnv, exists);
  const saDir = sources.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = sources.env['KUBERNETES_SERVICE_HOST'];
  const tokenFile = join(saDir, 'token');
  if (host !== undefined && host !== '' && exists(tokenFile)) {
    return inCluster(await kubeConfigClass(), host, sources.env['KUBERNETES_SERVICE_PORT'] ?? '443', saDir, exists);
  }
  return {
    source: 'none',
    reason:
      host === undefined || host === ''
        ? 'KUBECONFIG is not set and KUBERNETES_SERVICE_HOST is not set (not running in a cluster)'
        : `KUBECONFIG is not set and the service-account token ${tokenFile} does not exist`,
  };
}

function fromFiles(KubeConfig: KubeConfigClass, value: string, exists: (p: string) => boolean): ClusterConnection {
  // Like kubectl, KUBECONFIG may list several files; the first one to set a value wins.
  const paths = value.split(delimiter).filter((p) => p !== '');
  const missing = paths.filter((p) => !exists(p));
  if (missing.length === paths.length) {
    return { source: 'invalid', reason: `KUBECONFIG=${value}: no such file (expected a path to a kubeconfig file)` };
  }
  const kc = new KubeConfig();
  let current: string | undefined;
  try {
    for (const p of paths.filter((x) => exists(x))) {
      const one = new KubeConfig();
      one.loadFromFile(p);
      // First definition of a name wins, as in kubectl; client-node's mergeConfig throws on duplicates instead.
      for (const c of one.getClusters()) if (kc.getCluster(c.name) === null) kc.addCluster(c);
      for (const u of one.getUsers()) if (kc.getUser(u.name) === null) kc.addUser(u);
      for (const c of one.getContexts()) if (kc.getContextObject(c.name) === null) kc.addContext(c);
      // The declared type says string; a file without current-context leaves it undefined at run time.
      const own = one.getCurrentContext() as string | undefined;
      if (current === undefined && own !== undefined && own !== '') current = own;
    }
    if (current !== undefined) kc.setCurrentContext(current);
  } catch (err) {
    return { source: 'invalid', reason: `KUBECONFIG=${value}: cannot be read as a kubeconfig: ${errorMessage(err)}` };
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    return { source: 'invalid', reason: `KUBECONFIG=${value}: current context "${current ?? ''}" names no cluster (set current-context to a context with a cluster)` };
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    // client-node 1.x refuses plain http at the first request; say so now, with the fix.
    return { source: 'invalid', reason: `KUBECONFIG=${value}: cluster "${cluster.name}" uses http:// which the client accepts only with insecure-skip-tls-verify: true` };
  }
  return { source: 'kubeconfig', kubeConfig: kc, path: paths.join(delimiter), server: cluster.server };
}

function inCluster(KubeConfig: KubeConfigClass, host: string, port: string, saDir: string, exists: (p: string) => boolean): ClusterConnection {
  // client-node's loadFromCluster() reads process.env itself; building the same config here keeps
  // the environment injectable. The tokenFile provider re-reads the projected token as it rotates.
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const namespaceFile = join(saDir, 'namespace');
  const namespace = exists(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'inCluster', server, caFile: join(saDir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: join(saDir, 'token') } } }],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', ...(namespace === undefined ? {} : { namespace }) }],
    currentContext: 'inClusterContext',
  });
  return { source: 'in-cluster', kubeConfig: kc, server };
}
