import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The chart's `resources.limits.memory`: 512Mi. */
export const CHART_POD_LIMIT_BYTES = 512 * 2 ** 20;

/**
 * The flags the image's entrypoint (scripts/container-start.sh) gives `node` in a pod with
 * `limitBytes` of memory (default: the chart's), found by running the script for real, with the
 * limit in a cgroup file of its own and a real `node` that prints the flags it was started with.
 * A benchmark that runs the server as the image runs it starts its process with these.
 */
export function podNodeFlags(limitBytes = CHART_POD_LIMIT_BYTES): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cost-events-pod-'));
  try {
    writeFileSync(join(dir, 'memory.max'), `${limitBytes}\n`);
    const script = new URL('../../scripts/container-start.sh', import.meta.url).pathname;
    const printed = execFileSync('sh', [script, 'node', '-p', 'JSON.stringify(process.execArgv)'], {
      env: { PATH: process.env['PATH'] ?? '', CGROUP_ROOT: dir },
      encoding: 'utf8',
    });
    const argv = JSON.parse(printed) as string[];
    // What the script added, without the `-p` and its code.
    return argv.slice(0, argv.indexOf('-p'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
