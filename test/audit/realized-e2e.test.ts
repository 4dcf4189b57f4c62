import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import { deploymentObject } from '../support/fake-kube/index.js';
import { settleAudit } from '../support/audit-events.js';
import { CPU_HOUR, EtlRig, GIB_HOUR, webPodObject } from '../support/etl-e2e.js';
import { waitFor } from '../support/wait-for.js';

// What a resize really cost, end to end: the fake API server, the audit watchers, the ETL pipeline
// building hourly sets on a ManualClock, and GET /model/audit/events/{id} reading them. shop/web
// (test/support/etl-e2e.ts's cluster: one pod of 1 core and 2 GiB, running since 08:00) is scaled
// from 1 to 2 replicas at 10:30; its second pod starts then.

/** One replica of web: 1 core and 2 GiB for an hour at the default prices. */
const WEB_HOUR = 1 * CPU_HOUR + 2 * GIB_HOUR;

let rig: EtlRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('realized cost of a resize, end to end', () => {
  it('is null until the hour after the resize is built, then shows one replica more, as predicted', async () => {
    const r = (rig = await EtlRig.start('2024-05-03T08:50:00Z'));
    const server = await r.startServer({ COST_EVENTS_AUDIT_ENABLED: 'true', AUDIT_RESOURCE_TYPES: 'deployment' });
    await waitFor(() => server.watchers?.readiness().ready === true, 'the audit watchers to sync');
    r.fake.create('deployments', deploymentObject('shop', 'web', 1, { cpu: '1', memory: '2Gi' }), { manager: 'helm' });
    await settleAudit(server, 1);

    await r.advanceTo('2024-05-03T10:30:00Z');
    r.fake.update('deployments', 'shop', 'web', (d) => void ((d.spec as { replicas: number }).replicas = 2), { manager: 'kubectl', subresource: 'scale' });
    r.fake.create('pods', webPodObject('web-7d9f-q4v7n', '2024-05-03T10:30:00Z'));
    const [update] = await settleAudit(server, 2);
    expect(update?.eventType).toBe('update');
    const byId = async () => (await r.get<AuditEvent>(`/model/audit/events/${update?.id ?? ''}`)).realized;

    // 11:00 builds 10:00–11:00, the hour of the resize, which is left out: not enough yet.
    await r.advanceTo('2024-05-03T11:00:00Z');
    expect(await byId()).toBeNull();

    await r.advanceTo('2024-05-03T12:00:00Z');
    const realized = await byId();
    expect(realized).toMatchObject({
      predictedMonthlyDelta: update?.monthlyCostDelta,
      before: { window: { start: '2024-05-03T09:00:00Z', end: '2024-05-03T10:00:00Z' }, coverage: 1 },
      after: { window: { start: '2024-05-03T11:00:00Z', end: '2024-05-03T12:00:00Z' }, coverage: 1 },
      coverage: 1,
      predictionOff: false,
    });
    expect(realized?.before.costPerHour).toBeCloseTo(WEB_HOUR, 12);
    expect(realized?.after.costPerHour).toBeCloseTo(2 * WEB_HOUR, 12);
    // One replica more: 23.08 + 2 × 3.09 = 29.26 a month, what the requests predictor said.
    expect(realized?.realizedMonthlyDelta).toBeCloseTo(29.26, 9);
    expect(update?.monthlyCostDelta).toBeCloseTo(29.26, 9);

    // The list serves the same with realized=true.
    const [listed] = await r.get<AuditEvent[]>('/model/audit/events?realized=true&count=1');
    expect(listed?.realized).toEqual(realized);
  });
});
