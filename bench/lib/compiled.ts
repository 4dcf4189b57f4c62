import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url);
/** Whether dist/ was built after the last change to src/: walked once per process. */
let fresh: boolean | undefined;

/** The newest modification time of any file under `dir`, in ms. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * The compiled module `dist/<path>` (as `npm run build` writes it), for a benchmark that runs the
 * server as the image does: JavaScript from tsc, not the TypeScript sources through tsx (whose
 * esbuild output wraps every named function in a `__name` call and keeps source maps in the heap).
 * Throws, saying what to run, when it is missing, or when a file under `src/` is newer than every
 * file under `dist/`.
 */
export function compiledModule(path: string): URL {
  const url = new URL(`dist/${path}`, root);
  if (!existsSync(url)) throw new Error(`this benchmark runs the compiled server: run \`npm run build\` first (no dist/${path})`);
  // tsc builds incrementally and leaves unchanged outputs as they were: the build is as new as its newest file.
  fresh ??= newest(new URL('src', root).pathname) <= newest(new URL('dist', root).pathname);
  if (!fresh) throw new Error('dist/ is older than src/: run `npm run build` again');
  return url;
}
