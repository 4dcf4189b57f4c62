import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { CliIo } from '../../src/cli/bugreport-command.js';
import { loadConfig } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { ManualClock } from '../support/manual-clock.js';
import { PACKAGE_VERSION, PACKAGE_VERSION_PATTERN } from '../support/package-version.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let server: ServerHandle | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const startLocal = async () => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:' });
  if (r.help) throw new Error('unexpected help');
  server = await startServer(r.config, { clock: new ManualClock('2024-05-03T08:01:04Z'), env: {}, serviceAccountDir: '/nonexistent' });
  return server;
};

/** A port nothing listens on: bound, then released. */
const closedPort = async () => {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
};

/** The CLI in-process, its output collected and its files kept in memory. */
function io(): CliIo & { out: () => string; err: () => string; files: Map<string, string> } {
  let out = '';
  let err = '';
  const files = new Map<string, string>();
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    fetch: globalThis.fetch,
    writeFile: async (path, data) => void files.set(path, data),
    now: () => new Date('2024-05-03T08:01:04.123Z'),
    version: 'cost-events 9.9.9 (commit unknown)',
    out: () => out,
    err: () => err,
    files,
  };
}

/** The real bin as a user runs it: a process of its own. */
function runBin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: dir, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cost-events bugreport', () => {
  it('writes the dump of a running server to a file named for the time', async () => {
    const s = await startLocal();
    const cli = io();
    expect(await runCli(['bugreport', '--url', s.url], cli)).toBe(0);
    const file = 'cost-events-bugreport-20240503T080104Z.json';
    expect(cli.out()).toMatch(new RegExp(`^Wrote ${file} \\(\\d+ bytes\\) from ${s.url}\\. Attach it to the bug report; secrets in the settings are masked\\.\\n$`));
    const dump = JSON.parse(cli.files.get(file) ?? '') as { code: number; data: { version: string; etlLog: unknown } };
    expect(dump.code).toBe(200);
    expect(dump.data.version).toBe(PACKAGE_VERSION);
    expect(dump.data.etlLog).toEqual({ allocation: [], asset: [], counters: {} });
  });

  it('writes to stdout with --out -', async () => {
    const s = await startLocal();
    const cli = io();
    expect(await runCli(['bugreport', `--url=${s.url}/`, '--out', '-'], cli)).toBe(0);
    expect(JSON.parse(cli.out())).toMatchObject({ code: 200, data: { settings: { STORAGE_URL: 'memory:' } } });
    expect(cli.files.size).toBe(0);
  });

  it('says the server cannot be reached, and how to reach it, with exit code 1', async () => {
    const port = await closedPort();
    const cli = io();
    expect(await runCli(['bugreport', '--url', `http://127.0.0.1:${port}`], cli)).toBe(1);
    expect(cli.err()).toBe(
      `cost-events: cannot reach the server at http://127.0.0.1:${port} (connect ECONNREFUSED 127.0.0.1:${port}).\n` +
        'Is cost-events running there? Give its address with --url; from outside the cluster, first run\n' +
        '  kubectl port-forward svc/cost-events 9090:9090\n',
    );
    expect(cli.files.size).toBe(0);
  });

  it('refuses an answer that is not the dump, naming the status and message', async () => {
    const s = await startLocal();
    const cli = io();
    expect(await runCli(['bugreport', '--url', `${s.url}/nowhere`], cli)).toBe(1);
    expect(cli.err()).toBe(`cost-events: ${s.url}/nowhere/model/bugreport answered HTTP 404: no route for GET /nowhere/model/bugreport\nIs this a cost-events server, of a version that has the bug-report dump?\n`);
  });

  it.each([
    [['bugreport', '--port', '9090'], 'cost-events: unknown option "--port"'],
    [['bugreport', '--url'], 'cost-events: --url needs a value'],
    [['bugreport', '--url', 'localhost:9090'], 'cost-events: --url must be an http:// or https:// URL, got "localhost:9090"'],
    [['report'], 'cost-events: unknown command "report"'],
  ])('stops at %j with exit code 2 and the usage', async (argv, message) => {
    const cli = io();
    expect(await runCli(argv, cli)).toBe(2);
    expect(cli.err()).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n\\nUsage: cost-events bugreport`));
  });

  it('prints the usage for --help', async () => {
    const cli = io();
    expect(await runCli(['--help'], cli)).toBe(0);
    expect(cli.out()).toContain('Usage: cost-events bugreport [--url http://host:9090] [--out file.json]');
  });

  it('prints the usage for bugreport --help, naming where the file goes', async () => {
    const cli = io();
    expect(await runCli(['bugreport', '--help'], cli)).toBe(0);
    expect(cli.out()).toContain('cost-events-bugreport-<UTC time>.json in the current\n               directory');
    expect(cli.err()).toBe('');
  });

  it('prints its version for --version', async () => {
    const cli = io();
    expect(await runCli(['--version'], cli)).toBe(0);
    expect(cli.out()).toBe('cost-events 9.9.9 (commit unknown)\n');
  });
});

describe('the cost-events bin', () => {
  it('fetches the dump of a started server into --out', async () => {
    const s = await startLocal();
    const { code, stdout, stderr } = await runBin(['bugreport', '--url', s.url, '--out', 'report.json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Wrote report\.json \(\d+ bytes\)/);
    expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))).toMatchObject({ code: 200, data: { version: PACKAGE_VERSION } });
  });

  it('prints the version of package.json for --version', async () => {
    const { code, stdout } = await runBin(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^cost-events ${PACKAGE_VERSION_PATTERN} \\(`));
  });

  it('exits 1 with a clear message against a closed port', async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await runBin(['bugreport', '--url', `http://127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^cost-events: cannot reach the server at http://127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED`));
  });
});
