import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { ManualClock } from '../support/manual-clock.js';
import { freeLoopbackPort, realToolAvailable } from '../support/real-tools.js';
import { eventually } from '../support/wait-for.js';
import { send, type RawAnswer } from './http-client.js';

// Kubecost's frontend nginx (cost-analyzer-frontend-config-map-template.yaml of
// kubecost/cost-analyzer-helm-chart) proxies `location /model/ { proxy_pass http://model/; }`: it
// strips /model/, and the cost-model answers at its root. A real nginx in front of a real server.
const NGINX = '/usr/sbin/nginx';
const haveNginx = realToolAvailable('nginx', NGINX, 'Install the Debian package nginx (.ci/run does)');

const config = (): Config => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true' });
  if (r.help) throw new Error('unexpected help');
  return r.config;
};

/** Two server blocks: Kubecost's frontend (strips /model/; a /kubecost/ location that strips its prefix) and a proxy that keeps the path. */
function nginxConf(dir: string, app: number, stripping: number, keeping: number): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 10m;
  upstream model { server 127.0.0.1:${app}; }
  server {
    listen 127.0.0.1:${stripping};
    # Kubecost's own block, as its frontend config map writes it.
    location /model/ { proxy_pass http://model/; }
    # Published under a path of one's own, the prefix stripped.
    location /kubecost/ { proxy_pass http://model/; }
  }
  server {
    listen 127.0.0.1:${keeping};
    # The path passed on unchanged.
    location /model/ { proxy_pass http://model; }
  }
}
`;
}

const YAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx, resources: {requests: {cpu: 250m, memory: 64Mi}}}]
`;

/** Every Kubecost route, relative to /model, with the request that exercises it (successes and a 400 each where there is one). */
const CALLS: readonly { path: string; method?: string; body?: string; type?: string }[] = [
  { path: '/etl/log' },
  { path: '/etl/log?kind=AllocationSet&window=2024-05-01T00:00:00Z,2024-05-04T00:00:00Z' },
  { path: '/etl/log?kind=Nope' },
  { path: '/audit/events?count=5' },
  { path: '/audit/events?count=0' },
  { path: '/allocation?window=2024-05-01T00:00:00Z,2024-05-02T00:00:00Z&aggregate=namespace' },
  { path: '/allocation' },
  { path: '/assets?window=2024-05-01T00:00:00Z,2024-05-02T00:00:00Z&accumulate=true' },
  { path: '/prediction/speccost?clusterID=cluster-one&defaultNamespace=default', method: 'POST', body: YAML, type: 'application/yaml' },
  { path: '/prediction/speccost?clusterID=elsewhere&defaultNamespace=default', method: 'POST', body: YAML, type: 'application/yaml' },
];

describe.runIf(haveNginx)("the Kubecost routes behind a real nginx with Kubecost's location /model/ block", () => {
  let server: ServerHandle | undefined;
  let dir: string | undefined;
  let nginx: ChildProcess | undefined;
  let stripping: string;
  let keeping: string;
  let direct: string;

  beforeAll(async () => {
    const clock = new ManualClock('2024-05-03T08:00:00Z');
    server = await startServer(config(), { clock, env: {}, serviceAccountDir: '/nonexistent', build: { version: '0.1.0', commit: null, builtAt: null } });
    server.bus.publish('etl', { kind: 'AllocationSetSaved', metadata: { size: 3 }, time: clock.nowNs(), cluster: 'cluster-one' });
    server.bus.publish('etl', { kind: 'AssetSetTotaled', metadata: {}, time: clock.nowNs(), cluster: 'cluster-one' });
    await server.storage.writer.idle();
    direct = server.url;
    const appPort = Number(new URL(server.url).port);
    const [p1, p2] = [await freeLoopbackPort(), await freeLoopbackPort()];
    dir = await mkdtemp(join(tmpdir(), 'cost-events-nginx-'));
    await writeFile(join(dir, 'nginx.conf'), nginxConf(dir, appPort, p1, p2));
    // -e: the error log from the very start (before the config is read), not /var/log/nginx.
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    nginx.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    stripping = `http://127.0.0.1:${p1}`;
    keeping = `http://127.0.0.1:${p2}`;
    await eventually(async () => ((await send(`${stripping}/model/etl/log`)).status === 200 ? true : undefined), `nginx to answer (${stderr})`);
    await eventually(async () => ((await send(`${keeping}/model/etl/log`)).status === 200 ? true : undefined), `nginx to answer (${stderr})`);
  });

  afterAll(async () => {
    const child = nginx;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGQUIT');
      await exited;
    }
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const call = (base: string, c: (typeof CALLS)[number]): Promise<RawAnswer> =>
    send(`${base}${c.path}`, { method: c.method ?? 'GET', ...(c.body !== undefined && { body: c.body, headers: { 'content-type': c.type ?? 'text/plain' } }) });

  for (const c of CALLS) {
    it(`${c.method ?? 'GET'} ${c.path} answers the same bytes through every proxy layout as directly at /model${c.path}`, async () => {
      const expected = await call(`${direct}/model`, c);
      expect(expected.status, expected.body.toString()).toBeLessThan(500);
      const layouts = {
        "Kubecost's location /model/ (stripped to the cost-model path)": await call(`${stripping}/model`, c),
        'location /kubecost/ stripping its prefix, onto /model/…': await call(`${stripping}/kubecost/model`, c),
        'location /kubecost/ stripping its prefix, onto the cost-model path': await call(`${stripping}/kubecost`, c),
        'location /model/ keeping the path': await call(`${keeping}/model`, c),
        'the cost-model path, directly': await call(direct, c),
      };
      for (const [layout, answer] of Object.entries(layouts)) {
        expect({ layout, status: answer.status, type: answer.headers['content-type'] }).toEqual({ layout, status: expected.status, type: expected.headers['content-type'] });
        expect(answer.body.equals(expected.body), `${layout}: ${answer.body.toString().slice(0, 200)}`).toBe(true);
      }
    });
  }

  it('serves the bug report through Kubecost’s location /model/', async () => {
    const answer = await send(`${stripping}/model/bugreport`);
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body.toString()) as { data: { version: string } }).data.version).toBe('0.1.0');
  });

  it('leaves the other routes where they are: /healthz is not under /model/', async () => {
    expect((await send(`${stripping}/model/healthz`)).status).toBe(200);
    // /model/healthz through Kubecost's nginx is /healthz on the server: that one is served; /model/healthz directly is not.
    expect((await send(`${direct}/model/healthz`)).status).toBe(404);
  });
});
