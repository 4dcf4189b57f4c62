import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBuildInfo } from '../src/build-info.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const WRITER = new URL('../src/write-build-info.ts', import.meta.url).pathname;

let root: string;
let dist: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'build-info-'));
  dist = join(root, 'dist');
  await mkdir(dist);
  await writeFile(join(root, 'package.json'), '{"name":"cost-events","version":"1.2.3"}');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const distUrl = () => pathToFileURL(`${dist}/`);

describe('build info', () => {
  it('reads the package version and what the build recorded beside the code', async () => {
    await writeFile(join(dist, 'build-info.json'), '{"commit":"9fcbd3b","builtAt":"2024-05-03T08:01:04.000Z"}');
    expect(readBuildInfo(distUrl())).toEqual({ version: '1.2.3', commit: '9fcbd3b', builtAt: '2024-05-03T08:01:04.000Z' });
  });

  it('says the commit is unknown when run from source, without a build', () => {
    expect(readBuildInfo(distUrl())).toEqual({ version: '1.2.3', commit: null, builtAt: null });
  });

  it('is written at build time from GIT_COMMIT when set (a container build has no .git)', async () => {
    await promisify(execFile)(process.execPath, ['--import', TSX, WRITER, dist], { env: { ...process.env, GIT_COMMIT: 'f00dfeed' } });
    const written = JSON.parse(await readFile(join(dist, 'build-info.json'), 'utf8')) as { commit: string; builtAt: string };
    expect(written.commit).toBe('f00dfeed');
    expect(readBuildInfo(distUrl()).commit).toBe('f00dfeed');
  });
});
