import autocannon from 'autocannon';
import { answerParent } from './child.js';
import type { LoadInput, LoadOutput } from './load.js';

// The load generator's process (see load.ts for why it is a process of its own). Latencies are
// kept per response at full resolution: autocannon's histogram rounds to whole milliseconds,
// too coarse to tell 2.4 ms from 2.9 ms at p99.

function fire(input: LoadInput, seconds: number, onLatency?: (ms: number, status: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: input.url,
        headers: input.headers,
        connections: input.connections,
        duration: seconds,
        pipelining: 1,
        ...(input.ratePerSecond !== undefined && { overallRate: input.ratePerSecond }),
      },
      (err: unknown, result) => (err === null || err === undefined ? resolve(result) : reject(new Error(`autocannon on ${input.url} failed`, { cause: err }))),
    );
    if (onLatency !== undefined) instance.on('response', (_client, status, _bytes, ms) => onLatency(ms, status));
  });
}

answerParent(async (input: LoadInput, emit): Promise<LoadOutput> => {
  if (input.warmupSeconds > 0) await fire(input, input.warmupSeconds);
  const latencies: number[] = [];
  let notModified = 0;
  emit('measuring');
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await fire(input, input.seconds, (ms, status) => {
    latencies.push(ms);
    if (status === 304) notModified++;
  });
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  emit('done');
  return {
    requests: result.requests.total,
    seconds: result.duration,
    latenciesMs: latencies,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    notModified,
    cpuMs: (used.user + used.system) / 1000,
    wallMs,
  };
});
