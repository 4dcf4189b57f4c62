import { existsSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

// `npm run build` runs this after tsc: it writes dist/vendor/kube-client.js, the one part of
// @kubernetes/client-node the server runs (its KubeConfig: kubeconfig files, in-cluster config,
// TLS and the auth providers), without what its config.js imports only for makeApiClient: the
// package's `gen/index.js`, which loads every generated API client and model (about 800 modules,
// 21 MB of live heap and 40 MB of RSS in a process, and 0.4 s of start). The server never makes an
// API client: it lists and watches over node:http with the options KubeConfig computes
// (src/kube/kube-request.ts). src/kube/kube-client.ts loads this bundle next to the compiled code,
// and the package itself when run from src/ (tests under vitest).

/** client-node's dist/ folder, found from its package entry. */
export function clientNodeDist(): string {
  return dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node'));
}

/**
 * What config.js takes from `gen/index.js`: `createConfiguration` and `ServerConfiguration`, used
 * only by `makeApiClient`. Anything else it ever takes from there fails the build (esbuild: no
 * matching export), rather than a server without it at run time.
 */
const GEN_INDEX_SHIM = "export { createConfiguration } from './configuration.js';\nexport { ServerConfiguration } from './servers.js';\n";

/** Redirects config.js's import of `./gen/index.js` to {@link GEN_INDEX_SHIM}. */
function slimGenIndex(dist: string): Plugin {
  const config = join(dist, 'config.js');
  return {
    name: 'slim-gen-index',
    setup(b) {
      b.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) => (args.importer === config ? { path: 'gen-index-shim', namespace: 'kube-client' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'kube-client' }, () => ({ contents: GEN_INDEX_SHIM, resolveDir: join(dist, 'gen'), loader: 'js' }));
    },
  };
}

/** What {@link bundleKubeClient} wrote: the bundle's path and the package's files it holds (relative to its dist/). */
export interface KubeClientBundle {
  readonly outfile: string;
  readonly inputs: readonly string[];
}

/**
 * Bundles client-node's `config.js` (the KubeConfig class and everything it imports from the
 * package) into one ES module at `outfile`. Other packages (js-yaml, openid-client, the proxy
 * agents…) stay imports, resolved from node_modules as before; `outfile` must be where they resolve.
 */
export async function bundleKubeClient(outfile: string): Promise<KubeClientBundle> {
  const dist = clientNodeDist();
  const result = await build({
    entryPoints: [join(dist, 'config.js')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'silent',
    plugins: [slimGenIndex(dist)],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith('kube-client:'))
    .map((p) => relative(dist, join(process.cwd(), p)).split(sep).join('/'));
  // The packages left as imports must be the ones client-node gets: a version of its own nested
  // under it (node_modules/@kubernetes/client-node/node_modules) would not be found from outfile.
  const imported = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  const unshared = unsharedPackages(dist, dirname(resolve(outfile)), imported);
  if (unshared.length > 0) throw new Error(`${outfile} would not find what client-node finds: ${unshared.join('; ')}`);
  return { outfile, inputs };
}

/**
 * The packages among `specifiers` that Node would find in another folder from `to` than from
 * `from` (or not at all), each described; builtins are skipped.
 */
export function unsharedPackages(from: string, to: string, specifiers: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of new Set(specifiers.map(packageName))) {
    if (builtinModules.includes(name) || name.startsWith('node:')) continue;
    const theirs = packageDir(from, name);
    const ours = packageDir(to, name);
    if (theirs !== ours) out.push(`${name}: ${theirs ?? 'nothing'} against ${ours ?? 'nothing'}`);
  }
  return out;
}

/** The package an import names: `a` of `a/b`, `@s/a` of `@s/a/b`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** The folder Node finds package `name` in from `dir`: the first node_modules/<name> up the tree. */
function packageDir(dir: string, name: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(d) === d) return undefined;
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'vendor', 'kube-client.js');
  const bundle = await bundleKubeClient(out);
  console.log(`dist/vendor/kube-client.js: client-node's KubeConfig from ${bundle.inputs.length} of its files`);
}
