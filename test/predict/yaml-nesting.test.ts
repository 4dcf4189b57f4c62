import { Parser } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cstNestsDeeperThan } from '../../src/predict/yaml-nesting.js';

/** Whether any document of `text` nests deeper than `max`, as the Predict route checks each before composing it. */
const deeper = (text: string, max?: number): boolean => [...new Parser().parse(text)].some((token) => cstNestsDeeperThan(token, max));

/** `levels` block mappings, each indented under the last. */
const indented = (levels: number): string =>
  Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}k${i}:${i === levels - 1 ? ' x' : ''}`).join('\n');

describe('cstNestsDeeperThan', () => {
  it('counts compact block sequences: 100 levels pass, 101 do not', () => {
    expect(deeper(`${'- '.repeat(100)}x`)).toBe(false);
    expect(deeper(`${'- '.repeat(101)}x`)).toBe(true);
  });

  it('counts block mappings by their indentation', () => {
    expect(deeper(indented(100))).toBe(false);
    expect(deeper(indented(101))).toBe(true);
  });

  it('counts flow collections inside a block mapping', () => {
    expect(deeper(`a: ${'['.repeat(99)}${']'.repeat(99)}`)).toBe(false);
    expect(deeper(`a: ${'{b: '.repeat(100)}x${'}'.repeat(100)}`)).toBe(true);
  });

  it('counts a collection used as a key', () => {
    expect(deeper(`? ${'['.repeat(3)}${']'.repeat(3)}\n: v`, 3)).toBe(true);
    expect(deeper(`? [a]\n: v`, 3)).toBe(false);
  });

  it('does not count brackets and dashes in scalars or comments', () => {
    expect(deeper(`a: "${'['.repeat(500)}"\nb: '${'{'.repeat(500)}'\nc: |\n  ${'- '.repeat(500)}\n# ${'['.repeat(500)}`, 2)).toBe(false);
  });

  it('judges each document on its own', () => {
    const docs = [`${'- '.repeat(60)}x`, `${'- '.repeat(60)}x`].join('\n---\n');
    expect(deeper(docs)).toBe(false);
    expect(deeper(`${docs}\n---\n${'- '.repeat(200)}x`)).toBe(true);
  });

  it('walks 100,000 levels without recursing', () => {
    expect(deeper(`${'- '.repeat(100_000)}x`)).toBe(true);
  });
});
