import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUND } from '../demo/change-generator.js';
import { DemoRig } from './support/demo-rig.js';
import { docExamples, jsonStream, parseCurl, shapeDifferences, shellWords, type DocCommand } from './support/doc-examples.js';
import { realToolAvailable } from './support/real-tools.js';

// Runs the curl examples of README.md and docs/*.md against `npm run demo` (in process, on a
// manual clock, after one round of its changes) and fails when one no longer matches: the HTTP
// status, the JSON shape (keys and value types at every level), error messages exactly. The
// convention is in docs/testing.md. UPDATE_DOC_EXAMPLES=1 writes what the demo answers into the
// examples instead (review the diff: a changed message is a changed contract).

const FILES = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const UPDATE = process.env['UPDATE_DOC_EXAMPLES'] === '1';
// jq is a real tool the examples pipe through: missing in CI fails the run, locally its examples are skipped loudly.
const JQ = realToolAvailable('jq', '/usr/bin/jq', 'apt-get install jq (.ci/run installs it)');

let rig: DemoRig;
const updates = new Map<string, { at: number; count: number; text: string }[]>();
const notRun: string[] = [];

beforeAll(async () => {
  rig = await DemoRig.start();
  for (let i = 0; i < ROUND.length; i++) await rig.step();
}, 120_000);

afterAll(async () => {
  await rig.close();
  // Listed whatever the reporter, so a reader of the output sees what the docs do not prove.
  if (notRun.length > 0) process.stdout.write(`examples not run against the demo (${notRun.length}):\n${notRun.map((n) => `  ${n}`).join('\n')}\n`);
  for (const [file, edits] of updates) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const e of edits.sort((a, b) => b.at - a.at)) lines.splice(e.at, e.count, ...e.text.split('\n'));
    writeFileSync(file, lines.join('\n'));
  }
});

/** What the command prints now: the response body, through jq when the example pipes into it. */
async function run(command: string): Promise<{ status: number; text: string }> {
  const [curl = [], ...rest] = shellWords(command);
  if (curl[0] !== 'curl') throw new Error(`only curl commands are run: ${command}`);
  const req = parseCurl(curl);
  const res = await rig.inject(req.path, { method: req.method, headers: req.headers, ...(req.body !== undefined && { body: req.body }) });
  let text = res.body;
  for (const stage of rest) {
    if (stage[0] !== 'jq') throw new Error(`only jq may follow curl in an example: ${stage.join(' ')}`);
    text = execFileSync('jq', stage.slice(1), { input: text, encoding: 'utf8' }).replace(/\n$/, '');
  }
  return { status: res.statusCode, text };
}

function differences(c: DocCommand, now: { status: number; text: string }): string[] {
  const expected = jsonStream(c.output);
  if (expected === undefined) return c.output === now.text ? [] : [`the example prints ${JSON.stringify(c.output)}, now ${JSON.stringify(now.text.slice(0, 500))}`];
  const actual = jsonStream(now.text);
  if (actual === undefined) return [`the example prints JSON, now ${JSON.stringify(now.text.slice(0, 300))}`];
  const out: string[] = [];
  const code = (expected[0] as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && code !== now.status) out.push(`HTTP ${code} in the example, ${now.status} now`);
  if (expected.length > 0 && actual.length === 0) out.push('the example prints values, nothing now');
  for (let i = 0; i < Math.min(expected.length, actual.length); i++) out.push(...shapeDifferences(expected[i], actual[i], `value ${i + 1}`));
  return out;
}

for (const file of FILES) {
  const examples = docExamples(file);
  if (examples.length === 0) continue;
  describe(file, () => {
    for (const ex of examples) {
      const name = `${file}:${ex.line}`;
      if (ex.notRun !== undefined) {
        notRun.push(`${name}: ${ex.notRun}`);
        // Not run against the demo: its mark must say how a reader reproduces it instead.
        it(`${name} is marked not run and says how to reproduce it`, () => {
          expect(ex.notRun, `${name}: the not-run reason names no way to reproduce the example`).toMatch(/reproduce/);
        });
        continue;
      }
      it.skipIf(!JQ && ex.commands.some((c) => c.command.includes('| jq')))(`${name} answers as the example shows`, async () => {
        expect(ex.console, `${name}: a $ curl example outside a \`\`\`console block; make it one, or precede it with <!-- example not run: <reason> -->`).toBe(true);
        for (const c of ex.commands) {
          const now = await run(c.command);
          if (UPDATE) {
            const edits = updates.get(file) ?? [];
            edits.push({ at: c.outputLine, count: c.outputLines, text: now.text });
            updates.set(file, edits);
            continue;
          }
          expect(differences(c, now), `${name}: $ ${c.command}`).toEqual([]);
        }
      });
    }
  });
}
