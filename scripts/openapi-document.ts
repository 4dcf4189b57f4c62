import { loadConfig } from '../src/config.js';
import { renderOpenApi, type RenderedOpenApi } from '../src/http/openapi.js';
import { startServer } from '../src/server.js';

/** Where the document is checked in, relative to the repository root. */
export const OPENAPI_FILES = { json: 'openapi/openapi.json', yaml: 'openapi/openapi.yaml' } as const;

/**
 * The OpenAPI document as the server serves it: the composition root builds the app exactly as in
 * production (so every route anyone registers is in it) from fixed settings (so nothing of the
 * environment leaks in), on a loopback port, with storage in memory and no cluster.
 */
export async function generateOpenApi(): Promise<RenderedOpenApi> {
  const parsed = loadConfig({ HOST: '127.0.0.1', PORT: '0', STORAGE_URL: 'memory:' });
  if (parsed.help) throw new Error('unreachable: no --help given');
  const server = await startServer(parsed.config, { env: {}, serviceAccountDir: '/nonexistent' });
  try {
    return renderOpenApi(server.app);
  } finally {
    await server.close();
  }
}
