import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crashScenario, restartScenario, type ChildStorage } from '../support/durability.js';

// The default STORAGE_URL (sqlite:./data/cost-events.db), through real processes started in a
// fresh working directory: the file and its directory are created on first start.

let dir: string;
let storage: ChildStorage;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'durability-sqlite-'));
  storage = { env: {}, options: { cwd: dir, unset: ['STORAGE_URL'] } };
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite, the default storage, through real processes', () => {
  it('keeps every event across a SIGTERM restart and finds what changed while the server was down', async () => {
    await restartScenario(storage);
    expect(existsSync(join(dir, 'data', 'cost-events.db'))).toBe(true);
  }, 60_000);

  it('keeps every event it served across a SIGKILL', async () => {
    await crashScenario(storage);
  }, 60_000);
});
