import { afterEach, beforeEach, describe, it } from 'vitest';
import { crashScenario, restartScenario } from '../support/durability.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';

// PostgreSQL through real processes: restart and crash, each on a schema of its own.

const pgOk = await postgresAvailable();
let schema: TestSchema | undefined;

beforeEach(async () => {
  if (pgOk) schema = await createTestSchema();
});

afterEach(async () => {
  await schema?.drop();
  schema = undefined;
});

describe.skipIf(!pgOk)('PostgreSQL storage through real processes', () => {
  it('keeps every event across a SIGTERM restart and finds what changed while the server was down', async () => {
    await restartScenario({ env: { STORAGE_URL: schema!.url } });
  }, 60_000);

  it('keeps every event it served across a SIGKILL', async () => {
    await crashScenario({ env: { STORAGE_URL: schema!.url } });
  }, 60_000);
});
