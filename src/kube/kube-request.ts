import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** A GET to the current cluster, ready to send: the URL, the options client-node computed, and which module sends it. */
export interface KubeRequest {
  readonly url: URL;
  readonly options: https.RequestOptions;
  readonly send: typeof http.request;
  /** Call once the request is over: closes the agent client-node made for it, unless it went on a {@link KubeConnection}. */
  readonly release: () => void;
}

/**
 * Builds a request to `path` with the kubeconfig's TLS settings, proxy and credentials, as
 * client-node itself computes them (`applyToHTTPSOptions` runs the auth providers: exec, token
 * files, OIDC refresh), for node:http(s). Not Node's global fetch: it ignores the `agent` that
 * carries the CA and client certificates. client-node makes a fresh agent per call, so each
 * request is a connection of its own (and over TLS a handshake of its own) unless `connection`
 * carries a run of requests; `release` closes what the request opened.
 */
export async function prepareKubeRequest(kc: KubeConfig, path: string, query: Readonly<Record<string, string>>, connection?: KubeConnection): Promise<KubeRequest> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const options: https.RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  const adopted = connection?.adopt(options) === true;
  return { url, options, send: url.protocol === 'https:' ? https.request : http.request, release: adopted ? () => undefined : () => closeAgent(options) };
}

/** Closes the sockets of the agent made for one request (client-node creates one per call). */
function closeAgent(options: https.RequestOptions): void {
  if (options.agent instanceof http.Agent) options.agent.destroy();
}

/**
 * One keep-alive connection for requests sent one after another (the pages of one list): the
 * first request's agent, as client-node made it (CA, client certificate and key, server name),
 * is replaced by a keep-alive copy that the following requests share, so a list of 200 pages
 * is one TCP connection and one TLS handshake instead of 200. Credentials in headers (tokens,
 * exec plugins) are still applied per request; the TLS material is the first request's for the
 * run's few seconds. An agent of a proxy (client-node's `proxy-url`) is left as it is. `close()`
 * ends the connection; a request after it gets an agent of its own again.
 */
export class KubeConnection {
  #agent: http.Agent | undefined;
  #closed = false;

  /** Puts the request on the shared agent; false when it keeps its own (a proxy's agent, or after close). */
  adopt(options: https.RequestOptions): boolean {
    const made = options.agent;
    if (this.#closed || !(made instanceof http.Agent)) return false;
    if (made.constructor !== https.Agent && made.constructor !== http.Agent) return false;
    if (this.#agent === undefined) {
      const tls = made instanceof https.Agent ? made.options : undefined;
      this.#agent = tls === undefined ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : new https.Agent({ ...tls, keepAlive: true, maxSockets: 1 });
    }
    made.destroy();
    options.agent = this.#agent;
    return true;
  }

  close(): void {
    this.#closed = true;
    this.#agent?.destroy();
    this.#agent = undefined;
  }
}
