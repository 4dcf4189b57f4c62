import { loadConfig } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { ManualClock } from './manual-clock.js';

/**
 * The server as the process runs it, for tests with real clients: listening on a loopback port,
 * in-memory storage, no cluster, a pinned build, on a manual clock (2024-05-03T08:00:00Z unless
 * given). With `logged`, its log lines at info and above are collected there.
 */
export async function startClientTestServer(env: Record<string, string> = {}, o: { clock?: ManualClock; logged?: string[] } = {}): Promise<ServerHandle> {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', ...env });
  if (r.help) throw new Error('unexpected help');
  const logged = o.logged;
  return startServer(r.config, {
    clock: o.clock ?? new ManualClock('2024-05-03T08:00:00Z'),
    env: {},
    serviceAccountDir: '/nonexistent',
    build: { version: '0.1.0', commit: null, builtAt: null },
    ...(logged !== undefined && { logger: { level: 'info' }, logDestination: { write: (line: string) => logged.push(line) } }),
  });
}
