import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateOpenApi, OPENAPI_FILES } from './openapi-document.js';

// `npm run openapi`: writes the OpenAPI document the routes' schemas describe to openapi/, where
// it is checked in; test/openapi.test.ts fails while the checked-in files differ from this output.

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = await generateOpenApi();
for (const [format, path] of Object.entries(OPENAPI_FILES) as [keyof typeof OPENAPI_FILES, string][]) {
  const file = `${root}${path}`;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, doc[format]);
  process.stdout.write(`wrote ${path}\n`);
}
