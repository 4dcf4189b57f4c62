import { AllocationSetAccumulator } from '../src/etl/accumulate.js';
import { aggregateAllocations } from '../src/etl/aggregate-allocations.js';
import { decodeAllocationSet, encodeAllocationSet } from '../src/etl/allocation-set-codec.js';
import { buildSets } from '../src/etl/build-sets.js';
import { renderAllocationSet } from '../src/etl/set-json.js';
import { ChunkPool, type JsonBytes } from '../src/etl/json-writer.js';
import { POOLED_CHUNKS, setsBody } from '../src/http/sets-body.js';
import type { AllocationSet } from '../src/etl/sets.js';
import { syntheticPriceSheet, syntheticSnapshot } from '../test/support/etl-snapshot.js';
import type { EtlMemoryInput, EtlMemoryOutput } from './etl-memory.child.js';
import { runChild } from './lib/child.js';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';
import { median } from './lib/stats.js';

// The ETL's set functions on one hourly window of a large cluster (500 nodes, 20,000 pods of
// 1–3 containers, volumes, load balancers, pods starting and stopping inside the window; the
// synthetic cluster of test/support/etl-snapshot.ts). Each figure is the median of a few runs,
// beside a baseline measured in the same process, alternating with it: the plainest JavaScript
// that touches the same data (a JSON round trip of the snapshot, JSON.stringify / JSON.parse of
// the set, a single pass over the records). Times are this process's CPU time (process.cpuUsage,
// user + system, so the collector's threads count on both sides): on two cores shared with other
// work, wall clock measured the waiting as much as the work. Memory is measured in a fresh process.

const NODES = 500;
const PODS = 20_000;
const ROUNDS = 5;
const HOUR = 3_600_000;
const WINDOW = { start: Date.UTC(2024, 4, 3, 8), end: Date.UTC(2024, 4, 3, 9) };
const MB = 1024 * 1024;

interface Comparison {
  readonly value: number;
  readonly baseline: number;
}

/** Median CPU ms of `rounds` runs of `subject` and of `baseline`, alternating which goes first. */
function compare(subject: () => unknown, baseline: () => unknown, rounds = ROUNDS): Comparison {
  const time = (f: () => unknown): number => {
    const started = process.cpuUsage();
    const out = f();
    const used = process.cpuUsage(started);
    const ms = (used.user + used.system) / 1000;
    // Keeps the result observable, so no engine can drop the work.
    if (out === undefined) throw new Error('a benchmarked function returned nothing');
    return ms;
  };
  time(subject);
  time(baseline);
  const s: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      s.push(time(subject));
      b.push(time(baseline));
    } else {
      b.push(time(baseline));
      s.push(time(subject));
    }
  }
  return { value: median(s), baseline: median(b) };
}

/**
 * Rendering against JSON.stringify of its own answer already built as objects (JSON.parse of it;
 * no index-like names in this set, so it prints back the same bytes), and the route's work (the
 * render in its envelope, the identity body) against JSON.stringify of that envelope built as
 * objects and its Buffer.from, the same bytes. A function of its own so the parsed answer is
 * garbage before the rows after it are measured.
 */
function compareWithPrinting(set: AllocationSet, json: string): { printing: Comparison; route: Comparison } {
  const answer = JSON.parse(json) as unknown;
  if (JSON.stringify(answer) !== json) throw new Error('the parsed answer does not print back as the same bytes');
  const envelope = { code: 200, data: [answer] };
  const pool = new ChunkPool(POOLED_CHUNKS);
  if (!setsBody([renderAllocationSet(set, pool)], [], pool).identity.equals(Buffer.from(JSON.stringify(envelope)))) throw new Error('the route’s body is not the bytes of its answer printed');
  return {
    printing: compare(() => renderReusing(set, pool), () => JSON.stringify(answer)),
    route: compare(() => setsBody([renderAllocationSet(set, pool)], [], pool).identity, () => Buffer.from(JSON.stringify(envelope))),
  };
}

/** A render as the set routes make it: chunks taken from their pool, given back once the answer was copied out (here at once: nothing reads it). */
function renderReusing(set: AllocationSet, pool: ChunkPool): JsonBytes {
  const bytes = renderAllocationSet(set, pool);
  pool.give(bytes);
  return bytes;
}

/** The namespace totals of a set in one plain pass: the least any grouping does. */
function plainGroup(set: AllocationSet): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of set.allocations) {
    const k = a.properties.namespace ?? '';
    out.set(k, (out.get(k) ?? 0) + a.cpuCost + a.ramCost);
  }
  return out;
}

async function memoryRows(): Promise<Result[]> {
  progress(`etl: memory around one buildSets of ${NODES} nodes / ${PODS.toLocaleString('en-US')} pods (child process with --expose-gc)`);
  const input: EtlMemoryInput = { nodes: NODES, pods: PODS, window: WINDOW };
  const m = (await runChild(new URL('./etl-memory.child.ts', import.meta.url), input, { execArgv: ['--expose-gc'] })) as EtlMemoryOutput;
  // The peak is what getrusage saw if the build raised it, else the RSS the moment the build returned.
  const peakMB = Math.max(m.rssAfterBuildMB, m.maxRssAfterMB > m.maxRssBeforeMB ? m.maxRssAfterMB : 0);
  return [
    {
      figure: 'buildSets: peak RSS growth',
      value: peakMB - m.before.rssMB,
      unit: 'MB',
      goal: { on: 'value', op: '<=', limit: 300 },
      note:
        `memory: fresh process, snapshot generated, then GC: RSS ${m.before.rssMB.toFixed(1)} MB, heap used ${m.before.heapUsedMB.toFixed(1)} MB; ` +
        `the moment buildSets returned (garbage included) RSS ${m.rssAfterBuildMB.toFixed(1)} MB, peak RSS (getrusage) ${m.maxRssBeforeMB.toFixed(1)} → ${m.maxRssAfterMB.toFixed(1)} MB; ` +
        `after GC with the sets (${m.records.toLocaleString('en-US')} records) kept: RSS ${m.after.rssMB.toFixed(1)} MB, heap used ${m.after.heapUsedMB.toFixed(1)} MB`,
    },
    { figure: 'buildSets: RSS kept with the sets', value: m.after.rssMB - m.before.rssMB, unit: 'MB' },
    { figure: 'buildSets: heap used by the sets', value: m.after.heapUsedMB - m.before.heapUsedMB, unit: 'MB' },
  ];
}

export default {
  name: 'etl',
  async run() {
    progress(`etl: generating ${NODES} nodes / ${PODS.toLocaleString('en-US')} pods`);
    const snapshot = syntheticSnapshot({ nodes: NODES, pods: PODS, window: WINDOW });
    const sheet = syntheticPriceSheet();
    const containers = snapshot.pods.reduce((n, p) => n + p.containers.length, 0);
    const results: Result[] = [];

    progress(`etl: buildSets, ${ROUNDS} rounds against a JSON round trip of the snapshot`);
    const build = compare(() => buildSets(snapshot, WINDOW, sheet), () => JSON.parse(JSON.stringify(snapshot)) as unknown);
    const sets = buildSets(snapshot, WINDOW, sheet);
    const set = sets.allocations;
    const n = set.allocations.length;
    results.push({
      figure: `buildSets, ${NODES} nodes / ${PODS.toLocaleString('en-US')} pods`,
      ...build,
      unit: 'ms',
      goal: { on: 'value', op: '<=', limit: 1000 },
      note:
        `buildSets: ${snapshot.pods.length.toLocaleString('en-US')} pods (${containers.toLocaleString('en-US')} containers), ${snapshot.claims.length} claims, ` +
        `${snapshot.volumes.length} volumes, ${snapshot.loadBalancers.length} load balancers → ${n.toLocaleString('en-US')} allocations, ${sets.assets.assets.length} assets; ` +
        `median of ${ROUNDS}; baseline: JSON.parse(JSON.stringify(snapshot)), the same records copied once`,
    });

    progress('etl: rendering the allocation set as Kubecost JSON');
    const pool = new ChunkPool(POOLED_CHUNKS);
    const render = compare(() => renderReusing(set, pool), () => JSON.stringify(set.allocations));
    const rendered: JsonBytes = renderAllocationSet(set);
    const plainJson = JSON.stringify(set);
    const renderedBytes = rendered.reduce((n, chunk) => n + chunk.length, 0);
    const { printing, route } = compareWithPrinting(set, Buffer.concat(rendered).toString());
    results.push(
      {
        figure: `renderAllocationSet, ${n.toLocaleString('en-US')} allocations`,
        ...render,
        unit: 'ms',
        goal: { on: 'ratio', op: '<=', limit: 1.5 },
        note:
          `render: ${(renderedBytes / MB).toFixed(1)} MB of OpenCost-shaped JSON, as the UTF-8 bytes the route sends (in chunks, reused from a pool of ${POOLED_CHUNKS} as the route reuses them); ` +
          `baseline: JSON.stringify of the records as they are (${(plainJson.length / MB).toFixed(1)} MB, no rounding, no reshaping), a string not yet encoded for sending, so the comparison is conservative`,
      },
      {
        figure: 'renderAllocationSet vs printing its answer',
        ...printing,
        unit: 'ms',
        note: 'render vs printing its answer: baseline JSON.stringify of the answer already built as objects (JSON.parse of it), the same text: what rendering costs beyond printing',
      },
      {
        figure: 'the route’s body: render + envelope',
        ...route,
        unit: 'ms',
        note:
          'route: the set rendered and put in the envelope of GET /model/allocation (setsBody: the identity body, one Buffer; chunks reused as the route does); ' +
          'baseline Buffer.from(JSON.stringify(envelope)) of that answer already built as objects, the same bytes',
      },
    );
    progress('etl: encoding and decoding the allocation set');
    let bytes: Uint8Array = new Uint8Array(0);
    const encode = compare(() => (bytes = encodeAllocationSet(set)), () => JSON.stringify(set));
    const decode = compare(() => decodeAllocationSet(bytes), () => JSON.parse(plainJson) as unknown);
    results.push(
      { figure: 'encodeAllocationSet', ...encode, unit: 'ms', goal: { on: 'value', op: '<=', limit: 200 }, note: 'codec: baselines JSON.stringify of the set, and JSON.parse of that text' },
      { figure: 'decodeAllocationSet', ...decode, unit: 'ms', goal: { on: 'value', op: '<=', limit: 200 } },
      { figure: 'encoded size', value: bytes.length, baseline: plainJson.length, unit: 'bytes', note: 'encoded size: baseline the set as plain JSON text' },
    );

    progress('etl: aggregating by namespace, accumulating a day of hourly sets');
    const aggregate = compare(() => aggregateAllocations(set, ['namespace']), () => plainGroup(set));
    const day = { start: WINDOW.start, end: WINDOW.start + 24 * HOUR };
    const accumulate = compare(
      () => {
        const acc = new AllocationSetAccumulator(day);
        for (let h = 0; h < 24; h++) acc.add(set);
        return acc.result();
      },
      () => {
        const byName = new Map<string, number>();
        for (let h = 0; h < 24; h++) for (const a of set.allocations) byName.set(a.name, (byName.get(a.name) ?? 0) + a.cpuCost);
        return byName;
      },
      3,
    );
    // As the daily roll-up reads a day: 24 sets each decoded on its own by the real codec (their
    // records, strings and label sets separate objects, but for what the codec's interner shares).
    const decoded = Array.from({ length: 24 }, () => decodeAllocationSet(bytes));
    const accumulateDecoded = compare(
      () => {
        const acc = new AllocationSetAccumulator(day);
        for (const d of decoded) acc.add(d);
        return acc.result();
      },
      () => {
        const byName = new Map<string, number>();
        for (const d of decoded) for (const a of d.allocations) byName.set(a.name, (byName.get(a.name) ?? 0) + a.cpuCost);
        return byName;
      },
      3,
    );
    results.push(
      { figure: 'aggregateAllocations by namespace', ...aggregate, unit: 'ms', note: 'aggregate: baseline one pass summing cost per namespace into a Map' },
      {
        figure: 'accumulate 24 hourly sets',
        ...accumulate,
        unit: 'ms',
        goal: { on: 'ratio', op: '<=', limit: 2 },
        note: 'accumulate: the hourly set added 24 times to an AllocationSetAccumulator over a day (median of 3); baseline 24 passes summing cost per name into a Map',
      },
      {
        figure: 'accumulate 24 decoded hourly sets',
        ...accumulateDecoded,
        unit: 'ms',
        goal: { on: 'ratio', op: '<=', limit: 2 },
        note: 'accumulate decoded: 24 sets each decoded separately from the encoded hourly set, added to an AllocationSetAccumulator over a day (median of 3); baseline 24 passes over them summing cost per name into a Map',
      },
    );

    results.push(...(await memoryRows()));
    return results;
  },
} satisfies Benchmark;
