import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mulberry32 } from '../test/support/seeded-random.js';
import { nextRequest, unavailableWithoutCluster, type HostileRequest } from '../test/support/hostile-requests.js';
import { progress } from './lib/progress.js';
import { RawConnection } from '../test/support/raw-http.js';
import type { Benchmark, Result } from './lib/result.js';

// A soak under hostile traffic: the compiled server (`dist/main.js`, run `npm run build` first)
// started as the image starts it, through scripts/container-start.sh, with the chart's 512Mi
// memory limit shown to that script as a cgroup file (so the heap is the one the pod gets), the
// default SQLite storage in a temporary directory, and every other setting at its default except
// the Cloud Eye rate limit, raised so that the routes behind it are exercised rather than 429'd.
//
// SOAK_REQUESTS (default 100,000) seeded requests (SOAK_SEED, default 13) over 8 keep-alive raw
// TCP connections: random and malformed parameters on every route, bodies of wrong or missing
// length, broken chunking, pipelining, deep nesting, YAML aliases, huge values
// (test/support/hostile-requests.ts). Printed: requests, answers by status class, 5xx (with the first
// few), RSS before, peak and after settling (SOAK_SETTLE_SECONDS idle, default 30), heap after a
// forced GC (and, with SOAK_HEAP_SNAPSHOT_DIR, a heap snapshot at each). The GC is forced from inside the server by a preload given only here (--expose-gc and
// --import of a probe that answers SIGUSR2); production never has either.

const REQUESTS = Number(process.env['SOAK_REQUESTS'] ?? 100_000);
const SEED = Number(process.env['SOAK_SEED'] ?? 13);
const SETTLE_SECONDS = Number(process.env['SOAK_SETTLE_SECONDS'] ?? 30);
const CONNECTIONS = 8;
/** The chart's `resources.limits.memory` (512Mi), or SOAK_MEMORY_LIMIT_MIB to see the server in a smaller pod. */
const POD_LIMIT_BYTES = Number(process.env['SOAK_MEMORY_LIMIT_MIB'] ?? 512) * 2 ** 20;
/** Longer than the server's requestTimeout (60 s): an answer later than this counts as none. */
const ANSWER_TIMEOUT_MS = 70_000;
const MB = 2 ** 20;
/** Where to write a heap snapshot at each forced GC (before and after), to open in Chrome DevTools' Memory tab; unset: none. */
const SNAPSHOT_DIR = process.env['SOAK_HEAP_SNAPSHOT_DIR'];

const root = new URL('../', import.meta.url);

const PROBE = `import v8 from 'node:v8';
process.on('SIGUSR2', () => {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  const h = v8.getHeapStatistics();
  if (process.env.SOAK_HEAP_SNAPSHOT_DIR) v8.writeHeapSnapshot(process.env.SOAK_HEAP_SNAPSHOT_DIR + '/soak-' + Date.now() + '.heapsnapshot');
  process.stderr.write('SOAK-PROBE ' + JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, heapLimit: h.heap_size_limit }) + '\\n');
});
`;

interface Probe {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly heapLimit: number;
}

/** The server process and what it says on stderr. */
class Server {
  readonly #probes: ((p: Probe) => void)[] = [];
  stderr = '';

  constructor(readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-200_000);
      for (const line of chunk.split('\n')) {
        if (line.startsWith('SOAK-PROBE ')) this.#probes.shift()?.(JSON.parse(line.slice('SOAK-PROBE '.length)) as Probe);
      }
    });
  }

  /** Memory after two full collections, measured inside the server. */
  probe(): Promise<Probe> {
    return new Promise((resolve) => {
      this.#probes.push(resolve);
      this.child.kill('SIGUSR2');
    });
  }

  /** Resident and peak resident memory from /proc (bytes). */
  rss(): { rss: number; peak: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  }
}

async function listeningPort(logFile: string, server: Server): Promise<number> {
  for (let i = 0; i < 600; i++) {
    const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(logFile, 'utf8'));
    if (m !== null) return Number(m[1]);
    if (server.child.exitCode !== null) throw new Error(`the server exited with ${server.child.exitCode}: ${server.stderr}`);
    await sleep(100);
  }
  throw new Error('the server did not start listening in 60 s');
}

/** What the traffic got back. */
class Tally {
  sent = 0;
  answered = 0;
  readonly byClass = new Map<string, number>();
  readonly byStatus = new Map<number, number>();
  /** Requests the server closed the connection on without an answer (after broken framing, or a 400 that closes). */
  unanswered = 0;
  timeouts = 0;
  readonly fiveXx: string[] = [];
  fiveXxCount = 0;

  count(req: HostileRequest, status: number, body: string): void {
    this.answered++;
    const cls = `${Math.floor(status / 100)}xx`;
    this.byClass.set(cls, (this.byClass.get(cls) ?? 0) + 1);
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    // The server runs without a cluster: its /readyz and ETL repairs answer 503 as they should.
    if (status >= 500 && !unavailableWithoutCluster(req, status)) {
      this.fiveXxCount++;
      if (this.fiveXx.length < 10) this.fiveXx.push(`${status} for ${req.label}: ${body.slice(0, 200)}`);
    }
  }
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> =>
  Promise.race([p, sleep(ms, 'timeout' as const, { ref: false })]);

/** One connection's share of the traffic: framed requests alone or pipelined, framing-breaking ones then a half-close. */
async function drive(port: number, rand: () => number, tally: Tally): Promise<void> {
  let conn = await RawConnection.open(port);
  const reopen = async () => {
    conn.destroy();
    conn = await RawConnection.open(port);
  };
  while (tally.sent < REQUESTS) {
    const first = nextRequest(rand);
    const batch = [first];
    if (first.framing === 'framed' && rand() < 0.15) {
      for (let n = 1 + Math.floor(rand() * 5); n > 0 && tally.sent + batch.length < REQUESTS; n--) {
        const more = nextRequest(rand);
        if (more.framing === 'framed') batch.push(more);
      }
    }
    tally.sent += batch.length;
    conn.write(Buffer.concat(batch.map((r) => r.bytes)));
    if (first.framing === 'breaking') conn.end();
    for (const req of batch) {
      const got = await withTimeout(conn.next(req.bytes.subarray(0, 5).toString('latin1') === 'HEAD '), ANSWER_TIMEOUT_MS);
      if (got === 'timeout') {
        tally.timeouts++;
        await reopen();
        break;
      }
      if (got === undefined) {
        tally.unanswered++;
        continue;
      }
      tally.count(req, got.status, got.bodyStart);
    }
    if (first.framing === 'breaking' || conn.closed) await reopen();
  }
  conn.destroy();
}

const soak: Benchmark = {
  name: 'soak',
  onlyWhenNamed: true,
  async run(): Promise<Result[]> {
    const main = new URL('dist/main.js', root);
    if (!existsSync(main)) throw new Error('bench soak runs the compiled server: run `npm run build` first');
    const dir = mkdtempSync(join(tmpdir(), 'cost-events-soak-'));
    try {
      writeFileSync(join(dir, 'memory.max'), `${POD_LIMIT_BYTES}\n`);
      writeFileSync(join(dir, 'probe.mjs'), PROBE);
      const logFile = join(dir, 'server.log');
      const child = spawn('sh', [new URL('scripts/container-start.sh', root).pathname, 'node', '--expose-gc', '--import', join(dir, 'probe.mjs'), main.pathname], {
        cwd: dir,
        env: {
          PATH: process.env['PATH'] ?? '',
          CGROUP_ROOT: dir,
          HOST: '127.0.0.1',
          PORT: '0',
          STORAGE_URL: `sqlite:${join(dir, 'cost-events.db')}`,
          CES_RATE_LIMIT: '1000000',
          ...(SNAPSHOT_DIR === undefined ? {} : { SOAK_HEAP_SNAPSHOT_DIR: SNAPSHOT_DIR }),
        },
        stdio: ['ignore', openSync(logFile, 'w'), 'pipe'],
      });
      const server = new Server(child);
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      child.on('exit', (code, signal) => {
        exit = { code, signal };
      });
      const port = await listeningPort(logFile, server);
      await sleep(2000);
      const before = await server.probe();
      const rssBefore = server.rss().rss;
      progress(`server on 127.0.0.1:${port}, heap limit ${(before.heapLimit / MB).toFixed(0)} MB (a ${POD_LIMIT_BYTES / MB}Mi pod's), RSS ${(rssBefore / MB).toFixed(1)} MB; ${REQUESTS.toLocaleString('en-US')} requests, seed ${SEED}`);

      const tally = new Tally();
      let peakSampled = rssBefore;
      const started = performance.now();
      const sampler = setInterval(() => {
        if (exit !== undefined) return;
        peakSampled = Math.max(peakSampled, server.rss().rss);
      }, 250);
      const reporter = setInterval(() => {
        progress(`${tally.sent.toLocaleString('en-US')} sent, ${tally.answered.toLocaleString('en-US')} answered, 5xx ${tally.fiveXxCount}, RSS ${(server.rss().rss / MB).toFixed(0)} MB`);
      }, 15_000);
      const master = mulberry32(SEED);
      const drivers = Array.from({ length: CONNECTIONS }, () => drive(port, mulberry32(Math.floor(master() * 2 ** 32)), tally));
      const outcomes = await Promise.allSettled(drivers);
      clearInterval(sampler);
      clearInterval(reporter);
      const seconds = (performance.now() - started) / 1000;
      const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (exit !== undefined) throw new Error(`the server exited during the soak (${JSON.stringify(exit)}): ${server.stderr.slice(-2000)}`);

      const peak = Math.max(peakSampled, server.rss().peak);
      progress(`traffic done in ${seconds.toFixed(0)} s; settling ${SETTLE_SECONDS} s`);
      await sleep(SETTLE_SECONDS * 1000);
      const after = await server.probe();
      const rssAfter = server.rss().rss;
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => (exit !== undefined ? resolve() : child.once('exit', () => resolve())));

      // The server's own account of each 5xx: its error line (level 50) names the error and the URL.
      const serverErrors = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{"level":50'))
        .slice(0, 5)
        .map((l) => {
          const e = JSON.parse(l) as { url?: string; err?: { message?: string; stack?: string } };
          return `server log: ${e.err?.stack?.split('\n').slice(0, 3).join(' | ') ?? e.err?.message ?? l.slice(0, 300)} for ${(e.url ?? '').slice(0, 200)}`;
        });
      const statuses = [...tally.byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`).join(', ');
      const oom = /heap out of memory/i.test(server.stderr);
      const notes = [
        `answers by status: ${statuses}; closed without an answer ${tally.unanswered} (framing the server refused at the connection), timed out ${tally.timeouts}; drivers failed ${failed.length}${failed.length > 0 ? ` (${String(failed[0]?.reason)})` : ''}`,
        `${tally.sent} requests in ${seconds.toFixed(0)} s; heap limit ${(after.heapLimit / MB).toFixed(0)} MB; heap used after GC ${(before.heapUsed / MB).toFixed(1)} → ${(after.heapUsed / MB).toFixed(1)} MB, external ${(before.external / MB).toFixed(1)} → ${(after.external / MB).toFixed(1)} MB; exit after SIGTERM ${JSON.stringify(exit)}${oom ? '; OUT OF MEMORY' : ''}`,
        ...tally.fiveXx.map((s) => `5xx: ${s}`),
        ...serverErrors,
      ];
      return [
        { figure: 'soak: requests sent', value: tally.sent, unit: 'requests', note: notes[0] },
        { figure: 'soak: answered 4xx', value: tally.byClass.get('4xx') ?? 0, unit: 'requests' },
        { figure: 'soak: answered 5xx', value: tally.fiveXxCount, unit: 'requests', goal: { on: 'value', op: '<=', limit: 0 }, note: notes.slice(2).join('\n') || undefined },
        { figure: 'soak: RSS before', value: rssBefore / MB, unit: 'MB', note: notes[1] },
        { figure: 'soak: RSS peak', value: peak / MB, unit: 'MB', goal: { on: 'value', op: '<=', limit: POD_LIMIT_BYTES / MB } },
        { figure: 'soak: RSS after settling', value: rssAfter / MB, unit: 'MB' },
        { figure: 'soak: settled RSS growth', value: (rssAfter - rssBefore) / MB, unit: 'MB', goal: { on: 'value', op: '<=', limit: 50 } },
        { figure: 'soak: heap used after forced GC', value: after.heapUsed / MB, unit: 'MB', baseline: before.heapUsed / MB },
        { figure: 'soak: out of memory', value: oom ? 1 : 0, unit: 'requests', goal: { on: 'value', op: '<=', limit: 0 } },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default soak;
