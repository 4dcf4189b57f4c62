import http from 'node:http';
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** Query parameters of a watch request (`watch=true` is added by client-node). */
export interface WatchQuery {
  resourceVersion: string;
  allowWatchBookmarks: boolean;
  timeoutSeconds: number;
}

/** Callbacks of one watch request. */
export interface WatchSessionCallbacks {
  /** The response headers arrived: the stream is open. */
  onOpen(): void;
  /** One event: the type as sent and the object, still untyped. */
  onEvent(type: string, object: unknown): void;
  /** The stream is over, once: `null` for a clean end, else why. */
  onEnd(err: unknown): void;
}

/** One open (or opening) watch request. */
export interface WatchSession {
  /** Closes the request now, whether or not its headers have arrived; onEnd still fires once. */
  abort(): void;
  /** Settles when onEnd has run, i.e. the socket is closed. */
  readonly ended: Promise<void>;
}

/**
 * Opens a watch with client-node's `Watch`, with one thing added: a handle on the request's
 * agent. `Watch.watch()` hands back its AbortController only once the response headers arrive,
 * so a server that accepts the connection and never answers would leave the request unreachable.
 * client-node makes a fresh agent per request; destroying it closes this request's socket in
 * any phase.
 */
export function openWatchSession(kc: KubeConfig, path: string, query: WatchQuery, cb: WatchSessionCallbacks): WatchSession {
  let agent: http.Agent | undefined;
  let controller: AbortController | undefined;
  let aborted = false;
  let ended = false;
  let resolveEnded: () => void = () => undefined;
  const endedPromise = new Promise<void>((resolve) => (resolveEnded = resolve));
  const end = (err: unknown): void => {
    if (ended) return;
    ended = true;
    agent?.destroy();
    resolveEnded();
    cb.onEnd(err);
  };
  // A view of the KubeConfig that records the agent client-node creates for this one request.
  const capturing = Object.create(kc, {
    applyToFetchOptions: {
      value: async (opts: https.RequestOptions) => {
        const init = await kc.applyToFetchOptions(opts);
        if (init.agent instanceof http.Agent) agent = init.agent;
        if (aborted) throw new Error('watch aborted before it was sent');
        return init;
      },
    },
  }) as KubeConfig;
  // Loaded here, not at start: a server without a cluster never loads the Kubernetes client (kubeconfig.ts).
  import('@kubernetes/client-node')
    .then(({ Watch }) =>
      new Watch(capturing).watch(
        path,
        { resourceVersion: query.resourceVersion, allowWatchBookmarks: query.allowWatchBookmarks, timeoutSeconds: query.timeoutSeconds },
        (type: string, object: unknown) => {
          if (!ended && !aborted) cb.onEvent(type, object);
        },
        end,
      ),
    )
    .then(
      (c) => {
        controller = c;
        if (aborted) c.abort();
        else if (!ended) cb.onOpen();
      },
      end,
    );
  return {
    abort() {
      if (aborted) return;
      aborted = true;
      controller?.abort();
      // Covers the request still waiting for headers, which the controller cannot reach yet.
      agent?.destroy();
    },
    ended: endedPromise,
  };
}
