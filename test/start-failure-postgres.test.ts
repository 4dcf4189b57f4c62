import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { startServer } from '../src/server.js';
import { tokenFileText } from './support/cloud-eye.js';
import { FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from './support/fake-kube/index.js';
import { ManualClock } from './support/manual-clock.js';
import { createTestSchema, postgresAvailable, type TestSchema } from './support/postgres.js';
import { mountedFile, type MountedFile } from './support/token-files.js';
import { eventually } from './support/wait-for.js';

// A start that fails late: the ETL, the token-file poller, pruning and the writer have started
// when the audit reads what the previous run remembered, and that read fails (its table is gone).
// Everything started must be stopped again: no timer left on the clock, no watch left open.

const pgOk = await postgresAvailable();
let schema: TestSchema | undefined;
let fake: FakeKubeServer;
let kc: FakeKubeconfig;
let tokens: MountedFile;

beforeEach(async () => {
  if (!pgOk) return;
  schema = await createTestSchema();
  fake = await FakeKubeServer.start();
  kc = await writeKubeconfig(fake.url);
  tokens = mountedFile(tokenFileText([{ token: 'reader', projects: ['*'], actions: ['ces:events:list'] }]));
});

afterEach(async () => {
  if (!pgOk) return;
  await fake.close();
  await kc.remove();
  tokens.cleanup();
  await schema?.drop();
});

const config = (env: Record<string, string>): Config => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: schema!.url, ...env });
  if (r.help) throw new Error('help');
  return r.config;
};

describe.skipIf(!pgOk)('a start that fails after features started', () => {
  it('rejects with the failure and stops every feature started before it', async () => {
    // A first run migrates the schema; then the workload memory is made unreadable.
    const first = await startServer(config({}), { clock: new ManualClock(), env: {}, serviceAccountDir: '/nonexistent' });
    await first.close();
    await schema!.query('DROP TABLE workloads CASCADE');

    const clock = new ManualClock();
    const lines: string[] = [];
    const env = { KUBECONFIG: kc.path, COST_EVENTS_AUDIT_ENABLED: 'true', CES_TOKENS_FILE: tokens.path };
    const logDestination = { write: (l: string) => lines.push(l) };
    const start = startServer(config(env), { clock, env: {}, serviceAccountDir: '/nonexistent', logger: { level: 'info' }, logDestination });
    await expect(start).rejects.toThrow(/workloads/);

    // Started before the failure: the cluster was found and the token file read.
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('Kubernetes cluster found');
    expect(messages).toContain('Cloud Eye routes require a token granted by CES_TOKENS_FILE');
    expect(messages).not.toContain('starting cost-events');
    // Stopped again: the ETL's schedule, the token file's poll, pruning and the writer hold no timer.
    expect(clock.pendingTimers).toBe(0);
    await eventually(async () => fake.openWatches() === 0 || undefined, 'the cluster cache to close its watches');
  });
});
