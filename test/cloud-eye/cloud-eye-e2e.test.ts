import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventDetailsResponse, EventSummaryResponse } from '../../src/cloud-eye/response-schemas.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { startChild } from '../support/child.js';
import { NOW, reportItem, tokenFileText } from '../support/cloud-eye.js';
import { auditEvent } from '../support/events.js';
import { ManualClock } from '../support/manual-clock.js';
import { auditChangeOf } from '../../src/audit/audit-change.js';

// End to end through the composition root and a real socket: ETL and audit events published on
// the bus, custom events reported over HTTP, all summarised side by side, kept across a restart
// on SQLite; the token file and the start-up log.

const config = (env: Record<string, string>): Config => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', ...env });
  if (r.help) throw new Error('unexpected help');
  return r.config;
};

let dir: string;
let server: ServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const call = async (method: 'GET' | 'POST', path: string, body?: unknown, token?: string) => {
  const res = await fetch(`${server?.url ?? ''}/V1.0${path}`, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token !== undefined && { 'x-auth-token': token }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
};

describe('the Cloud Eye API, end to end', () => {
  it('summarises reported custom events beside the ETL and audit events published on the bus, and keeps them across a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ces-e2e-'));
    const settings = config({ STORAGE_URL: `sqlite:${join(dir, 'events.db')}`, CLUSTER_ID: 'cluster-one' });
    const clock = new ManualClock(NOW);
    server = await startServer(settings, { clock, env: {} });
    clock.advance(-30_000);
    server.bus.publish('etl', { kind: 'AllocationSetSaved', metadata: { size: 12 }, time: clock.nowNs(), cluster: 'cluster-one' });
    server.bus.publish('etl', { kind: 'AllocationSetSaved', metadata: { size: 13 }, time: clock.nowNs() + 1n, cluster: 'cluster-one' });
    const change = auditEvent('checkout', { ns: 'shop', timestamp: '2024-05-03T08:00:44.000000000Z' });
    server.bus.publish('audit', auditChangeOf(change, 'add/uid-checkout', { cluster: 'cluster-one', resourceType: 'deployment', op: 'remove', uid: 'uid-checkout' }));
    clock.advance(30_000);
    await server.storage.writer.idle();

    const reported = await call('POST', '/cluster-one/events', [reportItem('deployFinished', NOW - 5_000), reportItem('deployFinished', NOW - 1_000)]);
    expect(reported.status).toBe(201);
    const summary = await call('GET', '/cluster-one/events');
    expect(summary).toEqual({
      status: 200,
      json: {
        events: [
          { event_name: 'deployFinished', event_type: 'EVENT.CUSTOM', event_count: 2, latest_occur_time: NOW - 1_000, latest_event_source: 'financial.System' },
          { event_name: 'createDeployment', event_type: 'EVENT.SYS', event_count: 1, latest_occur_time: NOW - 20_000, latest_event_source: 'SYS.K8S' },
          { event_name: 'AllocationSetSaved', event_type: 'EVENT.SYS', event_count: 2, latest_occur_time: NOW - 30_000, latest_event_source: 'SYS.ETL' },
        ],
        meta_data: { total: 3 },
      },
    });
    const detail = (await call('GET', '/cluster-one/event/createDeployment?event_type=EVENT.SYS')).json as EventDetailsResponse;
    expect(detail.event_info.map((e) => [e.detail.resource_name, e.detail.resource_id])).toEqual([['shop/checkout', 'uid-checkout']]);

    await server.close();
    server = await startServer(settings, { clock, env: {} });
    const again = (await call('GET', '/cluster-one/events?event_type=EVENT.CUSTOM')).json as EventSummaryResponse;
    expect(again.events.map((e) => [e.event_name, e.event_count])).toEqual([['deployFinished', 2]]);
    // The same report after the restart is still recognised.
    expect((await call('POST', '/cluster-one/events', [reportItem('deployFinished', NOW - 1_000)])).json).toEqual([(reported.json as unknown[])[1]]);
  });

  it('says in the start-up log that the routes are open without CES_TOKENS_FILE', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ces-e2e-'));
    const child = startChild({});
    await child.listening;
    child.proc.kill('SIGTERM');
    await child.exited;
    expect(child.stdout()).toContain('"msg":"Cloud Eye routes are open: CES_TOKENS_FILE is not set, so anyone who reaches the server can read and report events"');
  });

  it('requires a token granted by CES_TOKENS_FILE, and says so in the start-up log', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ces-e2e-'));
    const file = join(dir, 'tokens.json');
    writeFileSync(file, tokenFileText([{ token: 's3cret', projects: ['cluster-one'], actions: ['ces:events:list'] }]));
    const child = startChild({ CES_TOKENS_FILE: file, CLUSTER_ID: 'cluster-one' });
    const url = await child.listening;
    const get = (token?: string) => fetch(`${url}/V1.0/cluster-one/events`, { headers: token === undefined ? {} : { 'x-auth-token': token } });
    expect((await get()).status).toBe(401);
    expect((await get('s3cret')).status).toBe(200);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toMatch(/"tokens":1,"msg":"Cloud Eye routes require a token granted by CES_TOKENS_FILE"/);
    expect(child.stdout()).not.toContain('s3cret');
  });

  it('stops watching the token file at shutdown', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ces-e2e-'));
    const file = join(dir, 'tokens.json');
    writeFileSync(file, tokenFileText([]));
    const clock = new ManualClock(NOW);
    server = await startServer(config({ STORAGE_URL: 'memory:' }), { clock, env: {} });
    const without = clock.pendingTimers;
    await server.close();
    server = await startServer(config({ STORAGE_URL: 'memory:', CES_TOKENS_FILE: file }), { clock, env: {} });
    // One more timer than without the file: its poll, gone at shutdown.
    expect(clock.pendingTimers).toBe(without + 1);
    await server.close();
    server = undefined;
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops with exit code 2 naming a token file that does not parse', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ces-e2e-'));
    const file = join(dir, 'tokens.json');
    writeFileSync(file, '{"tokens": [{"sha256": "abc"}]}');
    const child = startChild({ CES_TOKENS_FILE: file });
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toMatch(new RegExp(`^cost-events: invalid setting CES_TOKENS_FILE="${file}": accepts a JSON token file \\(/tokens/0/.*\\)\n$`));
  });
});
