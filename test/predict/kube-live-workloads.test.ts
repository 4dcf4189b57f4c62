import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { kubeLiveWorkloads } from '../../src/predict/kube-live-workloads.js';
import type { LiveWorkloads } from '../../src/predict/live-workloads.js';
import { deploymentObject, FakeKubeServer, nodeObject, writeKubeconfig, type FakeKubeconfig } from '../support/fake-kube/index.js';
import { ManualClock } from '../support/manual-clock.js';

let fake: FakeKubeServer;
let kubeconfig: FakeKubeconfig;
let live: LiveWorkloads;

beforeEach(async () => {
  const clock = new ManualClock();
  fake = await FakeKubeServer.start({ clock });
  kubeconfig = await writeKubeconfig(fake.url);
  live = kubeLiveWorkloads({ kubeConfig: kubeconfig.kubeConfig, clock });
});

afterEach(async () => {
  await fake.close();
  await kubeconfig.remove();
});

const rejection = async (p: Promise<unknown>): Promise<AppError> => {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
};

describe('kubeLiveWorkloads', () => {
  it('finds the running object of that kind, namespace and name', async () => {
    fake.create('deployments', deploymentObject('shop', 'api', 4));
    expect(await live.find('deployment', 'shop', 'api')).toMatchObject({ metadata: { name: 'api' }, spec: { replicas: 4 } });
    expect(await live.find('deployment', 'shop', 'web')).toBeUndefined();
    expect(await live.find('statefulset', 'shop', 'api')).toBeUndefined();
  });

  it('counts schedulable nodes, leaving out cordoned ones', async () => {
    for (const name of ['n1', 'n2', 'n3']) fake.create('nodes', nodeObject(name));
    fake.create('nodes', { ...nodeObject('n4'), spec: { unschedulable: true } });
    expect(await live.schedulableNodes()).toBe(3);
  });

  it('answers 503 naming what it could not list when the API server fails', async () => {
    fake.failNext(1, 500, 'list');
    const err = await rejection(live.schedulableNodes());
    expect(err.statusCode).toBe(503);
    expect(err.message).toMatch(/^cannot list Nodes from the Kubernetes API to price a DaemonSet \(500 InternalError: injected failure 500 .*\); try again once the cluster answers$/);
  });

  it('answers 503 when the API server answers an object that cannot be priced', async () => {
    fake.create('deployments', { ...deploymentObject('shop', 'api'), spec: { replicas: 'many' } });
    const err = await rejection(live.find('deployment', 'shop', 'api'));
    expect(err.statusCode).toBe(503);
    expect(err.message).toBe('the Kubernetes API answered the running Deployment shop/api in a shape that cannot be priced (spec.replicas: expected integer); try again once the cluster answers');
  });
});
