import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';
import { systemClock, type Clock } from './clock.js';
import { redactedConfig, type Config } from './config.js';
import { EventBus } from './events/bus.js';
import { EtlLog } from './events/etl-log.js';
import type { Topics } from './events/topics.js';
import { Readiness } from './readiness.js';

/** A running server: its app, the address it listens on, and how to stop it gracefully. */
export interface ServerHandle {
  readonly app: FastifyInstance;
  readonly bus: EventBus<Topics>;
  /** `http://host:port` of the listener. */
  readonly url: string;
  /** Stops accepting, lets in-flight requests finish (bounded), stops producers, flushes stores. */
  close(): Promise<void>;
}

/** What the composition root can be given instead of the real thing (tests pass a manual clock). */
export interface ServerOptions {
  readonly clock?: Clock;
  readonly logger?: FastifyServerOptions['logger'];
  /** Extra plugins registered before listening, for embedding and for tests. */
  readonly plugins?: readonly FastifyPluginAsync[];
}

/**
 * The composition root: creates every part from the settings, wires producers to stores through
 * the bus, and starts listening. Nothing else creates long-lived objects or timers.
 */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<ServerHandle> {
  const clock = options.clock ?? systemClock();
  const readiness = new Readiness();
  const etlLog = new EtlLog(config.etlLogCapacity);
  const app = buildApp({ clock, etlLog, readiness, logger: options.logger ?? false });
  const bus = new EventBus<Topics>((topic, err) => app.log.error({ err, topic }, 'event subscriber failed'));
  bus.subscribe('etl', (e) => etlLog.append(e));
  readiness.register({ name: 'storage', status: () => ({ ready: true, state: 'ready', detail: config.storageUrl }) });

  let shuttingDown = false;
  // Responses finished during shutdown close their connection, so keep-alive clients do not
  // hold the server open until their idle timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (shuttingDown) void reply.header('connection', 'close');
  });
  for (const plugin of options.plugins ?? []) void app.register(plugin);
  app.log.info({ settings: redactedConfig(config) }, 'starting cost-events');
  const url = await app.listen({ port: config.port, host: config.host });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      shuttingDown = true;
      // Past the grace period, in-flight requests are cut so shutdown always ends.
      const force = clock.setTimeout(() => {
        app.log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'in-flight requests still running at shutdown timeout; closing their connections');
        app.server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      try {
        await app.close();
      } finally {
        clock.clearTimeout(force);
      }
      app.log.info('shutdown complete');
    })();
    return closing;
  };
  return { app, bus, url, close };
}
