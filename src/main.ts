#!/usr/bin/env node
import { readBuildInfo, versionLine } from './build-info.js';
import { ConfigError, helpText, loadConfig, type ParsedArgs } from './config.js';
import { startServer, type ServerHandle } from './server.js';
import { errorMessage } from './errors.js';

// The process entry: settings → composition root → signals. Everything else lives in server.ts.

let parsed: ParsedArgs;
try {
  parsed = loadConfig(process.env, process.argv.slice(2));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`cost-events: ${err.message}\n`);
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(`${parsed.asked === 'version' ? versionLine(readBuildInfo()) : helpText()}\n`);
  process.exit(0);
}
const { config } = parsed;

// Signal handlers come first: a SIGTERM that arrives while the server starts (a rollout) must
// still end in a graceful shutdown, once there is a server to shut down, never in a kill.
const running: { server?: ServerHandle; stopping?: NodeJS.Signals } = {};
const shutdown = (s: ServerHandle, signal: NodeJS.Signals): void => {
  s.app.log.info({ signal }, 'shutting down');
  s.close().then(
    () => process.exit(0),
    (err: unknown) => {
      s.app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (running.stopping !== undefined) return;
    running.stopping = signal;
    if (running.server !== undefined) shutdown(running.server, signal);
  });
}

const server = await startServer(config, { logger: { level: config.logLevel } }).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`cost-events: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`cost-events: could not start: ${errorMessage(err)}\n`);
  process.exit(1);
});

running.server = server;
if (running.stopping !== undefined) shutdown(server, running.stopping);

// A bug that escapes every handler leaves the process in an unknown state: log it and let the
// orchestrator restart us rather than serve on.
process.on('uncaughtException', (err) => {
  server.app.log.fatal({ err }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  server.app.log.fatal({ err }, 'unhandled rejection');
  process.exit(1);
});
