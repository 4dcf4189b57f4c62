import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// The image's entrypoint, run for real with sh: a cgroup directory of our own (CGROUP_ROOT) holds
// the memory limit, and a `node` of our own on PATH prints the arguments it was started with.

const script = new URL('../../scripts/container-start.sh', import.meta.url).pathname;
let dir: string;
let cgroup: string;
let bin: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'container-start-'));
  cgroup = join(dir, 'cgroup');
  bin = join(dir, 'bin');
  mkdirSync(cgroup);
  mkdirSync(bin);
  writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "node $*"\n');
  chmodSync(join(bin, 'node'), 0o755);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function start(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)('sh', [script, ...args], { env: { PATH: `${bin}:/usr/bin:/bin`, CGROUP_ROOT: cgroup, ...env } });
  return stdout.trim();
}

describe('scripts/container-start.sh', () => {
  it('gives node 60% of a cgroup v2 limit as its old space and 1/16 as its semi-spaces: 307 and 32 MiB in the chart\'s 512Mi pod', async () => {
    writeFileSync(join(cgroup, 'memory.max'), '536870912\n');
    expect(await start(['node', 'dist/main.js'])).toBe('node --max-old-space-size=307 --max-semi-space-size=32 dist/main.js');
  });

  it.each([
    ['256Mi: 16 MiB is V8\'s own, so none', 268435456, 'node --max-old-space-size=153 dist/main.js'],
    ['300Mi: 18 MiB', 314572800, 'node --max-old-space-size=180 --max-semi-space-size=18 dist/main.js'],
    ['4Gi: at most 64 MiB', 4294967296, 'node --max-old-space-size=2457 --max-semi-space-size=64 dist/main.js'],
  ])('sizes the semi-spaces from the limit: %s', async (_name, limit, expected) => {
    writeFileSync(join(cgroup, 'memory.max'), `${limit}\n`);
    expect(await start(['node', 'dist/main.js'])).toBe(expected);
  });

  it('reads a cgroup v1 limit when there is no v2 file', async () => {
    mkdirSync(join(cgroup, 'memory'));
    writeFileSync(join(cgroup, 'memory', 'memory.limit_in_bytes'), '1073741824\n');
    expect(await start(['node', 'dist/main.js'])).toBe('node --max-old-space-size=614 --max-semi-space-size=64 dist/main.js');
  });

  it.each([
    ['cgroup v2 without a limit', 'memory.max', 'max\n'],
    ['cgroup v1 without a limit', 'memory/memory.limit_in_bytes', '9223372036854771712\n'],
  ])('adds nothing for %s', async (_name, file, content) => {
    mkdirSync(join(cgroup, 'memory'));
    writeFileSync(join(cgroup, file), content);
    expect(await start(['node', 'dist/main.js'])).toBe('node dist/main.js');
  });

  it('adds nothing when no cgroup file can be read', async () => {
    expect(await start(['node', 'dist/main.js'])).toBe('node dist/main.js');
  });

  it('leaves a size given in NODE_OPTIONS or on the command line alone, and still sets the other', async () => {
    writeFileSync(join(cgroup, 'memory.max'), '536870912\n');
    expect(await start(['node', 'dist/main.js'], { NODE_OPTIONS: '--max-old-space-size=200' })).toBe('node --max-semi-space-size=32 dist/main.js');
    expect(await start(['node', '--max-old-space-size=100', 'dist/main.js'])).toBe('node --max-semi-space-size=32 --max-old-space-size=100 dist/main.js');
    expect(await start(['node', 'dist/main.js'], { NODE_OPTIONS: '--max-semi-space-size=8' })).toBe('node --max-old-space-size=307 dist/main.js');
    expect(await start(['node', '--max_semi_space_size=8', '--max-old-space-size=100', 'dist/main.js'])).toBe('node --max_semi_space_size=8 --max-old-space-size=100 dist/main.js');
  });

  it('runs any other command as it is', async () => {
    writeFileSync(join(cgroup, 'memory.max'), '536870912\n');
    expect(await start(['echo', 'hello', 'world'])).toBe('hello world');
  });
});
