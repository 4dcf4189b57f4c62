import { expect } from 'vitest';
import type { AuditEvent } from '../../src/audit/audit-event.js';
import type { ServerHandle } from '../../src/server.js';
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
