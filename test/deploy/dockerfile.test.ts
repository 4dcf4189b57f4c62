import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { Cmd, Copy, DockerfileParser, Entrypoint, Env, From, Healthcheck, Label, Arg, type Instruction } from 'dockerfile-ast';
import { afterEach, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';

// There is no Docker engine here: these tests hold the Dockerfile to its rules by parsing it with
// dockerfile-ast, and run the one command the image runs by itself (the HEALTHCHECK) for real.

const root = new URL('../../', import.meta.url);
const dockerfile = DockerfileParser.parse(readFileSync(new URL('Dockerfile', root), 'utf8'));
const dockerignore = readFileSync(new URL('.dockerignore', root), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };

interface Stage {
  readonly from: From;
  readonly name: string | null;
  readonly instructions: readonly Instruction[];
}

function stages(): Stage[] {
  const out: { from: From; name: string | null; instructions: Instruction[] }[] = [];
  for (const ins of dockerfile.getInstructions()) {
    if (ins instanceof From) out.push({ from: ins, name: ins.getBuildStage(), instructions: [] });
    else out.at(-1)?.instructions.push(ins);
  }
  return out;
}

const all = stages();
const runtime = all.at(-1)!;
const of = <T extends Instruction>(stage: Stage, type: abstract new (...args: never[]) => T): T[] => stage.instructions.filter((i): i is T => i instanceof type);
const keyword = (stage: Stage, kw: string) => stage.instructions.filter((i) => i.getKeyword() === kw);
const args = (ins: Instruction) => ins.getArguments().map((a) => a.getValue());
const runs = (stage: Stage) => keyword(stage, 'RUN').map((i) => i.getArgumentsContent() ?? '');
const labels = () => new Map(of(runtime, Label).flatMap((l) => l.getProperties().map((p) => [p.getName(), p.getUnescapedValue()?.replace(/^"|"$/g, '')] as const)));
const env = () => new Map(of(runtime, Env).flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()] as const)));

/** The HEALTHCHECK's exec-form command. */
function healthcheckCommand(): string[] {
  const [hc] = of(runtime, Healthcheck);
  const m = /\bCMD\s+(\[.*\])\s*$/s.exec(hc?.getArgumentsContent() ?? '');
  return JSON.parse(m?.[1] ?? 'null') as string[];
}

describe('Dockerfile', () => {
  it('builds in three stages: production dependencies, the compiler, and the runtime', () => {
    expect(all.map((s) => s.name)).toEqual(['deps', 'build', 'runtime']);
  });

  it('runs on the slim image of the very Node release and Debian the build stages use, so the native addon loads', () => {
    expect(all.map((s) => s.from.getImage())).toEqual(['node:20.20.2-bookworm', 'node:20.20.2-bookworm', 'node:20.20.2-bookworm-slim']);
  });

  it('pins every base image to an exact Node release, never latest', () => {
    for (const { from } of all) {
      expect(from.getImageTag()).toMatch(/^20\.\d+\.\d+-bookworm(-slim)?$/);
      expect(from.getImageTag()).not.toContain('latest');
    }
  });

  it('installs production dependencies with npm ci --omit=dev in a stage that has build tools', () => {
    const deps = all[0]!;
    expect(deps.from.getImageTag()).not.toContain('slim');
    expect(runs(deps)).toEqual(['npm ci --omit=dev --no-audit --no-fund && npm cache clean --force']);
  });

  it('compiles with npm run build in the stage holding the dev dependencies, telling it the commit, and leaves no incremental-build record', () => {
    expect(runs(all[1]!)).toEqual(['npm ci --no-audit --no-fund', 'GIT_COMMIT="${REVISION}" npm run build && rm dist/.tsbuildinfo']);
    expect(keyword(all[1]!, 'ARG').map(args)).toEqual([['REVISION']]);
  });

  it('copies into the runtime only the production node_modules, dist/, package.json and the entrypoint', () => {
    const copies = of(runtime, Copy).map((c) => ({ from: c.getFromFlag()?.getValue() ?? null, args: args(c) }));
    expect(copies).toEqual([
      { from: 'deps', args: ['/app/node_modules', './node_modules'] },
      { from: 'build', args: ['/app/dist', './dist'] },
      { from: null, args: ['package.json', './'] },
      { from: null, args: ['scripts/container-start.sh', './'] },
    ]);
    expect(of(runtime, Copy).at(-1)?.getFlags().map((f) => [f.getName(), f.getValue()])).toEqual([['chmod', '0755']]);
  });

  it('installs nothing in the runtime stage', () => {
    expect(runs(runtime).join('\n')).not.toMatch(/npm (ci|install)|apt-get|yarn add/);
  });

  it('runs as the numeric non-root user 10001, created in the runtime stage', () => {
    expect(keyword(runtime, 'USER').map(args)).toEqual([['10001:10001']]);
    expect(runs(runtime)[0]).toContain('useradd --system --uid 10001');
  });

  it('writes only to /data: the volume, owned by the user, where STORAGE_URL points', () => {
    expect(env().get('STORAGE_URL')).toBe('sqlite:/data/cost-events.db');
    expect(SETTINGS.storageUrl.parse('sqlite:/data/cost-events.db')).toBe('sqlite:/data/cost-events.db');
    expect(keyword(runtime, 'VOLUME').map(args)).toEqual([['["/data"]']]);
    expect(runs(runtime)[0]).toContain('mkdir /data && chown 10001:10001 /data');
  });

  it('sets NODE_ENV=production', () => {
    expect(env().get('NODE_ENV')).toBe('production');
  });

  it('exposes port 9090, the server default', () => {
    expect(keyword(runtime, 'EXPOSE').map(args)).toEqual([['9090']]);
    expect(SETTINGS.port.default).toBe('9090');
  });

  it('starts node dist/main.js in exec form through the heap-sizing entrypoint, which execs it, so Node is PID 1 and gets SIGTERM itself', () => {
    expect(of(runtime, Cmd).map((c) => c.getJSONStrings().map((s) => s.getJSONValue()))).toEqual([['node', 'dist/main.js']]);
    expect(of(runtime, Entrypoint).map((c) => c.getJSONStrings().map((s) => s.getJSONValue()))).toEqual([['/app/container-start.sh']]);
    expect(readFileSync(new URL('scripts/container-start.sh', root), 'utf8')).toMatch(/exec node "\$@"\n[^]*exec "\$@"\n$/);
    expect(keyword(runtime, 'STOPSIGNAL').map(args)).toEqual([['SIGTERM']]);
  });

  it('relies on main.ts, which handles SIGTERM and SIGINT itself, instead of tini', () => {
    expect(readFileSync(new URL('src/main.ts', root), 'utf8')).toContain("for (const signal of ['SIGTERM', 'SIGINT'] as const)");
  });

  it('checks health with node fetching /healthz, as the slim image has no curl', () => {
    const [hc] = of(runtime, Healthcheck);
    expect(hc?.getFlags().map((f) => [f.getName(), f.getValue()])).toEqual([
      ['interval', '30s'],
      ['timeout', '5s'],
      ['start-period', '20s'],
      ['retries', '3'],
    ]);
    expect(healthcheckCommand().slice(0, 2)).toEqual(['node', '-e']);
  });

  it('labels the image with the OCI annotations, its version taken from package.json', () => {
    expect(labels()).toEqual(
      new Map([
        ['org.opencontainers.image.title', 'cost-events'],
        ['org.opencontainers.image.description', 'Kubecost-compatible ETL event log and Cost Events Audit API'],
        ['org.opencontainers.image.licenses', 'Apache-2.0'],
        ['org.opencontainers.image.version', '${VERSION}'],
        ['org.opencontainers.image.revision', '${REVISION}'],
        ['org.opencontainers.image.base.name', `docker.io/library/${runtime.from.getImage() ?? ''}`],
      ]),
    );
    const argDefaults = new Map(of(runtime, Arg).map((a) => [a.getProperty()?.getName(), a.getProperty()?.getValue()]));
    expect(argDefaults.get('VERSION')).toBe(pkg.version);
  });

  it('fetches nothing from URLs: there is no ADD', () => {
    expect(dockerfile.getInstructions().filter((i) => i.getKeyword() === 'ADD')).toEqual([]);
  });

  it('copies from the context only files that exist', () => {
    const sources = all.flatMap((s) => of(s, Copy).filter((c) => c.getFromFlag() === null).flatMap((c) => args(c).slice(0, -1)));
    expect(sources).toEqual(['package.json', 'package-lock.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'ui', 'scripts/bundle-kube-client.ts', 'package.json', 'scripts/container-start.sh']);
    for (const src of sources) expect(existsSync(new URL(src, root)), src).toBe(true);
  });
});

describe('.dockerignore', () => {
  /** Whether a path is excluded (the file uses plain names, `*` globs and `!` exceptions; the last pattern that matches decides, as Docker reads it). */
  const ignored = (path: string) =>
    dockerignore.reduce((out, p) => {
      const negated = p.startsWith('!');
      const glob = negated ? p.slice(1) : p;
      return new RegExp(`^${glob.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`).test(path) ? !negated : out;
    }, false);

  it('keeps node_modules, .git, data, test and build output out of the context', () => {
    for (const path of ['node_modules', '.git', 'data', 'test', 'dist', 'coverage', 'bench', 'helm', 'server.log', '.env', '.env.local']) {
      expect(ignored(path), path).toBe(true);
    }
  });

  it('keeps everything the Dockerfile copies from the context', () => {
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'ui', 'scripts/container-start.sh', 'scripts/bundle-kube-client.ts']) {
      expect(ignored(path), path).toBe(false);
    }
    expect(ignored('scripts/generate-openapi.ts')).toBe(true);
  });
});

describe('the HEALTHCHECK command', () => {
  const servers: { close(): void }[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** Runs the image's health check against a server answering /healthz with `status`. */
  async function healthcheck(status: number): Promise<{ code: number; paths: string[] }> {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(req.url === '/healthz' ? status : 404).end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const [cmd = '', ...rest] = healthcheckCommand();
    const code = await promisify(execFile)(cmd === 'node' ? process.execPath : cmd, rest, { env: { PORT: String(port) } }).then(
      () => 0,
      (err: unknown) => (err as { code?: number }).code ?? -1,
    );
    return { code, paths };
  }

  it('exits 0 when /healthz answers 200', async () => {
    expect(await healthcheck(200)).toEqual({ code: 0, paths: ['/healthz'] });
  });

  it('exits 1 when /healthz answers 503', async () => {
    expect(await healthcheck(503)).toEqual({ code: 1, paths: ['/healthz'] });
  });

  it('exits 1 when nothing listens on PORT', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const [, ...rest] = healthcheckCommand();
    const code = await promisify(execFile)(process.execPath, rest, { env: { PORT: String(port) } }).then(
      () => 0,
      (err: unknown) => (err as { code?: number }).code ?? -1,
    );
    expect(code).toBe(1);
  });
});
