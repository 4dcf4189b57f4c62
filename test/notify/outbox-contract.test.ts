import { describe, expect, it } from 'vitest';
import { auditMessage } from '../../src/notify/notify-router.js';
import type { AuditNotice, NewOutboxRow } from '../../src/notify/outbox.js';
import { noticeId } from '../../src/notify/outbox-rows.js';
import type { StoreLimits, StoreRecord } from '../../src/storage/store.js';
import { auditEvent } from '../support/events.js';
import { postgresAvailable } from '../support/postgres.js';
import { storeBackends, useStores } from '../support/store-backends.js';
import { keyedAuditEvent } from '../../src/audit/audit-change.js';

// The notifications outbox in the storage seam: rows written with the store's write (so with the
// events that trigger them), leased, completed, released and buried the same way on memory,
// SQLite and PostgreSQL.

const backends = storeBackends(await postgresAvailable());
const LIMITS: StoreLimits = { etlLogCapacity: 3, auditCapacity: 3 };
const T = 1_714_723_200_000;

function row(id: string, o: Partial<NewOutboxRow> = {}): NewOutboxRow {
  return { id, cluster: 'c1', route: 'r', sink: 's', groupKey: '', createdMs: T, notBeforeMs: T, message: `{"id":"${id}"}`, ...o };
}
const notification = (r: NewOutboxRow) => ({ type: 'notification' as const, row: r });
const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id);
/** The seqs of the rows of these ids (the handles of complete, release and bury). */
const seqs = (rows: readonly { id: string; seq: number }[], ...of: string[]) => rows.filter((r) => of.includes(r.id)).map((r) => r.seq);

describe.each(backends)('outbox on $name', (backend) => {
  const f = useStores(backend, ['outbox'], LIMITS);

  it('leases due rows oldest first, each to one owner, counting the attempt', async () => {
    await f.store.write([notification(row('a')), notification(row('b')), notification(row('later', { notBeforeMs: T + 10 }))]);
    const first = await f.store.outbox.lease('one', T, 1000, 10);
    expect(first.map((r) => [r.id, r.attempts, r.message])).toEqual([
      ['a', 1, { id: 'a' }],
      ['b', 1, { id: 'b' }],
    ]);
    expect(await f.store.outbox.lease('two', T, 1000, 10)).toEqual([]);
    expect(ids(await f.store.outbox.lease('two', T + 10, 1000, 10))).toEqual(['later']);
  });

  it('writes a row once, however often its id is written', async () => {
    await f.store.write([notification(row('a')), notification(row('a', { message: '{}' }))]);
    await f.store.write([notification(row('a'))]);
    expect(await f.store.outbox.stats()).toEqual({ pending: 1, oldestCreatedMs: T, dead: 0 });
  });

  it('gives an expired lease to another owner', async () => {
    await f.store.write([notification(row('a'))]);
    await f.store.outbox.lease('one', T, 1000, 10);
    expect(await f.store.outbox.lease('two', T + 999, 1000, 10)).toEqual([]);
    const taken = await f.store.outbox.lease('two', T + 1000, 1000, 10);
    expect(taken.map((r) => [r.id, r.attempts])).toEqual([['a', 2]]);
    // The first owner's lease is gone: it can no longer release or bury the row.
    await f.store.outbox.release('one', seqs(taken, 'a'), T, 'late', false);
    expect(await f.store.outbox.lease('three', T + 1500, 1000, 10)).toEqual([]);
  });

  it('deletes completed rows', async () => {
    await f.store.write([notification(row('a')), notification(row('b'))]);
    const leased = await f.store.outbox.lease('one', T, 1000, 10);
    await f.store.outbox.complete(seqs(leased, 'a'));
    expect(await f.store.outbox.stats()).toEqual({ pending: 1, oldestCreatedMs: T, dead: 0 });
  });

  it('releases a row for a later try with its error, refunding the attempt when asked', async () => {
    await f.store.write([notification(row('a')), notification(row('b'))]);
    const leased = await f.store.outbox.lease('one', T, 1000, 10);
    await f.store.outbox.release('one', seqs(leased, 'a'), T + 500, 'HTTP 503', false);
    await f.store.outbox.release('one', seqs(leased, 'b'), T + 500, null, true);
    expect(await f.store.outbox.lease('one', T + 499, 1000, 10)).toEqual([]);
    const again = await f.store.outbox.lease('one', T + 500, 1000, 10);
    expect(again.map((r) => [r.id, r.attempts, r.lastError])).toEqual([
      ['a', 2, 'HTTP 503'],
      ['b', 1, null],
    ]);
  });

  it('leases the rows grouped with a due row although they are not due yet', async () => {
    await f.store.write([
      notification(row('a', { groupKey: 'helm:shop', notBeforeMs: T + 100 })),
      notification(row('b', { groupKey: 'helm:shop', notBeforeMs: T + 160 })),
      notification(row('other', { groupKey: 'helm:web', notBeforeMs: T + 160 })),
      notification(row('c', { groupKey: 'helm:shop', sink: 'another', notBeforeMs: T + 160 })),
    ]);
    expect(await f.store.outbox.lease('one', T + 99, 1000, 10)).toEqual([]);
    expect(ids(await f.store.outbox.lease('one', T + 100, 1000, 10))).toEqual(['a', 'b']);
  });

  it('keeps dead letters, newest first, at most the number asked', async () => {
    await f.store.write(['a', 'b', 'c'].map((id) => notification(row(id))));
    const leased = await f.store.outbox.lease('one', T, 1000, 10);
    await f.store.outbox.bury('one', seqs(leased, 'a'), T + 1, 'HTTP 400', 2);
    await f.store.outbox.bury('one', seqs(leased, 'b'), T + 2, 'HTTP 404', 2);
    await f.store.outbox.bury('one', seqs(leased, 'c'), T + 3, 'HTTP 410', 2);
    expect((await f.store.outbox.deadLetters(10)).map((d) => [d.id, d.deadMs, d.lastError, d.attempts])).toEqual([
      ['c', T + 3, 'HTTP 410', 1],
      ['b', T + 2, 'HTTP 404', 1],
    ]);
    expect(await f.store.outbox.stats()).toEqual({ pending: 0, oldestCreatedMs: null, dead: 2 });
    expect(await f.store.outbox.lease('one', T + 10_000, 1000, 10)).toEqual([]);
  });
});

// An audit notification refers to its stored event: it is written with the event (once, however
// often the event is), and its message is made from the event when leased, even after pruning
// removed the event from the audit log.
const notice = (route: string, o: Partial<AuditNotice> = {}): AuditNotice => ({ route, sink: 's', groupKey: '', createdMs: T, notBeforeMs: T, ...o });
const audited = (name: string, notify?: AuditNotice[]): StoreRecord => {
  const event = auditEvent(name, { cluster: 'c1' });
  const audit = keyedAuditEvent(event, `add/${name}`);
  return notify === undefined ? { type: 'audit', audit } : { type: 'audit', audit, notify };
};

describe.each(backends)('audit notifications on $name', (backend) => {
  const f = useStores(backend, ['outbox', 'pruning', 'audit-log'], LIMITS);

  it('are written with their event, once, and leased with the message made from it', async () => {
    await f.store.write([audited('web', [notice('r'), notice('r2')])]);
    // The same event again (a retried batch, another replica): its key is held, so no second row.
    await f.store.write([audited('web', [notice('r'), notice('r2')]), audited('web', [notice('r')])]);
    const leased = await f.store.outbox.lease('one', T, 1000, 10);
    const event = auditEvent('web', { cluster: 'c1' });
    expect(leased.map((r) => [r.id, r.route, r.message])).toEqual([
      [noticeId('c1', 'add/web', 'r', 's'), 'r', auditMessage(event, 'add/web')],
      [noticeId('c1', 'add/web', 'r2', 's'), 'r2', auditMessage(event, 'add/web')],
    ]);
  });

  it('count as pending from their commit, and are leased with their own times and group', async () => {
    const later = notice('r2', { groupKey: 'helm:shop', createdMs: T + 5, notBeforeMs: T + 100 });
    await f.store.write([audited('web', [notice('r', { createdMs: T + 1, notBeforeMs: T + 1 }), later])]);
    expect(await f.store.outbox.stats()).toEqual({ pending: 2, oldestCreatedMs: T + 1, dead: 0 });
    expect((await f.store.outbox.lease('one', T + 1, 1000, 10)).map((r) => [r.route, r.createdMs, r.notBeforeMs, r.groupKey])).toEqual([['r', T + 1, T + 1, '']]);
    expect((await f.store.outbox.lease('one', T + 100, 1000, 10)).map((r) => [r.route, r.createdMs, r.notBeforeMs, r.groupKey])).toEqual([['r2', T + 5, T + 100, 'helm:shop']]);
    expect(await f.store.outbox.stats()).toEqual({ pending: 2, oldestCreatedMs: T + 1, dead: 0 });
  });

  it('keep the times and group of each event when consecutive events differ only in those', async () => {
    await f.store.write([
      audited('a', [notice('r', { createdMs: T, notBeforeMs: T })]),
      audited('b', [notice('r', { createdMs: T + 1, notBeforeMs: T + 1 })]),
      audited('c', [notice('r', { createdMs: T + 2, notBeforeMs: T + 50, groupKey: 'g' })]),
      audited('d', [notice('r', { createdMs: T + 3, notBeforeMs: T + 3 })]),
      audited('e', [notice('r', { createdMs: T + 4, notBeforeMs: T + 4, groupKey: 'h' })]),
    ]);
    const leased = await f.store.outbox.lease('one', T + 50, 1000, 10);
    expect(leased.map((r) => [r.id, r.createdMs, r.notBeforeMs, r.groupKey])).toEqual([
      [noticeId('c1', 'add/a', 'r', 's'), T, T, ''],
      [noticeId('c1', 'add/b', 'r', 's'), T + 1, T + 1, ''],
      [noticeId('c1', 'add/c', 'r', 's'), T + 2, T + 50, 'g'],
      [noticeId('c1', 'add/d', 'r', 's'), T + 3, T + 3, ''],
      [noticeId('c1', 'add/e', 'r', 's'), T + 4, T + 4, 'h'],
    ]);
  });

  it('belong to their own event in a batch where some events have none', async () => {
    await f.store.write([audited('a', [notice('r')]), audited('b'), audited('c', [notice('r'), notice('r2')]), audited('d')]);
    const leased = await f.store.outbox.lease('one', T, 1000, 10);
    expect(leased.map((r) => [r.id, r.message])).toEqual([
      [noticeId('c1', 'add/a', 'r', 's'), auditMessage(auditEvent('a', { cluster: 'c1' }), 'add/a')],
      [noticeId('c1', 'add/c', 'r', 's'), auditMessage(auditEvent('c', { cluster: 'c1' }), 'add/c')],
      [noticeId('c1', 'add/c', 'r2', 's'), auditMessage(auditEvent('c', { cluster: 'c1' }), 'add/c')],
    ]);
  });

  it('keep names and group keys beyond ASCII, with quotes, backslashes and control characters, as written', async () => {
    const odd = notice('r "é" \\ ✓', { sink: 's\t🚀', groupKey: 'helm:"shop" \\ \u0001 日本' });
    await f.store.write([audited('web', [odd])]);
    const [row] = await f.store.outbox.lease('one', T, 1000, 10);
    expect([row?.route, row?.sink, row?.groupKey]).toEqual([odd.route, odd.sink, odd.groupKey]);
  });

  it('are written even when a name holds a lone surrogate (kept as is in memory, one U+FFFD where the backend keeps UTF-8)', async () => {
    const lone = notice('r\ud800', { groupKey: 'g\udc00x' });
    await f.store.write([audited('web', [lone])]);
    const [row] = await f.store.outbox.lease('one', T, 1000, 10);
    expect([lone.route, 'r\ufffd']).toContain(row?.route);
    expect([lone.groupKey, 'g\ufffdx']).toContain(row?.groupKey);
  });

  it('survive pruning of their event before the outbox was ever read', async () => {
    await f.store.write([audited('early', [notice('r')])]);
    await f.store.write(['a', 'b', 'c'].map((n) => audited(n)));
    await f.store.prune('c1', T);
    const leased = await f.store.outbox.lease('one', T, 1000, 10);
    expect(leased.map((r) => [r.id, r.message])).toEqual([[noticeId('c1', 'add/early', 'r', 's'), auditMessage(auditEvent('early', { cluster: 'c1' }), 'add/early')]]);
  });

  it('keep what they refer to when pruning removes the event before delivery, pending or dead', async () => {
    await f.store.write([audited('pending', [notice('r')]), audited('dead', [notice('r', { sink: 'gone' })])]);
    const [, dead] = await f.store.outbox.lease('one', T, 1000, 10);
    await f.store.outbox.bury('one', [dead!.seq], T, 'HTTP 410', 10);
    // Four newer events push both out of the audit log (capacity 3), and pruning deletes them.
    await f.store.write(['a', 'b', 'c', 'd'].map((n) => audited(n)));
    await f.store.prune('c1', T);
    expect((await f.store.queryAudit({ clusters: new Set(['c1']) })).map((b) => (JSON.parse(b) as { properties: { name: string } }).properties.name)).toEqual(['d', 'c', 'b']);
    const again = await f.store.outbox.lease('two', T + 1000, 1000, 10);
    expect(again.map((r) => [r.id, r.message])).toEqual([[noticeId('c1', 'add/pending', 'r', 's'), auditMessage(auditEvent('pending', { cluster: 'c1' }), 'add/pending')]]);
    expect((await f.store.outbox.deadLetters(10)).map((d) => d.message?.summary)).toEqual([auditMessage(auditEvent('dead', { cluster: 'c1' }), 'add/dead').summary]);
  });
});
