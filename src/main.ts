#!/usr/bin/env node
import { ConfigError, helpText, loadConfig, type ParsedArgs } from './config.js';
import { startServer } from './server.js';

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
  process.stdout.write(`${helpText()}\n`);
  process.exit(0);
}
const { config } = parsed;

const server = await startServer(config, { logger: { level: config.logLevel } }).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`cost-events: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`cost-events: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

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
