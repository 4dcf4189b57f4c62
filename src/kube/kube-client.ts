import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';

/** client-node's KubeConfig class. */
export type KubeConfigClass = typeof KubeConfig;

/**
 * Where `npm run build` puts client-node's KubeConfig bundled without the generated API clients
 * and models (scripts/bundle-kube-client.ts): next to the compiled code, `dist/vendor/`.
 */
const bundleOf = (moduleUrl: string): URL => new URL('../vendor/kube-client.js', moduleUrl);

/**
 * client-node's KubeConfig, loaded on first need (a server without a cluster never loads it).
 * The compiled server loads the build's bundle: the same class from the same files, without the
 * package's `gen/index.js`, which its config.js imports only for `makeApiClient` and which loads
 * every generated API client and model (21 MB of live heap, 40 MB of RSS, 0.4 s of start). Run
 * from src/ (tests, tsx), there is no bundle and the package itself is loaded.
 */
export async function kubeConfigClass(): Promise<KubeConfigClass> {
  if (kubeClientLoaded() === 'bundle') return ((await import(bundleOf(import.meta.url).href)) as { KubeConfig: KubeConfigClass }).KubeConfig;
  return (await import('@kubernetes/client-node')).KubeConfig;
}

/**
 * Which client {@link kubeConfigClass} loads: the build's bundle; the package, run from src/; or
 * the package because compiled code has no bundle beside it (built with `tsc` alone, not `npm run
 * build`), which works but holds about 45 MB more, so the server says so at start.
 */
export type KubeClientLoaded = 'bundle' | 'package' | 'package, no bundle in the build';

/** {@link KubeClientLoaded} for this module, or for compiled code at `moduleUrl` (tests). */
export function kubeClientLoaded(moduleUrl: string = import.meta.url): KubeClientLoaded {
  if (existsSync(fileURLToPath(bundleOf(moduleUrl)))) return 'bundle';
  return moduleUrl.endsWith('.ts') ? 'package' : 'package, no bundle in the build';
}
