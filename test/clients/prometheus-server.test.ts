import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/server.js';
import { startClientTestServer } from '../support/client-server.js';
import { freeLoopbackPort, realToolAvailable } from '../support/real-tools.js';
import { eventually } from '../support/wait-for.js';
import { send } from './http-client.js';

// A real Prometheus server (Debian's prometheus) scraping /metrics every second, through a
// recording pass-through that notes what Prometheus asked for and what it got (Accept-Encoding,
// Content-Encoding), until the target is up and a cost_events_ series is queryable.

const PROMETHEUS = '/usr/bin/prometheus';
const havePrometheus = realToolAvailable('Prometheus server', PROMETHEUS, 'Install the Debian package prometheus (.ci/run does)');

interface Scrape {
  readonly acceptEncoding: string | undefined;
  readonly contentEncoding: string | undefined;
  readonly status: number | undefined;
}

/** An HTTP pass-through to `target` that records each scrape's negotiation; bytes go through unchanged. */
async function recordingProxy(target: string, scrapes: Scrape[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      const encoding = answer.headers['content-encoding'];
      scrapes.push({ acceptEncoding: req.headers['accept-encoding'], contentEncoding: typeof encoding === 'string' ? encoding : undefined, status: answer.statusCode });
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { server, url: `127.0.0.1:${address.port}` };
}

describe.runIf(havePrometheus)('a real Prometheus server scraping /metrics', () => {
  let server: ServerHandle | undefined;
  let proxy: Server | undefined;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let dir = '';
  let api = '';
  const scrapes: Scrape[] = [];

  beforeAll(async () => {
    server = await startClientTestServer();
    const p = await recordingProxy(server.url, scrapes);
    proxy = p.server;
    dir = mkdtempSync(join(tmpdir(), 'cost-events-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', 'scrape_configs:', '  - job_name: cost-events', '    static_configs:', `      - targets: ['${p.url}']`, ''].join('\n'),
    );
    const port = await freeLoopbackPort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    prometheus.stderr?.on('data', (d: Buffer) => (prometheusLog = (prometheusLog + d.toString()).slice(-4000)));
  }, 60_000);

  afterAll(async () => {
    if (prometheus !== undefined && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => proxy?.close(resolve));
    await server?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const apiGet = async (path: string): Promise<{ status: string; data: unknown }> => {
    const answer = await send(`${api}${path}`);
    if (answer.status !== 200) throw new Error(`${path}: HTTP ${answer.status}`);
    return JSON.parse(answer.body.toString()) as { status: string; data: unknown };
  };

  it('sees the target up and answers a query for a cost_events_ series from its scrapes, which asked for and got gzip', async () => {
    const target = await eventually(
      async () => {
        const { data } = await apiGet('/api/v1/targets');
        const active = (data as { activeTargets: { health: string; lastError: string; scrapeUrl: string }[] }).activeTargets;
        return active.find((t) => t.health === 'up');
      },
      `Prometheus to scrape the server (its log: ${prometheusLog})`,
      60_000,
    );
    expect(target.lastError).toBe('');
    expect(target.scrapeUrl).toMatch(/\/metrics$/);

    const series = await eventually(
      async () => {
        const { data } = await apiGet('/api/v1/query?query=cost_events_build_info');
        const result = (data as { result: { metric: Record<string, string>; value: [number, string] }[] }).result;
        return result.length > 0 ? result : undefined;
      },
      'cost_events_build_info to be queryable',
      60_000,
    );
    expect(series[0]?.metric).toMatchObject({ __name__: 'cost_events_build_info', job: 'cost-events', version: '0.1.0' });
    expect(series[0]?.value[1]).toBe('1');

    expect(scrapes.length).toBeGreaterThan(0);
    for (const s of scrapes) {
      expect(s.status).toBe(200);
      expect(s.acceptEncoding).toContain('gzip');
      expect(s.contentEncoding).toBe('gzip');
    }
  }, 150_000);
});
