import type { AuditPathInput, AuditPathOutput, Stage } from './audit-path.child.js';
import { AUDIT_SERVER_FLAGS } from './lib/audit-run.js';
import { runChild } from './lib/child.js';
import { podNodeFlags } from './lib/pod-node-flags.js';
import { progress } from './lib/progress.js';
import type { Benchmark, Result } from './lib/result.js';

// The audit's own part of a change, stage by stage, in one process and without the network
// (audit-path.child.ts): what audit.bench.ts's burst cannot tell apart, since its figure is the
// whole server's process against a bare client. Each stage's CPU per change includes the stages
// before it; the baseline of every row is JSON.parse of the same lines (the bare client's work
// but for the socket), so the ratios say how much the audit adds to parsing its input. The child
// starts with the young generation the image's entrypoint gives in the chart's pod
// (lib/pod-node-flags.ts), not its old-space limit: it holds the fake's objects and the lines
// besides the audit's state, more than the pod's server holds.

const KNOWN = 100_000;
const CHANGES = 20_000;
const ROUNDS = 7;

const n = (x: number): string => x.toLocaleString('en-US');

const LABELS: Record<Exclude<Stage, 'parse'>, string> = {
  reduce: 'parse + reduce (trackWorkload)',
  detect: 'parse + reduce + detect (price, event, id)',
  store: 'the whole path (+ bus, memory store, metrics)',
};

const bench: Benchmark = {
  name: 'audit-path',
  async run(): Promise<Result[]> {
    progress(`audit-path: ${n(KNOWN)} Deployments known, ${ROUNDS} rounds of ${n(CHANGES)} changes, in a child process`);
    const input: AuditPathInput = { known: KNOWN, changes: CHANGES, rounds: ROUNDS };
    const out = (await runChild(new URL('./audit-path.child.ts', import.meta.url), input, { execArgv: ['--expose-gc', ...podNodeFlags().filter((f) => !f.startsWith('--max-old-space-size')), ...AUDIT_SERVER_FLAGS] })) as AuditPathOutput;
    const rounds = (s: Stage): string => out[s].rounds.map((x) => x.toFixed(1)).join(', ');
    progress(`  parse ${rounds('parse')} µs; whole path ${rounds('store')} µs`);
    const parse = out.parse.median;
    return (['reduce', 'detect', 'store'] as const).map((stage) => ({
      figure: `audit path after ${n(KNOWN)}: ${LABELS[stage]}, CPU per change`,
      value: out[stage].median,
      unit: 'µs',
      baseline: parse,
      note:
        `audit path, ${stage}: ${n(CHANGES / 2)} creates then their deletes as watch lines, no network, the stages taking turns over chunks of 500; ` +
        `median of ${ROUNDS} rounds (${rounds(stage)} µs); baseline JSON.parse of the same lines (${rounds('parse')} µs)`,
    }));
  },
};

export default bench;
