import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { Coding } from '../http/encoding.js';

/** One file of the built page, held in memory in each coding, with its validator. */
export interface StaticFile {
  readonly contentType: string;
  /** Strong validator: a hash of the uncompressed bytes. */
  readonly etag: string;
  /** Vite names the files under `assets/` by their content hash, so they never change under one name. */
  readonly immutable: boolean;
  readonly bodies: Readonly<Record<Coding, Buffer>>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Below this many bytes a compressed copy saves less than its headers cost. */
const MIN_COMPRESS = 256;
/** The page is a few files of tens of KB; past this the directory is not the page's build. */
export const MAX_STATIC_BYTES = 8 * 1024 * 1024;

/** The built page, by path relative to its directory (`index.html`, `assets/index-3f2a.js`). */
export type StaticFiles = ReadonlyMap<string, StaticFile>;

/**
 * Reads every file of `dir` once, at start: the page is small, so it is served from memory with
 * its gzip and brotli copies (the build writes `.gz`/`.br` beside each file; missing ones are made
 * here once). Returns undefined when the directory does not exist (the page was not built).
 */
export function loadStaticFiles(dir: string): StaticFiles | undefined {
  try {
    if (!statSync(dir).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const files = new Map<string, StaticFile>();
  let total = 0;
  for (const path of walk(dir)) {
    const ext = extname(path);
    if (ext === '.gz' || ext === '.br' || ext === '.map') continue;
    const contentType = TYPES[ext];
    if (contentType === undefined) continue;
    const identity = readFileSync(path);
    total += identity.length;
    if (total > MAX_STATIC_BYTES) throw new Error(`the page in ${dir} exceeds ${MAX_STATIC_BYTES} bytes; is it the page's build?`);
    const compressible = identity.length >= MIN_COMPRESS && !contentType.startsWith('image/png');
    const bodies = {
      identity,
      gzip: compressible ? (readIfPresent(`${path}.gz`) ?? gzipSync(identity, { level: 9 })) : identity,
      br: compressible ? (readIfPresent(`${path}.br`) ?? brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } })) : identity,
    };
    const name = relative(dir, path).split(sep).join('/');
    files.set(name, {
      contentType,
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
      immutable: name.startsWith('assets/'),
      bodies,
    });
  }
  return files;
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
