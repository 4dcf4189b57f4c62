import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_INFO_FILE } from './build-info.js';

// Run by `npm run build` (its postbuild step) as dist/write-build-info.js: records the commit the
// build comes from beside the compiled code, so the server reports it without running git. The
// commit is GIT_COMMIT when set (a container build has no .git; pass it as a build argument),
// else the checkout's HEAD, else unknown. An argument names another directory to write to.

function headCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

const fromEnv = process.env['GIT_COMMIT']?.trim();
const commit = fromEnv !== undefined && fromEnv !== '' ? fromEnv : headCommit();
const dir = process.argv[2];
const file = dir === undefined ? new URL(BUILD_INFO_FILE, import.meta.url) : join(dir, BUILD_INFO_FILE);
writeFileSync(file, `${JSON.stringify({ commit, builtAt: new Date().toISOString() })}\n`);
