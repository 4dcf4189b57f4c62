import { readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';
import { benchSettings } from './lib/settings.js';
import { renderTable } from './lib/table.js';

// `npm run bench [-- <name>…]`: runs every bench/<name>.bench.ts (or the named ones) one after
// the other, never in parallel (they would compete for the same cores), then prints one table.
// A new benchmark is a new <name>.bench.ts default-exporting a Benchmark; nothing else changes.

const SUFFIX = '.bench.ts';
const here = new URL('./', import.meta.url);

const available = readdirSync(here)
  .filter((f) => f.endsWith(SUFFIX))
  .map((f) => f.slice(0, -SUFFIX.length))
  .sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  process.stderr.write(`bench: no benchmark named ${unknown.join(', ')}; available: ${available.join(', ')}\n`);
  process.exit(2);
}

// Other work on the machine skews every figure; the load average tells the reader how quiet it was.
const loadAtStart = loadavg()[0]!;
const settings = benchSettings();
const began = performance.now();
const results: Result[] = [];
for (const name of asked.length > 0 ? asked : available) {
  const module = (await import(new URL(`${name}${SUFFIX}`, here).href)) as { default?: Benchmark };
  const bench = module.default;
  if (bench === undefined || typeof bench.run !== 'function') throw new Error(`bench/${name}${SUFFIX} does not default-export a Benchmark`);
  if (bench.onlyWhenNamed === true && asked.length === 0) {
    progress(`${bench.name}: skipped (run it by name: npm run bench -- ${bench.name})`);
    continue;
  }
  process.stderr.write(`${bench.name}\n`);
  const started = performance.now();
  results.push(...(await bench.run()));
  progress(`${bench.name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

process.stdout.write(
  `\nNode ${process.version}, ${availableParallelism()} CPUs; load: ${settings.seconds} s per side of each figure ` +
    `(${settings.warmupSeconds} s warm-up before each run), ${settings.connections} connections; total ${((performance.now() - began) / 1000).toFixed(0)} s; ` +
    `1-minute load average before the run ${loadAtStart.toFixed(2)}\n\n`,
);
process.stdout.write(`${renderTable(results)}\n`);
