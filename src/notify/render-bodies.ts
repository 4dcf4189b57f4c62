import { groupSummary, type NotifyMessage } from './message.js';
import type { Delivery } from './delivery.js';

/** The webhook's JSON: the one-line summary, then the event(s) as the API serves them, or the ETL condition. */
export function webhookBody(d: Delivery): Record<string, unknown> {
  const [first] = d.messages;
  const summary = groupSummary(d.messages);
  if (first === undefined) return { summary };
  const base = { id: d.id, type: first.type, cluster: first.cluster, route: d.route, summary };
  if (first.kind === 'etl') return { ...base, etl: first.etl };
  if (d.messages.length === 1) return { ...base, time: first.time, event: first.audit ?? null };
  return {
    ...base,
    time: first.time,
    monthlyCostDelta: d.messages.reduce((s, m) => s + (m.delta ?? 0), 0),
    events: d.messages.map((m) => m.audit ?? null),
  };
}

const line = (m: NotifyMessage) => m.summary;

/** A Slack incoming-webhook body: Block Kit, with `text` as the notification's fallback. */
export function slackBody(d: Delivery): Record<string, unknown> {
  const summary = groupSummary(d.messages);
  const first = d.messages[0];
  const blocks: Record<string, unknown>[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(summary)}*` } }];
  if (d.messages.length > 1) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: d.messages.slice(0, 20).map((m) => `• ${escapeSlack(line(m))}`).join('\n') } });
  }
  if (first?.etl !== undefined) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escapeSlack(first.etl.detail) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `cluster \`${first?.cluster ?? ''}\` · route \`${d.route}\` · ${first?.time ?? ''}` }] });
  return { text: summary, blocks };
}

/** Slack's mrkdwn needs only &, < and > escaped. */
function escapeSlack(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A Microsoft Teams Workflows webhook body: a message with one Adaptive Card. */
export function teamsBody(d: Delivery): Record<string, unknown> {
  const first = d.messages[0];
  const facts = [
    { title: 'Cluster', value: first?.cluster ?? '' },
    { title: 'Route', value: d.route },
    { title: 'Time', value: first?.time ?? '' },
  ];
  const body: Record<string, unknown>[] = [{ type: 'TextBlock', text: groupSummary(d.messages), weight: 'Bolder', size: 'Medium', wrap: true }];
  if (d.messages.length > 1) body.push(...d.messages.slice(0, 20).map((m) => ({ type: 'TextBlock', text: `- ${line(m)}`, wrap: true, spacing: 'None' })));
  if (first?.etl !== undefined) body.push({ type: 'TextBlock', text: first.etl.detail, wrap: true });
  body.push({ type: 'FactSet', facts });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
      },
    ],
  };
}

/** A CloudEvents 1.0 event in structured mode: `id` the event's, `source` the cluster, `data` the webhook body. */
export function cloudEventBody(d: Delivery): Record<string, unknown> {
  const first = d.messages[0];
  return {
    specversion: '1.0',
    id: d.id,
    source: first?.cluster ?? '',
    type: first?.type ?? 'io.cost-events.test',
    ...(first?.subject !== undefined && { subject: `${first.subject.resourceType}/${first.subject.namespace}/${first.subject.name}` }),
    time: first?.time,
    datacontenttype: 'application/json',
    data: webhookBody(d),
  };
}
