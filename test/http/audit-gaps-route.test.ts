import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { auditGap, type AuditGap } from '../../src/audit/watch-gap.js';
import { AUDIT_DISABLED_MESSAGE } from '../../src/http/audit-routes.js';
import { buildTestApp, type TestApp } from '../support/app.js';

// GET /model/audit/gaps (and its cost-model alias /audit/gaps): the envelope, the filters, and a
// 400 naming the parameter for every bad input.

let t: TestApp;
let app: FastifyInstance;
afterEach(async () => {
  await app.close();
});

const S = 1_000_000_000n;
const T = BigInt(Date.parse('2023-02-28T13:00:00Z')) * 1_000_000n;
const gap = (cluster: string, startMin: number, endMin: number): AuditGap =>
  auditGap({ cluster, kinds: ['deployment'], cause: 'watch', startNs: T + BigInt(startMin * 60) * S, endNs: T + BigInt(endMin * 60) * S, changes: 1 });

const setup = async (...gaps: AuditGap[]) => {
  t = buildTestApp({ now: '2023-02-28T14:00:00Z' });
  app = t.app;
  for (const g of gaps) t.bus.publish('auditGaps', g);
  await t.writer.idle();
};

const get = async (query: string) => {
  const res = await app.inject(`/model/audit/gaps${query}`);
  return { status: res.statusCode, body: res.json<{ code: number; data: AuditGap[] | null; message?: string }>() };
};

describe('GET /model/audit/gaps', () => {
  it('lists the gaps newest first in the envelope, at both prefixes', async () => {
    const [a, b] = [gap('cluster-one', 0, 5), gap('cluster-two', 10, 12)];
    await setup(a, b);
    expect(await get('')).toEqual({ status: 200, body: { code: 200, data: [b, a] } });
    expect((await app.inject('/audit/gaps')).json()).toEqual({ code: 200, data: [b, a] });
  });

  it('filters by cluster, by the window a gap overlaps, and counts', async () => {
    const [a, b] = [gap('cluster-one', 0, 5), gap('cluster-two', 10, 12)];
    await setup(a, b);
    expect((await get('?filterClusters=cluster-one')).body.data).toEqual([a]);
    expect((await get('?window=2023-02-28T13:04:00Z,2023-02-28T13:06:00Z')).body.data).toEqual([a]);
    expect((await get('?window=30m')).body.data).toEqual([]);
    expect((await get('?count=1')).body.data).toEqual([b]);
  });

  it.each([
    ['?window=yesterdayish', 'window'],
    ['?window=2023-02-28T14:00:00Z,2023-02-28T13:00:00Z', 'window'],
    ['?count=0', 'count'],
    ['?count=x', 'count'],
    ['?count=99999999999999999999', 'count'],
    ['?count=Infinity', 'count'],
    ['?filterClusters=' + 'a'.repeat(300), 'filterClusters'],
  ])('answers %s with a 400 naming %s', async (query, name) => {
    await setup();
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body.code).toBe(400);
    expect(body.data).toBeNull();
    expect(body.message).toContain(name);
  });

  it('answers a 404 that says how to enable the audit when it is off', async () => {
    app = buildTestApp({ auditEnabled: false }).app;
    const res = await app.inject('/model/audit/gaps');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 404, data: null, message: AUDIT_DISABLED_MESSAGE });
  });
});
