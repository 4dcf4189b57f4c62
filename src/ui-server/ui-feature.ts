import { fileURLToPath } from 'node:url';
import type { Feature, FeatureContext } from '../feature.js';
import { loadStaticFiles } from './static-files.js';

/** The web page at `/ui/` when `UI_ENABLED`; `dir` is where it was built (default `ui/` beside the compiled server, `dist/ui/`). */
export function uiFeature({ config, log, build }: FeatureContext, dir: string | undefined): Feature {
  if (!config.uiEnabled) return { name: 'ui' };
  const uiDir = dir ?? fileURLToPath(new URL('../ui/', import.meta.url));
  const files = loadStaticFiles(uiDir);
  return {
    name: 'ui',
    app: {
      ui: {
        files,
        build,
        clusterId: config.clusterId,
        docs: config.docsEnabled,
        audit: config.auditEnabled,
        etlResolutionMs: config.etlResolutionMs,
      },
    },
    start() {
      if (files === undefined) log.warn({ dir: uiDir }, 'UI_ENABLED but the web page is not built (run npm run build); /ui/ answers 404 saying so');
    },
  };
}
