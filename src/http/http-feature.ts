import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { buildApp, type AppDeps } from '../app.js';
import { redactedConfig } from '../config.js';
import type { Feature, FeatureContext } from '../feature.js';

/** The listener as a feature: the app every other feature contributed to, listening; stopped first. */
export interface HttpFeature extends Feature {
  readonly server: FastifyInstance;
  /** `http://host:port` of the listener, once started. */
  url(): string;
}

/** What the app is built from, beyond the context. */
export interface HttpFeatureDeps {
  readonly deps: Omit<AppDeps, 'clock' | 'logger' | 'loggerInstance'>;
  /** The root's logger, or none: Fastify then logs nothing. */
  readonly loggerInstance: FastifyBaseLogger | undefined;
  /** Extra plugins registered before listening, for embedding and for tests. */
  readonly plugins: readonly FastifyPluginAsync[];
}

/**
 * Builds the app and listens on `HOST:PORT`. Stopping closes the listener at once (new connections
 * are refused), marks responses finished meanwhile `Connection: close` so keep-alive clients let
 * go, and waits for in-flight requests up to `SHUTDOWN_TIMEOUT`, then closes their connections.
 */
export function httpFeature({ config, clock, log }: FeatureContext, deps: HttpFeatureDeps): HttpFeature {
  const app = buildApp({ ...deps.deps, clock, ...(deps.loggerInstance !== undefined && { loggerInstance: deps.loggerInstance }) });
  let shuttingDown = false;
  let url: string | undefined;
  // Responses finished during shutdown close their connection, so keep-alive clients do not
  // hold the server open until their idle timeout.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (shuttingDown) void reply.header('connection', 'close');
    done(null, payload);
  });
  for (const plugin of deps.plugins) void app.register(plugin);
  return {
    name: 'http',
    server: app,
    url: () => url ?? '',
    async start() {
      log.info({ settings: redactedConfig(config) }, 'starting cost-events');
      url = await app.listen({ port: config.port, host: config.host });
    },
    async stop() {
      shuttingDown = true;
      if (url === undefined) return app.close();
      // Past the grace period, in-flight requests are cut so shutdown always ends.
      const force = clock.setTimeout(() => {
        log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests still running at shutdown timeout; closing their connections');
        app.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      // The listener stops first, before Fastify's close walks every plugin's hooks (a tick or
      // more each): a connection accepted meanwhile would only be reset. Node's close waits for
      // the connections still open; Fastify's own close of the listener then finds it stopped.
      const listenerClosed = new Promise<void>((resolve) => app.server.close(() => resolve()));
      try {
        await app.close();
        await listenerClosed;
      } finally {
        clock.clearTimeout(force);
      }
    },
  };
}
