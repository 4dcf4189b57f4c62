import http from 'node:http';
import https from 'node:https';
import { withDeadline, type AuditRunEvent, type AuditRunInput, type AuditRunOutput } from './lib/audit-run.js';
import { answerParent } from './lib/child.js';
import { RssPeak, settledMemory } from './lib/memory.js';
import { cpuMs, spentOn } from './lib/thread-cpu.js';

// The baseline of audit.bench.ts: the least a client can do to sync and follow the same
// Deployments. The same list pages (same `limit`, same continue tokens) over node:http with one
// keep-alive connection, each page JSON.parse'd and dropped; then a watch from the list's
// resourceVersion, each line JSON.parse'd and counted. What the network, the fake and JSON
// parsing cost alone, in a fresh process like the server's. With `keep`, it also keeps every
// object it lists and watches, as parsed, in a Map by uid (set on ADDED and MODIFIED, deleted on
// DELETED), as client-go's informer store does: what holding 100,000 objects in the heap costs a
// client that does nothing else with them.

const SAMPLE_MS = 25;
const headers = { accept: 'application/json', authorization: 'Bearer fake-token' };
/** Over TLS (`BENCH_AUDIT_TLS`) the fake's CA is trusted through NODE_EXTRA_CA_CERTS, which the parent sets. */
let tls = false;
let agent: http.Agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (url: string, options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest =>
  (tls ? https.get : http.get)(url, options, onResponse);

function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 200)}`));
      });
    });
    req.on('error', reject);
  });
}

/** What a kept object is known by. */
interface Listed {
  metadata?: { uid?: string };
}

interface ListAnswer {
  items: Listed[] | null;
  metadata: { resourceVersion: string; continue?: string };
}

/** The objects listed and watched, by uid, when the input asks to keep them. */
const kept = new Map<string, unknown>();
const keepAll = (objects: readonly Listed[] | null): void => {
  for (const o of objects ?? []) kept.set(o.metadata?.uid ?? '', o);
};

/** Every page of the collection; returns the item count and the snapshot's resourceVersion (the first page's). */
async function listAll(input: AuditRunInput): Promise<{ items: number; resourceVersion: string }> {
  const page = async (cont: string | undefined): Promise<ListAnswer> => {
    const query = new URLSearchParams({ limit: String(input.pageSize) });
    if (cont !== undefined) query.set('continue', cont);
    return JSON.parse(await getText(`${input.serverUrl}${input.path}?${query.toString()}`)) as ListAnswer;
  };
  let answer = await page(undefined);
  const resourceVersion = answer.metadata.resourceVersion;
  let items = answer.items?.length ?? 0;
  if (input.keep === true) keepAll(answer.items);
  while (answer.metadata.continue !== undefined && answer.metadata.continue !== '') {
    answer = await page(answer.metadata.continue);
    items += answer.items?.length ?? 0;
    if (input.keep === true) keepAll(answer.items);
  }
  return { items, resourceVersion };
}

/** Opens a watch from `rv`; calls `onChange` for every ADDED, MODIFIED and DELETED line, parsed. */
function watch(input: AuditRunInput, rv: string, onChange: () => void): http.ClientRequest {
  const query = new URLSearchParams({ watch: 'true', resourceVersion: rv, allowWatchBookmarks: 'true' });
  const req = get(`${input.serverUrl}${input.path}?${query.toString()}`, { headers }, (res) => {
    res.setEncoding('utf8');
    let rest = '';
    res.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') continue;
        const { type, object } = JSON.parse(line) as { type: string; object?: Listed };
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') continue;
        if (input.keep === true) {
          const uid = object?.metadata?.uid ?? '';
          if (type === 'DELETED') kept.delete(uid);
          else kept.set(uid, object);
        }
        onChange();
      }
    });
  });
  // Destroyed by us at the end: that error is expected.
  req.on('error', () => undefined);
  return req;
}

answerParent(async (input: AuditRunInput, emit: (event: AuditRunEvent) => void): Promise<AuditRunOutput> => {
  if (input.serverUrl.startsWith('https:')) {
    tls = true;
    agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  }
  const before = settledMemory();
  const peak = new RssPeak();
  const sampler = setInterval(() => peak.sample(), SAMPLE_MS);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const listed = await listAll(input);
  const syncMs = performance.now() - started;
  const syncCpu = process.cpuUsage(cpuStart);
  const atSync = process.memoryUsage();
  peak.sample();
  const afterSync = settledMemory();
  let received = 0;
  const waiting = new Map<number, () => void>();
  const reach = (count: number): Promise<void> => new Promise((resolve) => waiting.set(count, resolve));
  const burst = reach(input.changes);
  const lone = reach(input.changes + 1);
  const again = reach(2 * input.changes + 1);
  const stream = watch(input, listed.resourceVersion, () => waiting.get(++received)?.());
  emit('synced');
  const first = await spentOn(withDeadline(burst, 120_000, "the burst's watch events"));
  // The bare client's change is queryable once parsed: both events at once, for each wait.
  const reached = (): void => {
    emit('priced');
    emit('queryable');
  };
  reached();
  await withDeadline(lone, 30_000, "the lone change's watch event");
  reached();
  const second = await spentOn(withDeadline(again, 120_000, "the second burst's watch events"));
  reached();
  stream.destroy();
  peak.sample();
  clearInterval(sampler);
  agent.destroy();
  return {
    syncMs,
    syncCpuMs: cpuMs(syncCpu),
    burstCpuMs: first.cpuMs,
    againCpuMs: second.cpuMs,
    burstOthersCpuMs: first.othersCpuMs,
    againOthersCpuMs: second.othersCpuMs,
    listed: listed.items,
    rssAtSyncMB: atSync.rss / 2 ** 20,
    heapUsedAtSyncMB: atSync.heapUsed / 2 ** 20,
    before,
    afterSync,
    peakRssMB: peak.peakMB,
    streamed: received,
  };
});
