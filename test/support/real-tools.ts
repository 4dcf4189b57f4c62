import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { inCi } from './ci.js';

/**
 * Whether a real program the suite tests against (nginx, promtool) is installed. In CI it must
 * be (`.ci/run` installs it): a missing one fails the run. Locally, its tests are skipped, with a
 * message nobody can miss.
 */
export function realToolAvailable(name: string, path: string, installHint: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    if (inCi()) throw new Error(`${name} is not installed at ${path}; in CI the tests against the real ${name} must run, never skip`);
    const line = '!'.repeat(100);
    process.stderr.write(`\n${line}\n!! SKIPPING the tests against the real ${name}: ${path} is missing.\n!! ${installHint}; in CI (CI=true) this fails instead.\n${line}\n\n`);
    return false;
  }
}

/** A loopback port free now (the listener is closed before returning, so the caller can bind it). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
