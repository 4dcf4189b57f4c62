import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/server.js';
import { startClientTestServer } from '../support/client-server.js';
import { ManualClock } from '../support/manual-clock.js';
import { realToolAvailable } from '../support/real-tools.js';
import { send } from './http-client.js';

// Prometheus's own linter over what /metrics really serves (the Node.js defaults included).
const PROMTOOL = '/usr/bin/promtool';
const havePromtool = realToolAvailable('promtool', PROMTOOL, 'Install the Debian package prometheus (.ci/run does)');

function promtoolCheck(text: Buffer): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

describe.runIf(havePromtool)('/metrics under promtool check metrics', () => {
  let server: ServerHandle | undefined;
  beforeAll(async () => {
    const clock = new ManualClock('2024-05-03T08:00:00Z');
    server = await startClientTestServer({ COST_EVENTS_AUDIT_ENABLED: 'true' }, { clock });
    server.bus.publish('etl', { kind: 'AllocationSetSaved', metadata: { size: 3 }, time: clock.nowNs(), cluster: 'cluster-one' });
    await send(`${server.url}/model/etl/log`);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('passes, with no problem reported', async () => {
    const scrape = await send(`${server?.url ?? ''}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.body.toString()).toContain('# TYPE nodejs_active_handles gauge');
    expect(await promtoolCheck(scrape.body)).toEqual({ code: 0, output: '' });
  });

  it('fails on a gauge named like a counter, so the check can fail', async () => {
    const bad = Buffer.from('# HELP x_total A gauge.\n# TYPE x_total gauge\nx_total 1\n');
    const result = await promtoolCheck(bad);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('x_total non-counter metrics should not have "_total" suffix');
  });
});
