import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeKubeServer, writeKubeconfig } from '../test/support/fake-kube/index.js';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';

// The compiled server's resident memory before any work: `node dist/main.js` (run `npm run build`
// first) as the image runs it, every setting at its default but the port (0) and the SQLite file
// (a temporary directory), read from /proc once it listens and its RSS has settled. Twice: with
// no cluster, and with a kubeconfig to an empty fake API server and the audit on (as in a pod:
// the Kubernetes client's KubeConfig is loaded, the watches open). The baseline: Node alone, a node:http
// server answering nothing, settled the same way, in the same run.

const MB = 2 ** 20;
/** Settled: RSS moved by at most this over the last SETTLED_FOR_MS. */
const SETTLED_WITHIN_BYTES = 1 * MB;
const SETTLED_FOR_MS = 5_000;
const SAMPLE_MS = 250;
const GIVE_UP_MS = 120_000;
/** Runs per side; each figure is the median. */
const ROUNDS = 3;

const root = new URL('../', import.meta.url);

const BARE = `import http from 'node:http';
const server = http.createServer((_req, res) => res.end());
server.listen(0, '127.0.0.1', () => console.log('Server listening at http://127.0.0.1:' + server.address().port));`;

function rssOf(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** Starts `args` under node, waits for its listening line, then for its RSS to settle; returns the settled RSS in bytes. */
async function settledRss(args: readonly string[], env: Record<string, string>, label: string): Promise<number> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out = (out + c).slice(-100_000)));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out = (out + c).slice(-100_000)));
  try {
    const started = performance.now();
    while (!out.includes('Server listening at')) {
      if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode}: ${out.slice(-2000)}`);
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`${label} did not listen within ${GIVE_UP_MS / 1000} s`);
      await sleep(100);
    }
    const listenedMs = performance.now() - started;
    const samples: { at: number; rss: number }[] = [];
    for (;;) {
      const at = performance.now();
      samples.push({ at, rss: rssOf(child) });
      const window = samples.filter((s) => s.at >= at - SETTLED_FOR_MS);
      const span = Math.max(...window.map((s) => s.rss)) - Math.min(...window.map((s) => s.rss));
      if (at - (samples[0]?.at ?? at) >= SETTLED_FOR_MS && span <= SETTLED_WITHIN_BYTES) {
        progress(`${label}: listening after ${(listenedMs / 1000).toFixed(1)} s, RSS settled at ${(samples.at(-1)!.rss / MB).toFixed(1)} MB`);
        return samples.at(-1)!.rss;
      }
      if (at - started > GIVE_UP_MS) throw new Error(`${label}: RSS did not settle within ${GIVE_UP_MS / 1000} s`);
      await sleep(SAMPLE_MS);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bench: Benchmark = {
  name: 'server-rss',
  async run(): Promise<Result[]> {
    const main = new URL('dist/main.js', root);
    if (!existsSync(main)) throw new Error('bench server-rss runs the compiled server: run `npm run build` first');
    const dir = mkdtempSync(join(tmpdir(), 'cost-events-rss-'));
    const fake = await FakeKubeServer.start();
    const kubeconfig = await writeKubeconfig(fake.url);
    try {
      const server = { HOST: '127.0.0.1', PORT: '0', STORAGE_URL: `sqlite:${join(dir, 'cost-events.db')}` };
      const runs = { bare: [] as number[], alone: [] as number[], cluster: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        runs.bare.push(await settledRss(['--input-type=module', '-e', BARE], {}, 'Node alone'));
        runs.alone.push(await settledRss([main.pathname], server, 'dist/main.js, no cluster'));
        runs.cluster.push(await settledRss([main.pathname], { ...server, KUBECONFIG: kubeconfig.path, COST_EVENTS_AUDIT_ENABLED: 'true' }, 'dist/main.js, a cluster'));
      }
      const range = (xs: readonly number[]): string => `${(Math.min(...xs) / MB).toFixed(0)}–${(Math.max(...xs) / MB).toFixed(0)} MB`;
      const bare = median(runs.bare) / MB;
      return [
        {
          figure: 'compiled server: RSS settled before any work',
          value: median(runs.alone) / MB,
          unit: 'MB',
          baseline: bare,
          goal: { on: 'value', op: '<=', limit: 100 },
          note:
            `RSS before any work: node dist/main.js with default settings (SQLite in a temporary directory, no cluster), read from /proc once ` +
            `it listens and has moved by at most 1 MB for 5 s, median of ${ROUNDS} (${range(runs.alone)}); baseline: Node alone, a node:http ` +
            `server settled the same way (${range(runs.bare)})`,
        },
        {
          figure: 'compiled server with a cluster: RSS settled before any work',
          value: median(runs.cluster) / MB,
          unit: 'MB',
          baseline: bare,
          // What a pod runs: the same goal as without a cluster.
          goal: { on: 'value', op: '<=', limit: 100 },
          note:
            `RSS with a cluster: the same with KUBECONFIG to an empty fake API server and the audit on, as in a pod (the Kubernetes client's ` +
            `KubeConfig loaded, from the build's bundle without its generated API clients and models, and the watches open), ${range(runs.cluster)}`,
        },
      ];
    } finally {
      await fake.close();
      await kubeconfig.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
