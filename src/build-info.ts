import { readFileSync } from 'node:fs';

/** Which build is running, for `/model/bugreport` and `cost_events_build_info`. */
export interface BuildInfo {
  /** `version` of package.json. */
  readonly version: string;
  /** The git commit it was built from; null when unknown (run from source, or built outside a git checkout without `GIT_COMMIT`). */
  readonly commit: string | null;
  /** When `npm run build` ran, RFC 3339; null when run from source. */
  readonly builtAt: string | null;
}

/** The file `npm run build` writes beside the compiled code (see write-build-info.ts). */
export const BUILD_INFO_FILE = 'build-info.json';

/**
 * Reads the package version and what the build recorded beside the compiled code. Called once by
 * the composition root; nothing here shells out, so a request never waits on git.
 * `dir` is the directory of the compiled modules (`dist/`, or `src/` when run from source).
 */
export function readBuildInfo(dir: URL = new URL('.', import.meta.url)): BuildInfo {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', dir), 'utf8')) as { version?: unknown };
  const version = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  let recorded: { commit?: unknown; builtAt?: unknown } = {};
  try {
    recorded = JSON.parse(readFileSync(new URL(BUILD_INFO_FILE, dir), 'utf8')) as typeof recorded;
  } catch {
    // Run from source (tsx): there was no build to record anything.
  }
  return {
    version,
    commit: typeof recorded.commit === 'string' && recorded.commit !== '' ? recorded.commit : null,
    builtAt: typeof recorded.builtAt === 'string' ? recorded.builtAt : null,
  };
}

/** The one-line answer to `--version`: `cost-events 0.1.0 (commit 1a2b3c4, built 2026-12-06T02:00:00.000Z)`. */
export function versionLine(info: BuildInfo): string {
  const details = [info.commit === null ? 'commit unknown' : `commit ${info.commit.slice(0, 12)}`];
  if (info.builtAt !== null) details.push(`built ${info.builtAt}`);
  return `cost-events ${info.version} (${details.join(', ')})`;
}
