import { expect } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { waitFor } from './wait-for.js';

/** The audit events a running server serves for `query`. */
export async function auditEvents(server: ServerHandle, query = ''): Promise<AuditEvent[]> {
  const res = await server.app.inject(`/model/audit/events${query}`);
  expect(res.statusCode).toBe(200);
  return res.json<{ data: AuditEvent[] }>().data;
}

/** Waits until the server serves at least `n` audit events and has published every change it saw; returns them. */
export async function settleAudit(server: ServerHandle, n: number): Promise<AuditEvent[]> {
  let got: AuditEvent[] = [];
  await waitFor(() => {
    void auditEvents(server).then((e) => (got = e));
    return got.length >= n;
  }, `${n} audit events`);
  await server.watchers!.idle();
  return auditEvents(server);
}

/** The settings of an audit end-to-end test: memory storage, any port, the audit on against `kubeconfig`, then `env`. */
export function auditConfig(kubeconfig: string, env: Record<string, string> = {}): Config {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', KUBECONFIG: kubeconfig, COST_EVENTS_AUDIT_ENABLED: 'true', ...env });
  if (r.help) throw new Error('unexpected help');
  return r.config;
}

/** Starts the real server on `clock` and waits until its audit watchers have synced. */
export async function startAuditServer(config: Config, clock: Clock): Promise<ServerHandle> {
  const server = await startServer(config, { clock, env: {}, serviceAccountDir: '/nonexistent' });
  await waitFor(() => server.watchers?.readiness().ready === true, 'the watchers to sync');
  return server;
}
