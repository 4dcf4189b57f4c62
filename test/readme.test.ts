import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

const readme = read('README.md');
/** Every Markdown file of the documentation: the README and docs/*.md, by path from the root. */
const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks, where links and headings are Markdown rather than examples. */
function prose(text: string): string {
  let fenced = false;
  return text
    .split('\n')
    .filter((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      return !fenced && !line.startsWith('```');
    })
    .join('\n');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const visible = (m[1] ?? '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const base = visible.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The relative link targets of a Markdown file (inline links and images), outside code. */
function relativeLinks(text: string): string[] {
  const inline = prose(text).replace(/`[^`\n]*`/g, '');
  return [...inline.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((href) => !/^[a-z][a-z+.-]*:/i.test(href));
}

describe('README', () => {
  it('shows the two commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });

  it('stays short: at most 300 lines, the reference lives in docs/', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
  });

  it('links to every topic file in docs/', () => {
    const linked = new Set(relativeLinks(readme).map((href) => href.split('#')[0]));
    for (const doc of docs.filter((d) => d !== 'README.md')) expect(linked, doc).toContain(doc);
  });
});

describe('the docs', () => {
  it('document every setting with its default in docs/configuration.md', () => {
    const configuration = read('docs/configuration.md');
    for (const s of Object.values(SETTINGS)) {
      expect(configuration, s.env).toContain(`| \`${s.env}\` | ${s.default === undefined ? 'unset' : `\`${s.default}\``} |`);
    }
  });

  it('name every route of the OpenAPI document, with its method, in docs/api.md', () => {
    const api = read('docs/api.md');
    const openapi = JSON.parse(read('openapi/openapi.json')) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(openapi.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `\`${method.toUpperCase()} ${path}\``));
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(api, route).toContain(route);
  });

  it.each(docs)('%s: every relative link and anchor resolves', (doc) => {
    const text = read(doc);
    const broken: string[] = [];
    for (const href of relativeLinks(text)) {
      const [path = '', anchor] = href.split('#');
      const target = path === '' ? doc : relative(ROOT, join(ROOT, dirname(doc), decodeURIComponent(path)));
      if (!existsSync(join(ROOT, target))) {
        broken.push(`${href}: no file ${target}`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !anchors(read(target)).has(anchor)) broken.push(`${href}: no heading #${anchor} in ${target}`);
    }
    expect(broken).toEqual([]);
  });

  it('names the package version as the newest entry of CHANGELOG.md', () => {
    const pkg = JSON.parse(read('package.json')) as { version: string };
    const newest = /^## (\d+\.\d+\.\d+) — \d{4}-\d{2}-\d{2}$/m.exec(read('CHANGELOG.md'));
    expect(newest?.[1]).toBe(pkg.version);
  });
});
