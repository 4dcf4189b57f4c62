import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpSink } from '../../src/notify/http-sink.js';
import { Notifier, type DeliveryOutcome } from '../../src/notify/notifier.js';
import type { NotifyConfig } from '../../src/notify/notify-config.js';
import { NotifyRouter } from '../../src/notify/notify-router.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { ManualClock } from '../support/manual-clock.js';
import { Receiver } from '../support/receiver.js';
import { change, config, routed } from './notify-fixtures.js';

// Delivery to real HTTP receivers on loopback, from an SQLite outbox, on a manual clock: the
// notifier's tick is driven by the test, so retries and backoff are steps, not waits.

let dir: string;
let store: SqliteStore;
let receiver: Receiver;
let clock: ManualClock;
const outcomes: string[] = [];
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'notify-'));
  store = SqliteStore.open(join(dir, 'events.db'), { etlLogCapacity: 10, auditCapacity: 10 });
  receiver = new Receiver();
  await receiver.start();
  clock = new ManualClock('2024-05-03T08:00:00Z');
  outcomes.length = 0;
});
afterEach(async () => {
  await receiver.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup(extra = '', sinkType = 'webhook'): { notifier: Notifier; router: NotifyRouter; cfg: NotifyConfig } {
  const cfg = config(
    `sinks:
  - name: ops
    type: ${sinkType}
    urlEnv: OPS_URL
    timeout: 5s
    maxAttempts: 4
${extra}
routes:
  - name: all
    sinks: [ops]
`,
    { OPS_URL: receiver.url, OPS_SECRET: 'shh-its-a-secret' },
  );
  const notifier = new Notifier({
    outbox: store.outbox,
    clock,
    config: () => cfg,
    makeSink: (s) => httpSink(s, clock),
    owner: 'me',
    log: quiet,
    random: () => 0.5,
    onOutcome: (sink: string, route: string, outcome: DeliveryOutcome, n: number) => outcomes.push(`${sink}/${route}/${outcome}×${n}`),
  });
  const router = new NotifyRouter({ clock, cluster: 'c1', resolutionMs: 3_600_000, config: () => cfg });
  return { notifier, router, cfg };
}

describe('delivery to a webhook', () => {
  it('retries a receiver that fails the first attempts, with the same Idempotency-Key, and delivers', async () => {
    const { notifier, router } = setup();
    await store.write(routed(router, change('web', 43.89)));
    receiver.script.push({ status: 503 }, { status: 502 });
    await notifier.tick();
    expect(outcomes).toEqual(['ops/all/failed×1', 'ops/all/retried×1']);
    // Backoff: 1 s doubling, equal jitter (random 0.5): 750 ms, then 1.5 s.
    clock.advance(749);
    await notifier.tick();
    expect(receiver.received).toHaveLength(1);
    clock.advance(1);
    await notifier.tick();
    clock.advance(1500);
    await notifier.tick();
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual(['c1/add/web-43.89', 'c1/add/web-43.89', 'c1/add/web-43.89']);
    expect(outcomes.at(-1)).toBe('ops/all/delivered×1');
    expect(await store.outbox.stats()).toEqual({ pending: 0, oldestCreatedMs: null, dead: 0 });
    const body = receiver.bodies()[2]!;
    expect(body['summary']).toBe('add deployment kubecost/web: +$43.89/month');
    expect((body['event'] as { properties: unknown }).properties).toEqual({ cluster: 'c1', name: 'web', namespace: 'kubecost' });
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    const { notifier, router } = setup();
    await store.write(routed(router, change('web', 5)));
    receiver.script.push({ status: 429, headers: { 'retry-after': '30' } });
    await notifier.tick();
    clock.advance(29_999);
    await notifier.tick();
    expect(receiver.received).toHaveLength(1);
    clock.advance(1);
    await notifier.tick();
    expect(receiver.received).toHaveLength(2);
    expect(outcomes.at(-1)).toBe('ops/all/delivered×1');
  });

  it('gives up on a slow receiver at the timeout and tries again', async () => {
    const { notifier, router } = setup();
    await store.write(routed(router, change('web', 5)));
    receiver.script.push('hang');
    const tick = notifier.tick();
    await waitUntil(() => receiver.received.length === 1);
    clock.advance(5_000);
    await tick;
    expect(outcomes).toEqual(['ops/all/failed×1', 'ops/all/retried×1']);
    const status = notifier.activity().get('ops');
    expect(status?.lastError?.message).toBe('no complete answer within 5000 ms');
    clock.advance(750);
    await notifier.tick();
    expect(outcomes.at(-1)).toBe('ops/all/delivered×1');
  });

  it('keeps a notification while the receiver is down and delivers it after the receiver restarts', async () => {
    const { notifier, router } = setup();
    await store.write(routed(router, change('web', 5)));
    await receiver.stop();
    await notifier.tick();
    clock.advance(750);
    await notifier.tick();
    expect(outcomes).toEqual(['ops/all/failed×1', 'ops/all/retried×1', 'ops/all/failed×1', 'ops/all/retried×1']);
    expect(notifier.activity().get('ops')?.lastError?.message).toMatch(/ECONNREFUSED/);
    expect(notifier.activity().get('ops')?.lastError?.message).not.toMatch(/secret-token/);
    await receiver.start();
    clock.advance(1500);
    await notifier.tick();
    expect(receiver.received).toHaveLength(1);
    expect(outcomes.at(-1)).toBe('ops/all/delivered×1');
  });

  it('signs the body with HMAC-SHA256 of the shared secret', async () => {
    const { notifier, router } = setup('    hmacSecretEnv: OPS_SECRET\n    headers: {X-Team: platform}');
    await store.write(routed(router, change('web', 5)));
    await notifier.tick();
    const [r] = receiver.received;
    const expected = `sha256=${createHmac('sha256', 'shh-its-a-secret').update(r!.body).digest('hex')}`;
    expect(r!.headers['x-cost-events-signature']).toBe(expected);
    expect(r!.headers['x-team']).toBe('platform');
  });

  it('keeps a refused notification as a dead letter at once', async () => {
    const { notifier, router } = setup();
    await store.write(routed(router, change('web', 5)));
    receiver.script.push({ status: 400 });
    await notifier.tick();
    expect(outcomes).toEqual(['ops/all/failed×1', 'ops/all/dead×1']);
    const [dead] = await store.outbox.deadLetters(10);
    expect([dead?.lastError, dead?.attempts]).toEqual(['HTTP 400: error 400', 1]);
  });

  it('makes a dead letter of the last allowed attempt', async () => {
    const { notifier, router } = setup();
    await store.write(routed(router, change('web', 5)));
    receiver.script.push({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    for (const wait of [0, 750, 1500, 3000]) {
      clock.advance(wait);
      await notifier.tick();
    }
    expect(receiver.received).toHaveLength(4);
    const [dead] = await store.outbox.deadLetters(10);
    expect([dead?.lastError, dead?.attempts]).toEqual(['HTTP 500: error 500 (after 4 attempts)', 4]);
    expect(outcomes.at(-1)).toBe('ops/all/dead×1');
  });
});

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setImmediate(r));
  if (!ok()) throw new Error('condition not reached');
}
