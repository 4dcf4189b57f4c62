import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { startServer, type ServerHandle } from '../src/server.js';
import { startChild } from './support/child.js';
import { ManualClock } from './support/manual-clock.js';
import { PACKAGE_VERSION_PATTERN } from './support/package-version.js';

const config = (env: Record<string, string> = {}): Config => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', ...env });
  if (r.help) throw new Error('unexpected help');
  return r.config;
};

/** A route whose handler waits until the test releases it, to hold a request in flight. */
function slowRoute() {
  let entered!: () => void;
  let release!: () => void;
  const inHandler = new Promise<void>((r) => (entered = r));
  const released = new Promise<void>((r) => (release = r));
  const plugin: FastifyPluginAsync = async (app) => {
    app.get('/slow', async () => {
      entered();
      await released;
      return { done: true };
    });
  };
  return { plugin, inHandler, release };
}

const fetchText = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    }).on('error', reject);
  });

let server: ServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('graceful shutdown', () => {
  it('stops accepting, lets an in-flight request finish, then resolves', async () => {
    const slow = slowRoute();
    server = await startServer(config(), { plugins: [slow.plugin], clock: new ManualClock() });
    const inFlight = fetchText(`${server.url}/slow`);
    await slow.inHandler;
    const closed = server.close();
    // The listener is closed at once: a new connection is refused.
    await expect(fetchText(`${server.url}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    slow.release();
    expect(await inFlight).toEqual({ status: 200, body: '{"done":true}' });
    await closed;
  });

  it('cuts requests still running when the shutdown timeout passes', async () => {
    const slow = slowRoute();
    const clock = new ManualClock();
    server = await startServer(config({ SHUTDOWN_TIMEOUT: '10s' }), { plugins: [slow.plugin], clock });
    const inFlight = new Promise<string>((resolve) => {
      const req = request(`${server?.url ?? ''}/slow`, (res) => res.resume().on('end', () => resolve('completed')));
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
    await slow.inHandler;
    const closed = server.close();
    clock.advance(10_000);
    await closed;
    expect(await inFlight).toBe('ECONNRESET');
    slow.release();
  });

  it('closes once however often it is asked', async () => {
    server = await startServer(config(), { clock: new ManualClock() });
    const a = server.close();
    const b = server.close();
    expect(a).toBe(b);
    await a;
  });
});

describe('the process', () => {
  it('serves, then exits 0 on SIGTERM after logging the shutdown', async () => {
    const child = startChild({});
    const url = await child.listening;
    expect(await fetchText(`${url}/healthz`)).toEqual({ status: 200, body: '{"code":200,"data":"ok"}' });
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toContain('"msg":"shutdown complete"');
  });

  it('exits 0 on SIGINT too', async () => {
    const child = startChild({});
    await child.listening;
    child.proc.kill('SIGINT');
    expect(await child.exited).toBe(0);
  });

  it('stops with exit code 2 and one line naming a bad setting', async () => {
    const child = startChild({ ETL_LOG_CAPACITY: 'lots' });
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toBe('cost-events: invalid setting ETL_LOG_CAPACITY="lots": accepts an integer from 1 to 1000000\n');
  });

  it('stops with exit code 2 naming a price sheet that does not validate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(file, '{"cpuCoreMonth": -1}');
    const child = startChild({ PRICING_CONFIG: file });
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toMatch(new RegExp(`^cost-events: invalid setting PRICING_CONFIG="${file}": accepts a JSON price sheet \\(.*cpuCoreMonth.*\\)\n$`));
    rmSync(dir, { recursive: true });
  });

  it('stops with exit code 2 on a kubeconfig that names no usable cluster', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const file = join(dir, 'config');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const child = startChild({ KUBECONFIG: file });
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toMatch(/^cost-events: invalid setting KUBECONFIG=".*": accepts a usable kubeconfig \(.+\)\n$/);
    rmSync(dir, { recursive: true });
  });

  it('stops with exit code 1 naming the storage it cannot open, password masked', async () => {
    const child = startChild({ STORAGE_URL: 'postgres://cost:s3cret@127.0.0.1:1/events' });
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toBe('cost-events: could not start: storage postgres://cost:***@127.0.0.1:1/events: connect ECONNREFUSED 127.0.0.1:1\n');
  });

  it('prints every setting for --help and exits 0', async () => {
    const child = startChild({}, ['--help']);
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toContain('COST_EVENTS_AUDIT_ENABLED / --cost-events-audit-enabled');
  });

  it('prints its version for --version and exits 0', async () => {
    const child = startChild({}, ['--version']);
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toMatch(new RegExp(`^cost-events ${PACKAGE_VERSION_PATTERN} \\(commit (unknown|[0-9a-f]{12})(, built [^)]+)?\\)\n$`));
  });
});
