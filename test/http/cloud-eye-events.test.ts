import { afterEach, describe, expect, it } from 'vitest';
import type { EventDetailsResponse, EventSummaryResponse } from '../../src/cloud-eye/response-schemas.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { buildCloudEyeTestApp, cesError, NOW, reportItem, type CloudEyeTestApp } from '../support/cloud-eye.js';
import { auditEvent } from '../support/events.js';
import { delegate, switchableStore } from '../support/stores.js';
import { auditChangeOf } from '../../src/audit/audit-change.js';

// What the Cloud Eye calls answer: ordering and paging, time ranges, types and names,
// de-duplication, atomic reports, retention, other clusters of the store, storage outages.

let t: CloudEyeTestApp;
afterEach(async () => {
  await t.app.close();
});

const summary = async (query = '') => (await t.get(`/cluster-one/events${query}`)).json<EventSummaryResponse>();
const names = (s: EventSummaryResponse) => s.events.map((e) => e.event_name);
const details = async (name: string, query: string) => (await t.get(`/cluster-one/event/${name}?${query}`)).json<EventDetailsResponse>();
const etlAt = (kind: 'AllocationSetSaved' | 'AssetSetSaved' | 'AllocationSetLoaded', ms: number, cluster = 'cluster-one') =>
  t.bus.publish('etl', { kind, metadata: {}, time: BigInt(ms) * 1_000_000n, cluster });

describe('the summary', () => {
  it('orders rows by latest occurrence, newest first (ties by name), and pages them with start and limit', async () => {
    t = buildCloudEyeTestApp();
    await t.post('/cluster-one/events', [reportItem('delta', NOW - 400), reportItem('alpha', NOW - 100), reportItem('echo', NOW - 100), reportItem('bravo', NOW - 300), reportItem('alpha', NOW - 500)]);
    etlAt('AllocationSetSaved', NOW - 200);
    const all = await summary();
    expect(names(all)).toEqual(['alpha', 'echo', 'AllocationSetSaved', 'bravo', 'delta']);
    expect(all.meta_data.total).toBe(5);
    expect(all.events[0]).toEqual({ event_name: 'alpha', event_type: 'EVENT.CUSTOM', event_count: 2, latest_occur_time: NOW - 100, latest_event_source: 'financial.System' });
    const pages = [];
    for (const start of [0, 2, 4, 6]) pages.push(await summary(`?start=${start}&limit=2`));
    expect(pages.map(names)).toEqual([['alpha', 'echo'], ['AllocationSetSaved', 'bravo'], ['delta'], []]);
    expect(pages.map((p) => p.meta_data.total)).toEqual([5, 5, 5, 5]);
  });

  it('counts every stored event without from and to, and only those in [from, to) with them', async () => {
    t = buildCloudEyeTestApp();
    etlAt('AllocationSetSaved', NOW - 3 * 86_400_000);
    etlAt('AllocationSetSaved', NOW - 1000);
    etlAt('AllocationSetSaved', NOW);
    expect((await summary()).events.map((e) => e.event_count)).toEqual([3]);
    expect((await summary(`?from=${NOW - 1000}&to=${NOW}`)).events.map((e) => [e.event_count, e.latest_occur_time])).toEqual([[1, NOW - 1000]]);
    expect((await summary(`?from=${NOW + 1}`)).events).toEqual([]);
  });

  it('selects by type and by name, a name of each kind of event', async () => {
    t = buildCloudEyeTestApp();
    etlAt('AllocationSetSaved', NOW - 10);
    t.bus.publish('audit', auditChangeOf(auditEvent('db', { resource: 'statefulset', type: 'delete', timestamp: '2024-05-03T08:01:03.000000000Z' }), 'delete/uid-db', { cluster: 'cluster-one', resourceType: 'statefulset', op: 'remove', uid: 'uid-db' }));
    await t.post('/cluster-one/events', [reportItem('AllocationSetSaved', NOW - 5), reportItem('custom_one', NOW - 1)]);
    expect(names(await summary('?event_type=EVENT.SYS'))).toEqual(['AllocationSetSaved', 'deleteStatefulSet']);
    expect(names(await summary('?event_type=EVENT.CUSTOM'))).toEqual(['custom_one', 'AllocationSetSaved']);
    expect((await summary('?event_name=AllocationSetSaved')).events.map((e) => e.event_type)).toEqual(['EVENT.CUSTOM', 'EVENT.SYS']);
    expect(names(await summary('?event_name=deleteStatefulSet'))).toEqual(['deleteStatefulSet']);
    expect(await summary('?event_name=rebootServer')).toEqual({ events: [], meta_data: { total: 0 } });
  });

  it('counts a new event at once, reusing each part of the summary only while nothing of it changed', async () => {
    const queried: string[] = [];
    const inner = new MemoryStore({ etlLogCapacity: 10, auditCapacity: 10 });
    t = buildCloudEyeTestApp({
      store: delegate(inner, {
        summarizeEvents: (q) => {
          queried.push(q.custom === undefined ? 'system' : 'custom');
          return inner.summarizeEvents(q);
        },
      }),
    });
    etlAt('AllocationSetSaved', NOW - 10);
    expect((await summary()).events.map((e) => e.event_count)).toEqual([1]);
    expect((await summary()).events.map((e) => e.event_count)).toEqual([1]);
    etlAt('AllocationSetSaved', NOW - 5);
    expect((await summary()).events.map((e) => e.event_count)).toEqual([2]);
    t.bus.publish('audit', auditChangeOf(auditEvent('web'), 'add/uid-web', { cluster: 'cluster-one', resourceType: 'deployment', op: 'remove', uid: 'uid-web' }));
    expect(names(await summary())).toEqual(['AllocationSetSaved', 'createDeployment']);
    // Nothing custom changed: counted once. The system part: once per change.
    expect(queried.sort()).toEqual(['custom', 'system', 'system', 'system']);
    await t.post('/cluster-one/events', [reportItem('deploy', NOW)]);
    expect(names(await summary())).toEqual(['deploy', 'AllocationSetSaved', 'createDeployment']);
    expect(queried.filter((q) => q === 'custom')).toHaveLength(2);
  });

  it('serves another cluster of the store under its own id, and only its events', async () => {
    t = buildCloudEyeTestApp();
    etlAt('AssetSetSaved', NOW, 'cluster-two');
    etlAt('AllocationSetSaved', NOW);
    const two = (await t.get('/cluster-two/events')).json<EventSummaryResponse>();
    expect(names(two)).toEqual(['AssetSetSaved']);
    expect((await t.post('/cluster-two/events', [reportItem()])).statusCode).toBe(201);
    // Both at NOW: ties go by name.
    expect(names((await t.get('/cluster-two/events')).json<EventSummaryResponse>())).toEqual(['AssetSetSaved', 'systemInvaded']);
    expect(names(await summary())).toEqual(['AllocationSetSaved']);
  });

  it('stops serving a custom event past CUSTOM_EVENT_RETENTION, to the minute', async () => {
    t = buildCloudEyeTestApp({ retentionMs: 86_400_000 });
    const minute = NOW - (NOW % 60_000);
    await t.post('/cluster-one/events', [reportItem('old', minute)]);
    // Retention is counted from the start of the current minute: served until a day and a minute later.
    t.clock.advance(minute + 86_400_000 + 59_999 - NOW);
    expect(names(await summary())).toEqual(['old']);
    t.clock.advance(1);
    expect(names(await summary())).toEqual([]);
    expect((await details('old', 'event_type=EVENT.CUSTOM')).meta_data.total).toBe(0);
  });
});

describe('the details', () => {
  it('lists occurrences newest first and pages them, meta_data.total counting all that match', async () => {
    t = buildCloudEyeTestApp();
    await t.post('/cluster-one/events', Array.from({ length: 7 }, (_, i) => reportItem('deploy', NOW - 1000 + i)));
    const times = async (q: string) => (await details('deploy', `event_type=EVENT.CUSTOM&${q}`)).event_info.map((e) => e.time - NOW);
    expect(await times('limit=3')).toEqual([-994, -995, -996]);
    expect(await times('start=3&limit=3')).toEqual([-997, -998, -999]);
    expect(await times('start=6&limit=3')).toEqual([-1000]);
    expect(await times('start=7')).toEqual([]);
    expect((await details('deploy', 'event_type=EVENT.CUSTOM&start=7')).meta_data.total).toBe(7);
    expect(await times(`from=${NOW - 998}&to=${NOW - 995}`)).toEqual([-996, -997, -998]);
  });

  it('filters custom events by source, level, state and user, and lists their users and sources', async () => {
    t = buildCloudEyeTestApp();
    await t.post('/cluster-one/events', [
      { ...reportItem('deploy', NOW - 3), event_source: 'ci.Pipeline', detail: { event_level: 'Minor', event_state: 'normal', event_user: 'ci bot' } },
      { ...reportItem('deploy', NOW - 2), event_source: 'ops.Manual', detail: { event_level: 'Critical', event_state: 'incident', event_user: 'alice' } },
      { ...reportItem('deploy', NOW - 1), event_source: 'ci.Pipeline', detail: {} },
    ]);
    const all = await details('deploy', 'event_type=EVENT.CUSTOM');
    expect([all.event_sources, all.event_users]).toEqual([['ci.Pipeline', 'ops.Manual'], ['', 'alice', 'ci bot']]);
    expect(all.event_info[0]?.detail).toEqual({ content: '', group_id: '', resource_id: '', resource_name: '', event_state: '', event_level: '', event_user: '', event_type: 'EVENT.CUSTOM' });
    const count = async (q: string) => (await details('deploy', `event_type=EVENT.CUSTOM&${q}`)).meta_data.total;
    expect(await count('event_source=ci.Pipeline')).toBe(2);
    expect(await count('event_level=Critical')).toBe(1);
    expect(await count('event_state=normal')).toBe(1);
    expect(await count('event_user=ci%20bot')).toBe(1);
    expect(await count('event_source=&event_user=')).toBe(3);
  });

  it('filters system events by their source, level and state, and answers an unknown name with nothing', async () => {
    t = buildCloudEyeTestApp();
    etlAt('AllocationSetSaved', NOW);
    const count = async (name: string, q: string) => (await details(name, `event_type=EVENT.SYS&${q}`)).meta_data.total;
    expect(await count('AllocationSetSaved', 'event_source=SYS.ETL&event_level=Info&event_state=normal')).toBe(1);
    expect(await count('AllocationSetSaved', 'event_source=SYS.K8S')).toBe(0);
    expect(await count('AllocationSetSaved', 'event_level=Major')).toBe(0);
    expect(await count('AllocationSetSaved', 'event_user=someone')).toBe(0);
    expect(await details('rebootServer', 'event_type=EVENT.SYS')).toEqual({ event_name: 'rebootServer', event_type: 'EVENT.SYS', event_users: [], event_sources: [], event_info: [], meta_data: { total: 0 } });
  });
});

describe('reporting', () => {
  it('answers a report identical on the de-duplication key with the first event\'s id, and stores it once', async () => {
    t = buildCloudEyeTestApp();
    const first = await t.post('/cluster-one/events', [reportItem('deploy', NOW - 1, { resource_id: 'r1' })]);
    const again = await t.post('/cluster-one/events', [
      reportItem('deploy', NOW - 1, { resource_id: 'r1', content: 'content is not part of the key' }),
      reportItem('deploy', NOW - 1, { resource_id: 'r2' }),
      reportItem('deploy', NOW - 1, { resource_id: 'r2' }),
    ]);
    expect(first.json()).toEqual([{ event_id: `ev${NOW}id0000001`, event_name: 'deploy' }]);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual([
      { event_id: `ev${NOW}id0000001`, event_name: 'deploy' },
      { event_id: `ev${NOW}id0000003`, event_name: 'deploy' },
      { event_id: `ev${NOW}id0000003`, event_name: 'deploy' },
    ]);
    expect((await details('deploy', 'event_type=EVENT.CUSTOM')).meta_data.total).toBe(2);
    // Each key field makes a different event.
    for (const detail of [{ event_state: 'warning' }, { event_level: 'Minor' }, { event_user: 'bob' }, { resource_name: 'n1' }]) {
      await t.post('/cluster-one/events', [reportItem('deploy', NOW - 1, { resource_id: 'r1', ...detail })]);
    }
    await t.post('/cluster-one/events', [{ ...reportItem('deploy', NOW - 1, { resource_id: 'r1' }), event_source: 'other.Source' }]);
    await t.post('/cluster-one/events', [reportItem('deploy', NOW - 2, { resource_id: 'r1' })]);
    expect((await details('deploy', 'event_type=EVENT.CUSTOM')).meta_data.total).toBe(8);
  });

  it('publishes what it stored on the bus, once, after storing it', async () => {
    t = buildCloudEyeTestApp();
    await t.post('/cluster-one/events', [reportItem('a'), reportItem('b')]);
    await t.post('/cluster-one/events', [reportItem('a')]);
    expect(t.published.map((p) => [p.project, p.events.map((e) => e.name)])).toEqual([['cluster-one', ['a', 'b']]]);
    expect(JSON.parse(t.published[0]!.events[0]!.body)).toMatchObject({ event_id: `ev${NOW}id0000001`, event_name: 'a', time: NOW });
  });

  it('answers 503 ces.0008 and stores nothing while storage is unavailable, then stores the retried report', async () => {
    const db = switchableStore(new MemoryStore({ etlLogCapacity: 10, auditCapacity: 10 }));
    t = buildCloudEyeTestApp({ store: db.store });
    db.setDown(true);
    const down = await t.post('/cluster-one/events', [reportItem('a'), reportItem('b')]);
    expect(down.statusCode).toBe(503);
    expect(down.json<ReturnType<typeof cesError>>().message).toMatchObject({ code: 'ces.0008' });
    expect((await t.get('/cluster-one/events')).statusCode).toBe(503);
    db.setDown(false);
    t.clock.advance(250);
    await t.writer.idle();
    expect(t.published).toEqual([]);
    expect((await t.post('/cluster-one/events', [reportItem('a'), reportItem('b')])).statusCode).toBe(201);
    expect(names(await summary())).toEqual(['a', 'b']);
  });

  it('keeps the most recent CUSTOM_EVENT_CAPACITY events of a project', async () => {
    t = buildCloudEyeTestApp({ capacity: 3 });
    await t.post('/cluster-one/events', [1, 2, 3, 4, 5].map((i) => reportItem(`e${i}`, NOW - 10 + i)));
    expect(names(await summary())).toEqual(['e5', 'e4', 'e3']);
  });

  it('quotes a long value it refuses only in part', async () => {
    t = buildCloudEyeTestApp();
    const res = await t.post('/cluster-one/events', [reportItem('a', NOW, { content: 'x'.repeat(5000) })]);
    expect(res.json<ReturnType<typeof cesError>>().message.details).toBe(`invalid body: '[0].detail.content' got "${'x'.repeat(79)}… (5002 characters); accepts at most 4096 characters`);
  });
});
