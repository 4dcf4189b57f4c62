import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InformerRegistry, KUBE_KINDS, objectRef, type KubeObject, type KubeLogger } from '../../src/kube/index.js';
import { deploymentObject, FakeKubeServer, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { waitFor } from '../support/wait-for.js';
import { HALF, recorder, type Ref } from './support/loop-harness.js';

// A shared informer over real HTTP: one list-watch of Deployments, several subscribers with
// projections of their own.

let fake: FakeKubeServer;
let kc: FakeKubeconfig;
let clock: ManualClock;
let registry: InformerRegistry;
let warnings: string[];

const log: KubeLogger = { info: () => undefined, warn: (obj, msg) => warnings.push(`${msg} (${String(obj['consumer'])})`), error: (obj, msg) => warnings.push(`${msg} (${String(obj['consumer'])})`) };

const toRef = (o: KubeObject): Ref => {
  const ref = objectRef(o);
  if (ref === undefined) throw new Error('object without uid, name or resourceVersion');
  return ref;
};

beforeEach(async () => {
  fake = await FakeKubeServer.start();
  for (const n of ['web', 'api']) fake.create('deployments', deploymentObject('shop', n));
  kc = await writeKubeconfig(fake.url);
  clock = new ManualClock();
  warnings = [];
  registry = new InformerRegistry({ kubeConfig: kc.kubeConfig, clock, log, tuning: { random: HALF } });
});

afterEach(async () => {
  await registry.stop();
  await fake.close();
  await kc.remove();
});

const informer = () => registry.informer(KUBE_KINDS.deployment);

/** Two recording subscribers, a and b, both started before the registry, once the watch is open. */
async function twoWatching() {
  const [a, b] = [recorder(), recorder()];
  const subA = informer().subscribe({ consumer: 'a', transform: toRef, handler: a.handler });
  const subB = informer().subscribe({ consumer: 'b', transform: toRef, handler: b.handler });
  subA.start();
  subB.start();
  registry.start();
  await waitFor(() => subA.status().state === 'watching' && fake.openWatches('deployments') === 1, 'the watch');
  return { a, b, subA, subB };
}

describe('a shared informer', () => {
  it('gives every subscriber the list and the changes from one list and one watch', async () => {
    const { a, b, subB } = await twoWatching();
    fake.create('deployments', deploymentObject('shop', 'new'));
    fake.scale('deployments', 'shop', 'web', 3);
    fake.delete('deployments', 'shop', 'api');
    await waitFor(() => b.log.length === 4, 'the changes');
    const expected = ['sync initial api,web', 'added new', 'modified web', 'deleted api'];
    expect(a.log).toEqual(expected);
    expect(b.log).toEqual(expected);
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3']);
    expect(subB.status()).toMatchObject({ kind: 'Deployment', state: 'watching', synced: true, relists: 0 });
  });

  it('relists once for a subscriber that joins a running watch, as a relist for the others', async () => {
    const [a, b] = [recorder(), recorder()];
    const subA = informer().subscribe({ consumer: 'a', transform: toRef, handler: a.handler });
    subA.start();
    registry.start();
    await waitFor(() => subA.status().state === 'watching' && fake.openWatches('deployments') === 1, 'the first watch');
    const subB = informer().subscribe({ consumer: 'b', transform: toRef, handler: b.handler });
    subB.start();
    await waitFor(() => subB.status().state === 'watching' && subB.status().synced && fake.openWatches('deployments') === 1, 'the watch again');
    expect(a.log).toEqual(['sync initial api,web', 'sync relist + - ~']);
    expect(b.log).toEqual(['sync initial api,web']);
    expect(subA.status().relists).toBe(1);
    expect(subB.status().relists).toBe(0);
    expect(fake.calls('deployments')).toEqual(['list', 'watch rv=3', 'list', 'watch rv=3']);
  });

  it('skips an object only for the subscriber whose projection cannot read it', async () => {
    const [a, b] = [recorder(), recorder()];
    const picky = (o: KubeObject): Ref => {
      if (o.metadata?.name === 'web') throw new Error('cannot read web');
      return toRef(o);
    };
    const subA = informer().subscribe({ consumer: 'picky', transform: picky, handler: a.handler });
    const subB = informer().subscribe({ consumer: 'b', transform: toRef, handler: b.handler });
    subA.start();
    subB.start();
    registry.start();
    await waitFor(() => subB.status().synced, 'the list');
    expect(a.log).toEqual(['sync initial api']);
    expect(b.log).toEqual(['sync initial api,web']);
    expect(warnings).toEqual(['skipped an object that could not be read (picky)']);
  });

  it('keeps watching for the others when one subscriber stops, and stops with the last', async () => {
    const { a, b, subA, subB } = await twoWatching();
    await subA.stop();
    expect(subA.status().state).toBe('stopped');
    fake.create('deployments', deploymentObject('shop', 'new'));
    await waitFor(() => b.log.includes('added new'), 'the add');
    expect(a.log).toEqual(['sync initial api,web']);
    expect(fake.openWatches('deployments')).toBe(1);
    await subB.stop();
    await waitFor(() => fake.openWatches('deployments') === 0, 'the watch to close');
    expect(subB.status().state).toBe('stopped');
  });
});
