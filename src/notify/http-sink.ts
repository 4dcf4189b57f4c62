import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../clock.js';
import { sendRequest, type TextAnswer } from '../kube/get-object.js';
import type { Delivery, Outcome, Sink } from './delivery.js';
import type { SinkConfig } from './notify-config.js';
import { cloudEventBody, slackBody, teamsBody, webhookBody } from './render-bodies.js';

/** Answers are read up to this many bytes (receivers answer "ok" or a short error). */
const MAX_ANSWER = 64 * 1024;

/**
 * A sink reached by HTTP POST: webhook, Slack, Teams or CloudEvents. Connections are kept alive
 * per sink (one agent, at most `concurrency` sockets). Every request carries `Idempotency-Key`;
 * a webhook with a secret also carries `sha256=<hex HMAC-SHA256 of the body>`. Errors never quote
 * the URL, which holds the webhook's token.
 */
export function httpSink(cfg: SinkConfig, clock: Clock): Sink {
  const url = new URL(cfg.url ?? '');
  const agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: cfg.concurrency }) : new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
  return {
    async deliver(d: Delivery): Promise<Outcome> {
      const { body, contentType } = render(cfg, d);
      const headers: Record<string, string> = {
        ...cfg.headers,
        'content-type': contentType,
        'content-length': String(Buffer.byteLength(body)),
        'idempotency-key': d.id,
        'user-agent': 'cost-events-notifier',
      };
      if (cfg.hmacSecret !== undefined) headers[cfg.signatureHeader.toLowerCase()] = `sha256=${createHmac('sha256', cfg.hmacSecret).update(body).digest('hex')}`;
      let answer: TextAnswer;
      try {
        answer = await sendRequest(url, { agent, headers }, { clock, timeoutMs: cfg.timeoutMs, maxBytes: MAX_ANSWER }, { method: 'POST', body });
      } catch (err) {
        return { ok: false, retry: true, error: scrub((err as Error).message, cfg) };
      }
      return outcomeOf(answer, clock.nowMs());
    },
    close: () => agent.destroy(),
  };
}

function render(cfg: SinkConfig, d: Delivery): { body: string; contentType: string } {
  switch (cfg.type) {
    case 'slack':
      return { body: JSON.stringify(slackBody(d)), contentType: 'application/json' };
    case 'teams':
      return { body: JSON.stringify(teamsBody(d)), contentType: 'application/json' };
    case 'cloudevents':
      return { body: JSON.stringify(cloudEventBody(d)), contentType: 'application/cloudevents+json; charset=utf-8' };
    default:
      return { body: JSON.stringify(webhookBody(d)), contentType: 'application/json' };
  }
}

/** 2xx delivered; 408, 429 and 5xx retried (429 and 503 after `Retry-After` when given); any other status refused for good. */
export function outcomeOf(answer: TextAnswer, nowMs: number): Outcome {
  const { status } = answer;
  if (status >= 200 && status < 300) return { ok: true };
  const text = answer.body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const error = `HTTP ${status}${text === '' ? '' : `: ${text}`}`;
  const retry = status === 408 || status === 429 || status >= 500;
  const after = retryAfterMs(answer.headers['retry-after'], nowMs);
  return { ok: false, retry, error, ...(after !== undefined && { retryAfterMs: after }) };
}

/** `Retry-After` as seconds or an HTTP date, in ms from now; capped at an hour. */
export function retryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const ms = /^\d+$/.test(v.trim()) ? Number(v.trim()) * 1000 : Date.parse(v) - nowMs;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), 3_600_000);
}

/** Takes the sink's secrets out of a message (a socket error may quote the URL). */
export function scrub(message: string, cfg: SinkConfig): string {
  let out = message;
  for (const secret of [cfg.url, cfg.hmacSecret]) if (secret !== undefined && secret.length >= 4) out = out.replaceAll(secret, '***');
  return out;
}
