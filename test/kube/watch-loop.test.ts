import { afterEach, describe, expect, it } from 'vitest';
import { deploymentObject } from '../support/fake-kube/index.js';
import type { FakeKubeServer } from '../support/fake-kube/index.js';
import { waitFor } from '../support/wait-for.js';
import type { Harness } from './support/loop-harness.js';
import { harness } from './support/loop-harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const seed =
  (...names: string[]) =>
  (fake: FakeKubeServer): void => {
    for (const n of names) fake.create('deployments', deploymentObject('shop', n));
  };

async function started(setup = seed('web', 'api')): Promise<Harness> {
  h = await harness(setup);
  h.loop.start();
  await h.watching();
  return h;
}

describe('the watch loop against a fake API server', () => {
  it('delivers the initial list as one sync and not as adds', async () => {
    const { rec, loop, fake } = await started();
    expect(rec.log).toEqual(['sync initial api,web']);
    expect(loop.status()).toMatchObject({ state: 'watching', synced: true, relists: 0, restarts: 0 });
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3']);
  });

  it('asks for bookmarks and a server timeout of 5 to 10 minutes on every watch', async () => {
    const { fake } = await started();
    const watch = fake.requests.find((r) => r.verb === 'watch')!;
    expect(watch.query).toMatchObject({ watch: 'true', resourceVersion: '3', allowWatchBookmarks: 'true' });
    // Jitter pinned at 0.5: 300 + floor(0.5 × 301).
    expect(watch.query['timeoutSeconds']).toBe('450');
  });

  it('streams creates, updates and deletes as they happen', async () => {
    const { rec, fake } = await started();
    fake.create('deployments', deploymentObject('shop', 'cart'));
    fake.update('deployments', 'shop', 'web', (d) => ((d.spec as { replicas: number }).replicas = 5));
    fake.delete('deployments', 'shop', 'api');
    await waitFor(() => rec.log.length === 4, 'three events');
    expect(rec.log).toEqual(['sync initial api,web', 'added cart', 'modified web', 'deleted api']);
    expect([...rec.store.values()].map((r) => r.name).sort()).toEqual(['cart', 'web']);
  });

  it('reconnects after a dropped connection from the last resourceVersion, without a relist', async () => {
    const { rec, fake, loop, retryNow, watching } = await started();
    fake.create('deployments', deploymentObject('shop', 'cart'));
    await waitFor(() => rec.log.length === 2, 'the add');
    fake.dropWatches();
    await retryNow();
    await watching();
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3', 'watch rv=4']);
    expect(loop.status()).toMatchObject({ relists: 0, restarts: 1, state: 'watching' });
    expect(loop.status().lastError).toMatch(/^watch: /);
  });

  it('replays what happened while disconnected once it reconnects', async () => {
    const { rec, fake, retryNow } = await started();
    fake.dropWatches();
    await waitFor(() => h!.loop.status().state === 'backoff', 'the backoff');
    fake.create('deployments', deploymentObject('shop', 'cart'));
    await retryNow();
    await waitFor(() => rec.log.length === 2, 'the replayed add');
    expect(rec.log).toEqual(['sync initial api,web', 'added cart']);
  });

  it('finds a delete made while the watch was down by diffing the relist after 410', async () => {
    const { rec, fake, loop, retryNow, watching } = await started();
    await fake.stop();
    await waitFor(() => loop.status().state === 'backoff' && fake.openWatches() === 0, 'the backoff');
    fake.deleteUnwatched('deployments', 'shop', 'api'); // and compacted: only a relist can reveal it
    await fake.restart();
    await retryNow();
    await watching();
    expect(rec.log).toEqual(['sync initial api,web', 'sync relist + -api ~']);
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3', 'watch rv=3 → ERROR 410', 'list', 'watch rv=4']);
    expect(loop.status()).toMatchObject({ relists: 1, synced: true });
  });

  it('relists on an in-stream 410 with no spurious adds', async () => {
    const { rec, fake, retryNow, watching } = await started();
    fake.dropWatches();
    await waitFor(() => h!.loop.status().state === 'backoff', 'the backoff');
    fake.update('deployments', 'shop', 'web', (d) => ((d.spec as { replicas: number }).replicas = 2));
    fake.compact();
    await retryNow();
    await watching();
    expect(rec.log).toEqual(['sync initial api,web', 'sync relist + - ~web']);
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3', 'watch rv=3 → ERROR 410', 'list', 'watch rv=4']);
  });

  it('relists on a plain HTTP 410 too', async () => {
    const { rec, fake, retryNow, watching } = await started();
    fake.setExpiredMode('http');
    fake.dropWatches();
    await waitFor(() => h!.loop.status().state === 'backoff', 'the backoff');
    fake.create('deployments', deploymentObject('shop', 'cart'));
    fake.compact();
    await retryNow();
    await watching();
    expect(rec.log).toEqual(['sync initial api,web', 'sync relist +cart - ~']);
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3', 'watch rv=3 → 410', 'list', 'watch rv=4']);
  });

  it('backs off when 410s follow one another, instead of relisting in a tight loop', async () => {
    const { fake, loop, retryNow, watching } = await started();
    fake.failNext(2, 410, 'watch');
    fake.dropWatches();
    await retryNow(); // watch → 410 → relist at once → watch → 410 again → now it backs off
    await waitFor(() => fake.calls('deployments').length === 5 && loop.status().state === 'backoff', 'the second 410');
    await retryNow();
    await watching();
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3', 'watch rv=3 → 410', 'list', 'watch rv=3 → 410', 'list', 'watch rv=3']);
  });

  it('carries on at once from the last resourceVersion when the server ends the watch on its timeout', async () => {
    const { fake, loop, clock, watching } = await started();
    clock.advance(2_000);
    fake.endWatches();
    await waitFor(() => fake.calls('deployments').length === 3, 'the next watch');
    await watching();
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3', 'watch rv=3']);
    expect(loop.status()).toMatchObject({ restarts: 1, relists: 0, lastError: undefined });
  });

  it('backs off when a watch ends cleanly at once with no event', async () => {
    const { fake, loop, retryNow, watching } = await started();
    fake.endWatches();
    await waitFor(() => loop.status().state === 'backoff', 'the backoff');
    expect(loop.status().lastError).toBe('watch: the watch closed after 0 ms without an event');
    await retryNow();
    await watching();
  });

  it('backs off and re-watches without a relist on an HTTP 500', async () => {
    const { fake, loop, retryNow, watching } = await started();
    fake.failNext(1, 500, 'watch');
    fake.dropWatches();
    await retryNow();
    await waitFor(() => fake.calls('deployments').length === 3 && loop.status().state === 'backoff', 'the 500');
    expect(loop.status().lastError).toBe('watch: HTTP 500: Internal Server Error');
    expect(loop.status().failures).toBeGreaterThan(0);
    await retryNow();
    await watching();
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3', 'watch rv=3 → 500', 'watch rv=3']);
    // Failing until it makes progress (an event, a bookmark, a list).
    expect(loop.status().failures).toBeGreaterThan(0);
    fake.create('deployments', deploymentObject('shop', 'cart'));
    await waitFor(() => loop.status().failures === 0, 'progress to clear the failures');
  });

  it('backs off and re-watches without a relist on an in-stream error other than 410', async () => {
    const { fake, loop, retryNow, watching } = await started();
    fake.injectEvent('deployments', 'ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, reason: 'InternalError', message: 'etcd is sad' });
    fake.endWatches();
    await waitFor(() => loop.status().state === 'backoff', 'the backoff');
    expect(loop.status().lastError).toBe('watch: 500 InternalError: etcd is sad');
    await retryNow();
    await watching();
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3', 'watch rv=3']);
  });

  it('lists in pages of the configured size', async () => {
    h = await harness(seed('a', 'b', 'c', 'd', 'e'), { pageSize: 2 });
    h.loop.start();
    await h.watching();
    expect(h.rec.log).toEqual(['sync initial a,b,c,d,e']);
    expect(h.fake.calls('deployments')).toEqual(['list', 'list continue', 'list continue', 'watch rv=6']);
    expect(h.fake.requests.filter((r) => r.verb === 'list').map((r) => r.query['limit'])).toEqual(['2', '2', '2']);
  });

  it('restarts the list from the first page when a continue token expires', async () => {
    h = await harness(
      (fake) => {
        seed('a', 'b', 'c', 'd', 'e')(fake);
        fake.failNext(1, 410, 'continue');
      },
      { pageSize: 2 },
    );
    h.loop.start();
    await h.watching();
    expect(h.rec.log).toEqual(['sync initial a,b,c,d,e']);
    expect(h.fake.calls('deployments')).toEqual(['list', 'list continue → 410', 'list', 'list continue', 'list continue', 'watch rv=6']);
  });

  it('restarts a silent stream when the watchdog fires', async () => {
    h = await harness(seed('web'), { staleAfterMs: 60_000 });
    const { fake, loop, clock, retryNow, watching } = h;
    fake.hangWatches(true);
    loop.start();
    await waitFor(() => loop.status().state === 'watching', 'the hung watch to open');
    fake.hangWatches(false);
    clock.advance(59_999);
    expect(loop.status().state).toBe('watching');
    clock.advance(1);
    expect(loop.status().lastError).toBe('watch: no event or bookmark for 60 s; the stream is presumed dead');
    await retryNow();
    await watching(); // exactly one open watch: the hung one was closed
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=2', 'watch rv=2']);
  });

  it('counts a bookmark as a sign of life', async () => {
    h = await harness(seed('web'), { staleAfterMs: 60_000 });
    const { fake, loop, clock, watching } = h;
    loop.start();
    await watching();
    clock.advance(50_000);
    expect(fake.sendBookmark('deployments')).toBe(1);
    await waitFor(() => loop.status().lastEventAt !== undefined, 'the bookmark');
    clock.advance(50_000); // 100 s since the watch opened, 50 s since the bookmark
    expect(loop.status()).toMatchObject({ state: 'watching', restarts: 0 });
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=2']);
  });

  it('retries an API server that is down at start with growing backoff, and syncs once it is up', async () => {
    h = await harness(seed('web'));
    const { fake, loop, clock, rec } = h;
    await fake.stop();
    loop.start();
    await waitFor(() => loop.status().state === 'backoff', 'the first failure');
    expect(loop.status()).toMatchObject({ synced: false, restarts: 1 });
    expect(loop.status().lastError).toMatch(/^list: .*ECONNREFUSED/);
    clock.advance(599); // first delay: 800 ms step, half fixed + half × 0.5 jitter = 600 ms
    expect(loop.status().state).toBe('backoff');
    clock.advance(1);
    expect(loop.status().state).toBe('listing');
    await waitFor(() => loop.status().state === 'backoff', 'the second failure');
    clock.advance(1_199); // second delay: 1600 ms step → 1200 ms
    expect(loop.status().state).toBe('backoff');
    await fake.restart();
    clock.advance(1);
    await h.watching();
    expect(rec.log).toEqual(['sync initial web']);
    expect(loop.status()).toMatchObject({ synced: true, relists: 0, restarts: 2 });
  });

  it('reports a delete and a recreate under the same name as a delete and an add of two objects', async () => {
    const { rec, fake } = await started();
    fake.recreate('deployments', 'shop', 'web');
    await waitFor(() => rec.uids.length === 2, 'two events');
    expect(rec.uids.map((u) => `${u.type} ${u.name}`)).toEqual(['deleted web', 'added web']);
    expect(rec.uids[0]!.uid).not.toBe(rec.uids[1]!.uid);
  });

  it('sees a recreate hidden by a relist as one removal and one addition', async () => {
    const { rec, fake, retryNow, watching } = await started();
    fake.dropWatches();
    await waitFor(() => h!.loop.status().state === 'backoff', 'the backoff');
    fake.recreate('deployments', 'shop', 'web');
    fake.compact();
    await retryNow();
    await watching();
    expect(rec.log).toEqual(['sync initial api,web', 'sync relist +web -web ~']);
  });

  it('keeps going when the consumer throws', async () => {
    h = await harness(seed('web'));
    const { fake, loop, rec } = h;
    const original = rec.handler.onAdded.bind(rec.handler);
    let first = true;
    rec.handler.onAdded = (o) => {
      if (first) {
        first = false;
        throw new Error('consumer bug');
      }
      original(o);
    };
    loop.start();
    await h.watching();
    fake.create('deployments', deploymentObject('shop', 'a'));
    fake.create('deployments', deploymentObject('shop', 'b'));
    await waitFor(() => rec.log.includes('added b'), 'the second add');
    expect(loop.status().state).toBe('watching');
  });

  it('stops cleanly: no error, no timer, no socket left open', async () => {
    const { fake, loop, clock } = await started();
    await loop.stop();
    expect(loop.status()).toMatchObject({ state: 'stopped', lastError: undefined });
    expect(clock.pendingTimers).toBe(0);
    await waitFor(() => fake.connections === 0, 'the server to see every socket closed');
    expect(fake.openWatches()).toBe(0);
  });

  it('restarts a watch whose server never even answers with headers', async () => {
    h = await harness(seed('web'), { staleAfterMs: 60_000 });
    const { fake, loop, clock, retryNow, watching } = h;
    fake.hangWatches(true, 'before-headers');
    loop.start();
    await waitFor(() => fake.openWatches() === 1, 'the unanswered watch');
    expect(loop.status().state).toBe('connecting');
    fake.hangWatches(false);
    clock.advance(60_000);
    await retryNow();
    await watching();
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=2', 'watch rv=2']);
  });

  it('stops cleanly while backing off', async () => {
    const { fake, loop, clock } = await started();
    fake.dropWatches();
    await waitFor(() => loop.status().state === 'backoff', 'the backoff');
    await loop.stop();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(60_000);
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3']);
    await waitFor(() => fake.connections === 0, 'every socket closed');
  });

  it('stops cleanly while a watch waits for its headers', async () => {
    h = await harness(seed('web'));
    const { fake, loop, clock } = h;
    fake.hangWatches(true, 'before-headers');
    loop.start();
    await waitFor(() => fake.openWatches() === 1, 'the unanswered watch');
    await loop.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(loop.status().lastError).toBeUndefined();
    await waitFor(() => fake.connections === 0, 'every socket closed');
  });

  it('stops cleanly in the middle of a list', async () => {
    h = await harness(seed('web'));
    const { fake, loop } = h;
    loop.start();
    expect(loop.status().state).toBe('listing');
    await loop.stop();
    expect(loop.status()).toMatchObject({ state: 'stopped', synced: false, lastError: undefined });
    await waitFor(() => fake.connections === 0, 'every socket closed');
    expect(fake.openWatches()).toBe(0);
  });
});
