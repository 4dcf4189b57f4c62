import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** A GET to the current cluster, ready to send: the URL, the options client-node computed, and which module sends it. */
export interface KubeRequest {
  readonly url: URL;
  readonly options: https.RequestOptions;
  readonly send: typeof http.request;
}

/**
 * Builds a request to `path` with the kubeconfig's TLS settings, proxy and credentials, as
 * client-node itself computes them (`applyToHTTPSOptions` runs the auth providers: exec, token
 * files, OIDC refresh), for node:http(s). Not Node's global fetch: it ignores the `agent` that
 * carries the CA and client certificates. client-node makes a fresh agent per call; whoever sends
 * the request destroys it with {@link closeAgent} when the request is over.
 */
export async function prepareKubeRequest(kc: KubeConfig, path: string, query: Readonly<Record<string, string>>): Promise<KubeRequest> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const options: https.RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  return { url, options, send: url.protocol === 'https:' ? https.request : http.request };
}

/** Closes the sockets of the agent made for one request (client-node creates one per call). */
export function closeAgent(options: https.RequestOptions): void {
  if (options.agent instanceof http.Agent) options.agent.destroy();
}
