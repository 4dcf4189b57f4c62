import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { TOO_DEEP_MESSAGE } from '../../src/json-nesting.js';
import { parseManifests, type ManifestFormat } from '../../src/predict/manifests.js';

const kinds = (text: string, format: ManifestFormat = 'yaml') => parseManifests(text, format).map((m) => `${m.where}: ${m.kind}`);

const rejection = (text: string, format: ManifestFormat = 'yaml'): string => {
  try {
    parseManifests(text, format);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BAD_BODY');
    return (err as AppError).message;
  }
  throw new Error('expected a rejection');
};

describe('parseManifests: YAML', () => {
  it('reads each document separated by ---, skipping empty ones', () => {
    expect(kinds('kind: Pod\n---\n---\n# just a comment\n---\nkind: Service\n')).toEqual(['document 1: Pod', 'document 4: Service']);
  });

  it('reads a leading --- and a UTF-8 byte order mark', () => {
    expect(kinds('\uFEFF---\nkind: Pod\n')).toEqual(['document 1: Pod']);
  });

  it('names the document, line and column of a syntax error', () => {
    expect(rejection('kind: Pod\n---\nkind: Pod\nmetadata:\n  name: a\n  name: b\n')).toBe('invalid YAML in document 2 at line 6, column 3: Map keys must be unique');
  });

  it('reads a document 100 levels deep and refuses one of 101 before composing it', () => {
    expect(kinds(`kind: Pod\nx: ${'['.repeat(99)}${']'.repeat(99)}\n`)).toEqual(['document 1: Pod']);
    expect(rejection(`kind: Pod\nx: ${'['.repeat(100)}${']'.repeat(100)}\n`)).toBe(TOO_DEEP_MESSAGE);
    expect(rejection(`kind: Pod\n---\n${'- '.repeat(100_000)}x\n`)).toBe(TOO_DEEP_MESSAGE);
  });

  it('reads a collection used as a key without writing a process warning (the client’s text) to stderr', async () => {
    const warnings: string[] = [];
    const heard = (w: Error): void => {
      warnings.push(w.message);
    };
    process.on('warning', heard);
    try {
      expect(kinds('kind: Pod\n? [a, b]\n: c\n')).toEqual(['document 1: Pod']);
      // process.emitWarning reports on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', heard);
    }
    expect(warnings).toEqual([]);
  });

  it('refuses a document that expands too many aliases (a "billion laughs" body)', () => {
    // Each level repeats the previous one ten times: 10^12 strings if expanded.
    const letters = 'abcdefghijkl';
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < letters.length; i++) lines.push(`${letters[i]}: &${letters[i]} [${Array(10).fill(`*${letters[i - 1]}`).join(', ')}]`);
    expect(rejection([...lines, 'kind: Pod'].join('\n'))).toMatch(/^invalid YAML in document 1: .*alias/i);
  });

  it('honours << merge keys, as Kubernetes reads YAML', () => {
    const [m] = parseManifests('base: &base {cpu: 100m}\nkind: Pod\nspec: {<<: *base, memory: 1Gi}\n', 'yaml');
    expect(m?.object['spec']).toEqual({ cpu: '100m', memory: '1Gi' });
  });

  it('refuses a document that is not an object', () => {
    expect(rejection('kind: Pod\n---\n- a\n- b\n')).toBe('document 2 is not a Kubernetes object: got a list');
    expect(rejection('just text\n')).toBe('document 1 is not a Kubernetes object: got a string');
  });

  it('refuses an object without a kind', () => {
    expect(rejection('metadata: {name: a}\n')).toBe('document 1 has no "kind": every object needs apiVersion and kind');
  });
});

describe('parseManifests: Lists', () => {
  it('unpacks the items of a List', () => {
    expect(kinds('apiVersion: v1\nkind: List\nitems:\n- {kind: Deployment}\n- {kind: Pod}\n')).toEqual(['document 1, item 1: Deployment', 'document 1, item 2: Pod']);
  });

  it('gives the items of a typed list (the API server’s own answer) its kind and apiVersion', () => {
    const [m] = parseManifests(JSON.stringify({ apiVersion: 'apps/v1', kind: 'DeploymentList', items: [{ metadata: { name: 'a' } }] }), 'json');
    expect(m).toEqual({ object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } }, kind: 'Deployment', where: 'the body, item 1' });
  });

  it('does not unpack a List inside a List', () => {
    expect(kinds('kind: List\nitems:\n- {kind: List, items: [{kind: Pod}]}\n')).toEqual(['document 1, item 1: List']);
  });

  it('refuses an item that is not an object', () => {
    expect(rejection('kind: List\nitems: [3]\n')).toBe('document 1, item 1 is not a Kubernetes object: got a number');
  });
});

describe('parseManifests: JSON', () => {
  it('reads one object', () => {
    expect(kinds('{"kind": "Pod"}', 'json')).toEqual(['the body: Pod']);
  });

  it('reads a bare array as a list of objects', () => {
    expect(kinds('[{"kind": "Pod"}, {"kind": "Service"}]', 'json')).toEqual(['item 1: Pod', 'item 2: Service']);
  });

  it('names the line and column of a syntax error when V8 gives its position', () => {
    expect(rejection('{\n  "kind": "Pod"\n  "spec": {}\n}', 'json')).toBe("invalid JSON at line 3, column 3: Expected ',' or '}' after property value");
  });

  it('quotes V8’s message when it gives no position', () => {
    expect(rejection('{"kind": }', 'json')).toMatch(/^invalid JSON: Unexpected token '}'/);
  });
});

describe('parseManifests: sniffing', () => {
  it('reads a body starting with { or [ as JSON', () => {
    expect(kinds('  \n{"kind": "Pod"}', 'sniff')).toEqual(['the body: Pod']);
    expect(rejection('{"kind": "Pod",}', 'sniff')).toMatch(/^invalid JSON/);
  });

  it('reads anything else as YAML', () => {
    expect(kinds('kind: Pod\n', 'sniff')).toEqual(['document 1: Pod']);
  });
});
