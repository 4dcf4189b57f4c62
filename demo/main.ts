/**
 * `npm run demo`: the server against a simulated cluster that changes every few seconds. Prints
 * what it started and each change; Ctrl-C (or SIGTERM) stops everything and removes its files.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../src/config.js';
import { formatDurationMs } from '../src/window.js';
import { startDemo, type DemoHandle } from './start-demo.js';

const uiDir = fileURLToPath(new URL('../dist/ui/', import.meta.url));
const time = (): string => new Date().toISOString().slice(11, 19);

let demo: DemoHandle;
try {
  demo = await startDemo({
    env: process.env,
    argv: process.argv.slice(2),
    onChange: (c) => process.stdout.write(`${time()}  ${c.summary}\n`),
    onError: (err) => process.stderr.write(`demo: a change failed: ${err instanceof Error ? err.message : String(err)}\n`),
    server: { logger: { level: process.env['LOG_LEVEL'] ?? 'warn' }, uiDir },
  });
} catch (err) {
  process.stderr.write(`cost-events demo: ${err instanceof ConfigError ? err.message : `could not start: ${err instanceof Error ? err.message : String(err)}`}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}

const { server, config, fake, kubeconfigPath } = demo;
const base = server.url.replace('0.0.0.0', 'localhost').replace('127.0.0.1', 'localhost');
process.stdout.write(
  [
    'cost-events demo: the server against a simulated cluster, changing every few seconds',
    '',
    `  server            ${base}   (ETL_RESOLUTION=${formatDurationMs(config.etlResolutionMs)}, STORAGE_URL=${config.storageUrl}, audit on)`,
    `  web page          ${base}/ui/`,
    `  fake API server   ${fake.url}`,
    `  kubeconfig        ${kubeconfigPath}`,
    '',
    'Try:',
    `  curl -s '${base}/model/audit/events?count=5'`,
    `  curl -s ${base}/model/etl/log                        # the first window is built within ${formatDurationMs(config.etlResolutionMs)} or so`,
    `  curl -s '${base}/model/allocation?window=10m&aggregate=namespace&accumulate=true'`,
    `  kubectl --kubeconfig ${kubeconfigPath} get deploy,pods -A`,
    '',
    'Ctrl-C stops the server and the fake cluster and removes the kubeconfig.',
    '',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping the demo…\n');
    demo.close().then(
      () => {
        process.stdout.write('stopped; the kubeconfig is removed\n');
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`demo: stopping failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  });
}
