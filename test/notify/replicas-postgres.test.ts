import { afterEach, describe, expect, it } from 'vitest';
import { httpSink } from '../../src/notify/http-sink.js';
import { Notifier } from '../../src/notify/notifier.js';
import { NotifyRouter } from '../../src/notify/notify-router.js';
import { PostgresStore } from '../../src/storage/postgres/pg-store.js';
import { ManualClock } from '../support/manual-clock.js';
import { createTestSchema, postgresAvailable, type TestSchema } from '../support/postgres.js';
import { Receiver } from '../support/receiver.js';
import { change, config, routed } from './notify-fixtures.js';

// Two replicas sharing one PostgreSQL outbox deliver each notification once: leases are taken
// with FOR UPDATE SKIP LOCKED, and a replica that dies holding a lease leaves its rows to the
// other once the lease expires.

const pgOk = await postgresAvailable();
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function replicas(n: number) {
  const schema: TestSchema = await createTestSchema();
  const receiver = new Receiver();
  await receiver.start();
  const clock = new ManualClock('2024-05-03T08:00:00Z');
  const cfg = config(`sinks:\n  - {name: ops, type: webhook, urlEnv: U, concurrency: 8}\nroutes:\n  - {name: all, sinks: [ops]}\n`, { U: receiver.url });
  const stores = await Promise.all(Array.from({ length: n }, () => PostgresStore.open(schema.url, { etlLogCapacity: 10, auditCapacity: 10 })));
  const notifiers = stores.map(
    (store, i) => new Notifier({ outbox: store.outbox, clock, config: () => cfg, makeSink: (s) => httpSink(s, clock), owner: `replica-${i}`, log: quiet, batch: 16, leaseMs: 60_000 }),
  );
  const router = new NotifyRouter({ clock, cluster: 'c1', resolutionMs: 3_600_000, config: () => cfg });
  cleanup = async () => {
    for (const x of notifiers) await x.stop();
    for (const s of stores) await s.close();
    await receiver.stop();
    await schema.drop();
  };
  return { stores, notifiers, router, receiver, clock };
}

describe('notifications from replicas sharing PostgreSQL', () => {
  it('deliver each notification once', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const { stores, notifiers, router, receiver } = await replicas(2);
    // Both replicas see every change and both write it: one row each.
    for (const store of stores) for (let i = 0; i < 100; i++) await store.write(routed(router, change(`w${i}`, i + 1)));
    expect((await stores[0]!.outbox.stats()).pending).toBe(100);
    while ((await stores[0]!.outbox.stats()).pending > 0) await Promise.all(notifiers.map((x) => x.tick()));
    const keys = receiver.received.map((r) => String(r.headers['idempotency-key']));
    expect(keys).toHaveLength(100);
    expect(new Set(keys).size).toBe(100);
    // Both took part.
    expect(notifiers.map((x) => (x.activity().get('ops')?.delivered ?? 0) > 0)).toEqual([true, true]);
  });

  it('take over the rows of a replica that died holding their lease, once the lease expires', async (ctx) => {
    if (!pgOk) return ctx.skip();
    const { stores, notifiers, router, receiver, clock } = await replicas(2);
    await stores[0]!.write(routed(router, change('web', 5)));
    // Replica 0 leases the row and dies before sending it.
    expect(await stores[0]!.outbox.lease('replica-0', clock.nowMs(), 60_000, 10)).toHaveLength(1);
    await notifiers[1]!.tick();
    expect(receiver.received).toHaveLength(0);
    clock.advance(60_000);
    await notifiers[1]!.tick();
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual(['c1/add/web-5']);
    expect((await stores[1]!.outbox.stats()).pending).toBe(0);
  });
});
