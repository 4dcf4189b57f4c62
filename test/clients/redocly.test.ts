import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Redocly CLI (from node_modules), its `recommended` ruleset, over the checked-in document (which
// another test keeps equal to what the server serves).
const root = fileURLToPath(new URL('../../', import.meta.url));
const REDOCLY = `${root}node_modules/.bin/redocly`;

function lint(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(REDOCLY, ['lint', file, '--extends', 'recommended', '--format', 'stylish'], { cwd: root, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the OpenAPI document under redocly lint (recommended)', () => {
  it('has no errors and no warnings', { timeout: 120_000 }, async () => {
    const result = await lint('openapi/openapi.json');
    expect(result.output).toContain('Your API description is valid');
    expect(result.output).not.toMatch(/\b(error|warning)\b\s+[a-z0-9-]+\s/);
    expect(result.code).toBe(0);
  });
});
