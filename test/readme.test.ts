import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every setting with its default', () => {
    for (const s of Object.values(SETTINGS)) {
      expect(readme, s.env).toContain(`| \`${s.env}\` | ${s.default === undefined ? 'unset' : `\`${s.default}\``} |`);
    }
  });

  it('shows the two commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
