import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** A request to the current cluster, ready to send: the URL, the options client-node computed, and which module sends it. */
export interface KubeRequest {
  readonly url: URL;
  readonly options: https.RequestOptions;
  readonly send: typeof http.request;
  /** Call once the request is over: closes the agent client-node made for it, unless it went on a {@link KubeConnection}. */
  readonly release: () => void;
}

/** What a request sends besides the path: a query, another method than GET, more headers, the connection it goes on. */
export interface KubeRequestOptions {
  readonly query?: Readonly<Record<string, string>>;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly connection?: KubeConnection | undefined;
}

/**
 * Builds a request to `path` with the kubeconfig's TLS settings, proxy and credentials, as
 * client-node itself computes them (`applyToHTTPSOptions` runs the auth providers: exec, token
 * files, OIDC refresh), for node:http(s). Not Node's global fetch: it ignores the `agent` that
 * carries the CA and client certificates. client-node makes a fresh agent per call, so each
 * request is a connection of its own (and over TLS a handshake of its own) unless it goes on a
 * {@link KubeConnection}; `release` closes what the request opened.
 */
export async function prepareKubeRequest(kc: KubeConfig, path: string, o: KubeRequestOptions = {}): Promise<KubeRequest> {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
  const options: https.RequestOptions = { method: o.method ?? 'GET', headers: { accept: 'application/json', ...o.headers } };
  await kc.applyToHTTPSOptions(options);
  const adopted = o.connection?.adopt(options) === true;
  return { url, options, send: url.protocol === 'https:' ? https.request : http.request, release: adopted ? () => undefined : () => closeAgent(options) };
}

/** Closes the sockets of the agent made for one request (client-node creates one per call). */
function closeAgent(options: https.RequestOptions): void {
  if (options.agent instanceof http.Agent) options.agent.destroy();
}

/** The TLS settings client-node copies onto the agent it makes (config.js, `applyToHTTPSOptions`). */
const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername', 'ciphers', 'crl', 'secureProtocol', 'secureOptions'] as const;

/** How a {@link KubeConnection} holds its sockets. */
export interface KubeConnectionOptions {
  /** Requests in flight at once (more wait for a socket); default 1, requests sent one after another. */
  readonly maxSockets?: number;
  /** An idle socket is closed after this long; default 30 s. */
  readonly idleMs?: number;
}

/**
 * Keep-alive connections for the requests of one user (the pages of one list, Predict's lookups,
 * the Kubernetes Events sink's POSTs): the agent client-node made for a request (CA, client
 * certificate and key, server name) is replaced by a keep-alive agent with the same TLS settings
 * that the following requests share, so 200 list pages, or a day of Events, are one TCP connection
 * and one TLS handshake instead of one each. Credentials in headers (tokens, exec plugins) are
 * still applied per request, and the TLS settings are compared on every request: when they change
 * (a rotated client certificate, a new CA bundle), a new agent takes over and the old one is closed
 * once its requests are over. An agent of a proxy (client-node's `proxy-url`) is left as it is.
 * `close()` ends every connection; a request after it gets an agent of its own again.
 */
export class KubeConnection {
  readonly #maxSockets: number;
  readonly #idleMs: number;
  #agent: http.Agent | undefined;
  #tls: https.AgentOptions | undefined;
  #closed = false;

  constructor(o: KubeConnectionOptions = {}) {
    this.#maxSockets = o.maxSockets ?? 1;
    this.#idleMs = o.idleMs ?? 30_000;
  }

  /** Puts the request on the shared agent; false when it keeps its own (a proxy's agent, or after close). */
  adopt(options: https.RequestOptions): boolean {
    const made = options.agent;
    if (this.#closed || !(made instanceof http.Agent)) return false;
    if (made.constructor !== https.Agent && made.constructor !== http.Agent) return false;
    const tls = made instanceof https.Agent ? made.options : undefined;
    if (this.#agent !== undefined && !sameTls(this.#tls, tls)) {
      retire(this.#agent);
      this.#agent = undefined;
    }
    if (this.#agent === undefined) {
      // Node closes a free socket when it times out; a socket in use is bounded by its request's own deadline.
      const keep = { keepAlive: true, maxSockets: this.#maxSockets, timeout: this.#idleMs };
      this.#agent = tls === undefined ? new http.Agent(keep) : new https.Agent({ ...tls, ...keep });
      this.#tls = tls;
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

/** True when two agents' TLS settings are the same (plain HTTP agents have none). */
function sameTls(a: https.AgentOptions | undefined, b: https.AgentOptions | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return TLS_KEYS.every((k) => sameValue(a[k], b[k]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}

/** Closes an agent whose TLS settings are outdated once no request is using it (at once when none is). */
function retire(agent: http.Agent): void {
  const busy = (): boolean => Object.values(agent.sockets).some((s) => s !== undefined && s.length > 0) || Object.values(agent.requests).some((r) => r !== undefined && r.length > 0);
  if (!busy()) return agent.destroy();
  agent.on('free', () => {
    // 'free' comes before the socket is counted free: look once the agent has filed it.
    setImmediate(() => {
      if (!busy()) agent.destroy();
    });
  });
}
