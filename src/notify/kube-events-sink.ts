import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import { sendKubeRequest } from '../kube/get-object.js';
import { KubeConnection, prepareKubeRequest } from '../kube/kube-request.js';
import { KUBE_KINDS } from '../kube/kinds.js';
import { formatRfc3339Micro } from './micro-time.js';
import type { Delivery, Outcome, Sink } from './delivery.js';
import { outcomeOf } from './http-sink.js';
import { formatDelta, type MessageSubject, type NotifyMessage } from './message.js';
import type { SinkConfig } from './notify-config.js';

/** Who reports the Events (`kubectl get events -o wide` shows it as the source). */
export const REPORTING_CONTROLLER = 'cost-events.io/notifier';

/** `apps/v1` of `/apis/apps/v1/deployments`, `v1` of `/api/v1/pods`. */
function apiVersionOf(path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  return parts[0] === 'api' ? (parts[1] ?? 'v1') : `${parts[1] ?? ''}/${parts[2] ?? ''}`;
}

/**
 * The body of one events.k8s.io/v1 Event on the changed workload: reason `CostIncrease` or
 * `CostDecrease`, note `+$43.89/month (helm: release shop)`, with the reporting controller and
 * instance the v1 API requires beside `eventTime`.
 */
export function kubeEventBody(subject: MessageSubject, messages: readonly NotifyMessage[], instance: string, nowMs: number, suffix: string): Record<string, unknown> {
  const delta = messages.reduce((s, m) => s + (m.delta ?? 0), 0);
  const first = messages[0];
  const kind = (KUBE_KINDS as Partial<Record<string, { kind: string; path: string }>>)[subject.resourceType] ?? { kind: subject.resourceType, path: '/api/v1/x' };
  const origin = first?.origin;
  const note = `${formatDelta(delta)}${origin !== undefined ? ` (${origin})` : ''}${messages.length > 1 ? ` over ${messages.length} changes` : ''}`;
  const action = first?.audit?.eventType === 'delete' ? 'Delete' : first?.audit?.eventType === 'add' ? 'Create' : 'Update';
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: `${subject.name}.${suffix}`, namespace: subject.namespace },
    eventTime: formatRfc3339Micro(nowMs),
    reportingController: REPORTING_CONTROLLER,
    reportingInstance: instance,
    action,
    reason: delta < 0 ? 'CostDecrease' : 'CostIncrease',
    regarding: {
      apiVersion: apiVersionOf(kind.path),
      kind: kind.kind,
      namespace: subject.namespace,
      name: subject.name,
      ...(subject.uid !== undefined && { uid: subject.uid }),
    },
    note: note.slice(0, 1024),
    type: 'Normal',
  };
}

/**
 * Kubernetes Events through the events.k8s.io/v1 API of the cluster the server watches: one
 * Event per workload of a delivery (a grouped burst sums each workload's changes). Needs RBAC
 * `create` on `events` (the chart grants it when this sink is on).
 */
export function kubeEventsSink(cfg: SinkConfig, kubeConfig: KubeConfig | undefined, clock: Clock, instance: string): Sink {
  // Every delivery's Events go over keep-alive connections, one per delivery the sink runs at
  // once: a burst of Events is not a TLS handshake each.
  const connection = new KubeConnection({ maxSockets: cfg.concurrency });
  return {
    async deliver(d: Delivery): Promise<Outcome> {
      if (kubeConfig === undefined) return { ok: false, retry: false, error: 'no Kubernetes cluster: the kubernetes-events sink needs one' };
      const cluster = kubeConfig.getCurrentCluster();
      if (cluster === null) return { ok: false, retry: false, error: 'the kubeconfig has no current cluster' };
      const bySubject = new Map<string, { subject: MessageSubject; messages: NotifyMessage[] }>();
      for (const m of d.messages) {
        if (m.subject === undefined) continue;
        const key = `${m.subject.namespace}/${m.subject.resourceType}/${m.subject.name}`;
        const entry = bySubject.get(key) ?? { subject: m.subject, messages: [] };
        entry.messages.push(m);
        bySubject.set(key, entry);
      }
      if (bySubject.size === 0) return { ok: false, retry: false, error: 'a Kubernetes Event needs a workload to be about; this notification has none' };
      for (const { subject, messages } of bySubject.values()) {
        // The name is derived from the delivery, so a redelivery after a lost answer is a 409, not a second Event.
        const suffix = d.id.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 16);
        const body = JSON.stringify(kubeEventBody(subject, messages, instance, clock.nowMs(), suffix || 'x'));
        const path = `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(subject.namespace)}/events`;
        let outcome: Outcome;
        try {
          const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
          const req = await prepareKubeRequest(kubeConfig, path, { method: 'POST', headers, connection });
          const answer = await sendKubeRequest(req, { clock, timeoutMs: cfg.timeoutMs, maxBytes: 64 * 1024 }, body);
          // Already created by an earlier attempt whose answer was lost.
          outcome = answer.status === 409 ? { ok: true } : outcomeOf(answer, clock.nowMs());
        } catch (err) {
          outcome = { ok: false, retry: true, error: (err as Error).message };
        }
        if (!outcome.ok) return outcome;
      }
      return { ok: true };
    },
    close: () => connection.close(),
  };
}
