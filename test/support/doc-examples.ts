import { readFileSync } from 'node:fs';

// The curl examples of README.md and docs/*.md, as docs/testing.md describes them: a ```console
// block of `$ curl …` lines, each followed by the output it printed, runs against the demo; a block
// with a `$ curl` line in any other fence must be preceded by `<!-- example not run: <reason> -->`.

/** One `$ curl …` line of a ```console block and the output printed under it. */
export interface DocCommand {
  readonly command: string;
  /** The output lines, joined with newlines. */
  readonly output: string;
  /** 0-based line of the output's first line in the file (where an update writes). */
  readonly outputLine: number;
  readonly outputLines: number;
}

/** A fenced block holding at least one `$ curl` line. */
export interface DocExample {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** Why it is not run, when marked so. */
  readonly notRun?: string;
  /** Whether it is a ```console block (the ones run). */
  readonly console: boolean;
  readonly commands: readonly DocCommand[];
}

const NOT_RUN = /^<!-- example not run: (.+?) -->$/;

/** Every fenced block with a `$ curl` line in `file`. */
export function docExamples(file: string): DocExample[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i] ?? '');
    if (fence === null) continue;
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').startsWith('```')) end++;
    const body = lines.slice(i + 1, end);
    if (body.some((l) => l.startsWith('$ curl'))) {
      const marker = NOT_RUN.exec((lines[i - 1] ?? '').trim()) ?? NOT_RUN.exec((lines[i - 2] ?? '').trim());
      out.push({ file, line: i + 1, console: fence[1] === 'console', ...(marker?.[1] !== undefined && { notRun: marker[1] }), commands: commandsOf(body, i + 1) });
    }
    i = end;
  }
  return out;
}

function commandsOf(body: readonly string[], firstLine: number): DocCommand[] {
  const out: DocCommand[] = [];
  for (let j = 0; j < body.length; j++) {
    const line = body[j] ?? '';
    if (!line.startsWith('$ ')) continue;
    let k = j + 1;
    while (k < body.length && !(body[k] ?? '').startsWith('$ ')) k++;
    out.push({ command: line.slice(2), output: body.slice(j + 1, k).join('\n'), outputLine: firstLine + j + 1, outputLines: k - j - 1 });
    j = k - 1;
  }
  return out;
}

/** Splits a command line as sh does for the quoting examples use: '…', "…" (with \" and \\), \x, and unquoted `|`. */
export function shellWords(line: string): string[][] {
  const pipeline: string[][] = [[]];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? '';
    const current = pipeline[pipeline.length - 1] ?? [];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) throw new Error(`unclosed ' in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let s = '';
      for (i++; i < line.length && line[i] !== '"'; i++) s += line[i] === '\\' && /["\\$`]/.test(line[i + 1] ?? '') ? (line[++i] ?? '') : (line[i] ?? '');
      word = (word ?? '') + s;
    } else if (c === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else if (c === ' ' || c === '\t' || c === '|') {
      if (word !== undefined) current.push(word);
      word = undefined;
      if (c === '|') pipeline.push([]);
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) pipeline[pipeline.length - 1]?.push(word);
  return pipeline;
}

/** A curl invocation reduced to what app.inject needs. */
export interface CurlRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Reads the curl options examples use (-s, -X, -H, -d/--data/--data-binary with a literal body, --compressed); anything else is refused. */
export function parseCurl(words: readonly string[]): CurlRequest {
  let method: string | undefined;
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '-s' || w === '--compressed' || w === '-sS') continue;
    if (w === '-X') method = words[++i];
    else if (w === '-H') {
      const h = words[++i] ?? '';
      const colon = h.indexOf(':');
      headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    } else if (w === '-d' || w === '--data' || w === '--data-binary') {
      body = words[++i] ?? '';
      if (body.startsWith('@')) throw new Error(`reads a file (${body}); mark it not run or inline the body`);
    } else if (w.startsWith('-')) throw new Error(`curl option ${w} is not supported by the examples test`);
    else url = w;
  }
  if (url === undefined) throw new Error('no URL');
  const parsed = new URL(url.includes('://') ? url : `http://${url}`);
  const m = (method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
  if (m !== 'GET' && m !== 'POST' && m !== 'PUT' && m !== 'DELETE') throw new Error(`method ${m} is not supported`);
  return { method: m, path: `${parsed.pathname}${parsed.search}`, headers, ...(body !== undefined && { body }) };
}

/** The JSON values of a text, one after another (jq prints a stream); undefined when it is not JSON. */
export function jsonStream(text: string): unknown[] | undefined {
  const values: unknown[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    pending = pending === '' ? line : `${pending}\n${line}`;
    if (pending.trim() === '') {
      pending = '';
      continue;
    }
    try {
      values.push(JSON.parse(pending));
      pending = '';
    } catch {
      // A value over several lines: read on.
    }
  }
  return pending.trim() === '' && values.length > 0 ? values : undefined;
}

/**
 * Where `actual` departs from `expected` in shape: the set of keys of each object, the type of
 * each value (null, boolean, number, string, array, object), array elements pairwise as far as
 * both go; and exact text for every `message` (error messages are part of the contract).
 */
export function shapeDifferences(expected: unknown, actual: unknown, path = '$'): string[] {
  const te = typeOf(expected);
  const ta = typeOf(actual);
  if (te !== ta) return [`${path}: ${te} in the example, ${ta} now`];
  if (te === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    const out: string[] = [];
    for (let i = 0; i < Math.min(e.length, a.length); i++) out.push(...shapeDifferences(e[i], a[i], `${path}[${i}]`));
    if ((e.length === 0) !== (a.length === 0)) out.push(`${path}: ${e.length} items in the example, ${a.length} now`);
    return out;
  }
  if (te !== 'object') return path.endsWith('.message') && expected !== actual ? [`${path}: ${JSON.stringify(expected)} in the example, ${JSON.stringify(actual)} now`] : [];
  const e = expected as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const out: string[] = [];
  const missing = Object.keys(e).filter((k) => !(k in a));
  const extra = Object.keys(a).filter((k) => !(k in e));
  if (missing.length > 0) out.push(`${path}: keys ${missing.join(', ')} in the example, gone now`);
  if (extra.length > 0) out.push(`${path}: keys ${extra.join(', ')} now, not in the example`);
  for (const k of Object.keys(e)) if (k in a) out.push(...shapeDifferences(e[k], a[k], `${path}.${k}`));
  return out;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
