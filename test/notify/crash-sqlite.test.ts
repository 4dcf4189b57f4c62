import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAudited, type Running } from '../support/durability.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { Receiver } from '../support/receiver.js';
import { eventually } from '../support/wait-for.js';

// A SIGKILL in the middle of a delivery loses nothing: through real processes on one SQLite file,
// the first server is killed while the receiver holds its request; the next server delivers the
// leased row once its lease (NOTIFY_LEASE=1s here) has passed, with the same Idempotency-Key.

let dir: string;
let fake: FakeKubeServer;
let kc: FakeKubeconfig;
let receiver: Receiver;
const running: Running[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'notify-crash-'));
  fake = await FakeKubeServer.start();
  kc = await writeKubeconfig(fake.url);
  receiver = new Receiver();
  await receiver.start();
});

afterEach(async () => {
  for (const r of running.splice(0)) {
    r.child.proc.kill('SIGKILL');
    await r.child.exited;
  }
  await receiver.stop();
  await fake.close();
  await kc.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('notifications through real processes on SQLite', () => {
  it('deliver after a SIGKILL during the delivery', async () => {
    const notify = join(dir, 'notify.yaml');
    writeFileSync(notify, `sinks:\n  - {name: ops, type: webhook, url: "${receiver.url}"}\nroutes:\n  - {name: all, sinks: [ops]}\n`);
    const storage = { env: { STORAGE_URL: `sqlite:${join(dir, 'events.db')}`, NOTIFY_CONFIG: notify, NOTIFY_LEASE: '1s' } };
    receiver.script.push('hang');
    const first = await startAudited(kc.path, storage);
    running.push(first);
    fake.create('deployments', deploymentObject('shop', 'web'));
    await eventually(async () => (receiver.received.length === 1 ? true : undefined), 'the first attempt');
    first.child.proc.kill('SIGKILL');
    expect(await first.child.exited).toBe('SIGKILL');
    running.splice(0);
    const second = await startAudited(kc.path, storage);
    running.push(second);
    await eventually(async () => (receiver.received.length === 2 ? true : undefined), 'the delivery after the restart');
    const keys = receiver.received.map((r) => r.headers['idempotency-key']);
    expect(keys[1]).toBe(keys[0]);
    expect(JSON.parse(receiver.received[1]!.body)).toMatchObject({ summary: 'add deployment shop/web: +$2.40/month' });
    const status = await eventually(async () => {
      const s = (await (await fetch(`${second.url}/model/notify/status`)).json()) as { data: { outbox: { pending: number } } };
      return s.data.outbox.pending === 0 ? s.data.outbox : undefined;
    }, 'an empty outbox');
    expect(status).toEqual({ pending: 0, oldestPendingSeconds: null, deadLetters: 0 });
  }, 60_000);
});
