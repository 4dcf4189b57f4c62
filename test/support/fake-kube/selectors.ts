import type { FakeObject } from './types.js';

/** A parsed selector: a predicate, or the reason it does not parse. */
export type Selector = { ok: true; matches: (o: FakeObject) => boolean } | { ok: false; message: string };

type Term = { key: string; op: '=' | '!='; value: string };

function parseTerms(text: string | null): Term[] | string {
  if (text === null || text === '') return [];
  const terms: Term[] = [];
  for (const raw of text.split(',')) {
    // Equality-based requirements only (`a=b`, `a==b`, `a!=b`): what kubectl -l and -field-selector use most.
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)\s*$/.exec(raw);
    if (m === null) return `unable to parse requirement: "${raw}"`;
    terms.push({ key: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]! });
  }
  return terms;
}

function fieldValue(o: FakeObject, path: string): string | undefined {
  let cur: unknown = o;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'string' ? cur : typeof cur === 'number' ? String(cur) : undefined;
}

/**
 * Builds the filter of a list or watch from its `labelSelector` and `fieldSelector` parameters; a
 * field label the resource does not take (`fieldLabels`) is refused as the apiserver refuses it.
 */
export function parseSelectors(labelSelector: string | null, fieldSelector: string | null, fieldLabels: ReadonlySet<string>): Selector {
  const labels = parseTerms(labelSelector);
  if (typeof labels === 'string') return { ok: false, message: labels };
  const fields = parseTerms(fieldSelector);
  if (typeof fields === 'string') return { ok: false, message: fields };
  const unsupported = fields.find((t) => !fieldLabels.has(t.key));
  if (unsupported !== undefined) return { ok: false, message: `field label not supported: ${unsupported.key}` };
  if (labels.length === 0 && fields.length === 0) return { ok: true, matches: () => true };
  const test = (actual: string | undefined, t: Term): boolean => (t.op === '=' ? actual === t.value : actual !== t.value);
  return {
    ok: true,
    matches: (o) =>
      labels.every((t) => test(o.metadata.labels?.[t.key], t)) && fields.every((t) => test(fieldValue(o, t.key), t)),
  };
}
