import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * `BENCH_AUDIT_PROFILE_DIR=<dir>`: CPU profiles of the audit server's bursts alone (each from its
 * start to its last change published), one `.cpuprofile` per burst and run, for Chrome DevTools.
 * Starting the profiler costs the process about 100 ms of CPU, inside the burst's figure. `--cpu-prof`
 * (BENCH_AUDIT_SERVER_FLAGS) profiles the whole process, where the sync's 100,000 objects
 * outweigh the burst's 20,000 changes.
 */
const DIR = process.env['BENCH_AUDIT_PROFILE_DIR'];

/** Starts the profiler when asked for; `stop` writes the profile, named for `which` burst. */
export async function burstProfiler(which: 'first' | 'again'): Promise<{ stop(): Promise<void> } | undefined> {
  if (DIR === undefined || DIR === '') return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      await mkdir(DIR, { recursive: true });
      await writeFile(join(DIR, `burst-${which}-${process.pid}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}
