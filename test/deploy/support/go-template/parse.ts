/**
 * The parser of a test-only renderer for the subset of Go's text/template that the Helm chart
 * uses: actions with pipelines, `if`/`else if`/`else`, `with`, `range`, `define`, comments and
 * the `{{-`/`-}}` trim markers. Anything outside the subset (variables, `template`, `block`,
 * `break`) is a parse error rather than a silent difference from Helm.
 */

/** One argument of a command: a value, a field chain, a function name or a parenthesised pipeline. */
export type Operand =
  | { readonly kind: 'field'; readonly base: 'dot' | 'root'; readonly path: readonly string[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'nil' }
  | { readonly kind: 'func'; readonly name: string }
  | { readonly kind: 'pipe'; readonly pipe: Pipeline };

/** `a b c`: a function applied to arguments, or a single value. */
export type Command = readonly Operand[];
/** `cmd | cmd | …`: each command's result is the last argument of the next. */
export type Pipeline = readonly Command[];

/** A node of a parsed template. */
export type TemplateNode =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'action'; readonly pipe: Pipeline }
  | { readonly type: 'if' | 'with'; readonly branches: readonly Branch[]; readonly otherwise: readonly TemplateNode[] }
  | { readonly type: 'range'; readonly pipe: Pipeline; readonly body: readonly TemplateNode[]; readonly otherwise: readonly TemplateNode[] };

/** A condition and what renders when it holds. */
export interface Branch {
  readonly pipe: Pipeline;
  readonly body: readonly TemplateNode[];
}

/** A parsed file: its top-level nodes and the templates it defines. */
export interface ParsedTemplate {
  readonly nodes: readonly TemplateNode[];
  readonly defines: ReadonlyMap<string, readonly TemplateNode[]>;
}

/** A template the renderer cannot parse, with the file and the action at fault. */
export class TemplateSyntaxError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'TemplateSyntaxError';
  }
}

type Segment = { readonly type: 'text'; readonly text: string } | { readonly type: 'action'; readonly source: string };

const SPACE = /[ \t\r\n]/;

/** Splits a template into text and action segments, applying the trim markers to the text. */
function segments(file: string, src: string): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = src.indexOf('{{', pos);
    let text = src.slice(pos, open === -1 ? src.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (open === -1) {
      if (text !== '') out.push({ type: 'text', text });
      return out;
    }
    const trimLeft = src[open + 2] === '-' && SPACE.test(src[open + 3] ?? '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text !== '') out.push({ type: 'text', text });
    const start = open + (trimLeft ? 3 : 2);
    const close = findClose(file, src, start);
    const trimRight = src[close - 1] === '-' && SPACE.test(src[close - 2] ?? '');
    const source = src.slice(start, trimRight ? close - 1 : close).trim();
    if (!(source.startsWith('/*') && source.endsWith('*/'))) out.push({ type: 'action', source });
    trimNext = trimRight;
    pos = close + 2;
  }
}

/** The index of the `}}` closing the action that starts at `from`, skipping quoted strings. */
function findClose(file: string, src: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && src[i + 1] === '}') return i;
  }
  throw new TemplateSyntaxError(file, `unclosed action at offset ${from}`);
}

type Token =
  | { readonly t: 'operand'; readonly operand: Operand }
  | { readonly t: 'ident'; readonly name: string }
  | { readonly t: '|' | '(' | ')' };

const TOKEN = /^(?:(?<space>\s+)|(?<str>"(?:[^"\\]|\\.)*")|(?<raw>`[^`]*`)|(?<field>(?:\.[A-Za-z_]\w*)+)|(?<dot>\.)|(?<root>\$(?:\.[A-Za-z_]\w*)*)|(?<num>-?\d+(?:\.\d+)?)|(?<ident>[A-Za-z_]\w*)|(?<punct>[|()]))/;

function tokenize(file: string, source: string): Token[] {
  const tokens: Token[] = [];
  let rest = source;
  while (rest !== '') {
    const m = TOKEN.exec(rest);
    const g = m?.groups;
    if (m === null || g === undefined) throw new TemplateSyntaxError(file, `unsupported syntax at "${rest}" in {{ ${source} }}`);
    rest = rest.slice(m[0].length);
    if (g.space !== undefined) continue;
    if (g.str !== undefined) tokens.push({ t: 'operand', operand: { kind: 'string', value: JSON.parse(g.str) as string } });
    else if (g.raw !== undefined) tokens.push({ t: 'operand', operand: { kind: 'string', value: g.raw.slice(1, -1) } });
    else if (g.field !== undefined) tokens.push({ t: 'operand', operand: { kind: 'field', base: 'dot', path: g.field.slice(1).split('.') } });
    else if (g.dot !== undefined) tokens.push({ t: 'operand', operand: { kind: 'field', base: 'dot', path: [] } });
    else if (g.root !== undefined) tokens.push({ t: 'operand', operand: { kind: 'field', base: 'root', path: g.root.split('.').slice(1) } });
    else if (g.num !== undefined) {
      const operand: Operand = g.num.includes('.') ? { kind: 'float', value: Number(g.num) } : { kind: 'int', value: BigInt(g.num) };
      tokens.push({ t: 'operand', operand });
    } else if (g.ident !== undefined) {
      if (g.ident === 'true' || g.ident === 'false') tokens.push({ t: 'operand', operand: { kind: 'bool', value: g.ident === 'true' } });
      else if (g.ident === 'nil') tokens.push({ t: 'operand', operand: { kind: 'nil' } });
      else tokens.push({ t: 'ident', name: g.ident });
    } else tokens.push({ t: g.punct as '|' | '(' | ')' });
  }
  return tokens;
}

/** Parses tokens into a pipeline; `end` is the index after the last token consumed. */
function parsePipeline(file: string, tokens: readonly Token[], start: number, nested: boolean): { pipe: Pipeline; end: number } {
  const pipe: Command[] = [];
  let cmd: Operand[] = [];
  let i = start;
  for (; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.t === 'operand') {
      cmd.push(tok.operand);
    } else if (tok.t === 'ident') {
      cmd.push({ kind: 'func', name: tok.name });
    } else if (tok.t === ')') {
      if (!nested) throw new TemplateSyntaxError(file, 'unbalanced ")"');
      break;
    } else if (tok.t === '|') {
      if (cmd.length === 0) throw new TemplateSyntaxError(file, 'empty command before "|"');
      pipe.push(cmd);
      cmd = [];
    } else {
      const sub = parsePipeline(file, tokens, i + 1, true);
      if (tokens[sub.end]?.t !== ')') throw new TemplateSyntaxError(file, 'unclosed "("');
      cmd.push({ kind: 'pipe', pipe: sub.pipe });
      i = sub.end;
    }
  }
  if (cmd.length === 0) throw new TemplateSyntaxError(file, 'empty pipeline');
  pipe.push(cmd);
  return { pipe, end: i };
}

type Action =
  | { readonly kw: 'if' | 'with' | 'range'; readonly pipe: Pipeline }
  | { readonly kw: 'else'; readonly pipe?: Pipeline }
  | { readonly kw: 'end' }
  | { readonly kw: 'define'; readonly name: string }
  | { readonly kw: 'expr'; readonly pipe: Pipeline };

const UNSUPPORTED = new Set(['template', 'block', 'break', 'continue']);

function parseAction(file: string, source: string): Action {
  if (/^\$\w*\s*:?=/.test(source)) throw new TemplateSyntaxError(file, `variables are outside the supported subset: {{ ${source} }}`);
  const tokens = tokenize(file, source);
  const first = tokens[0];
  const keyword = first?.t === 'ident' ? first.name : undefined;
  const rest = (from: number) => parsePipeline(file, tokens, from, false).pipe;
  if (keyword === 'if' || keyword === 'with' || keyword === 'range') return { kw: keyword, pipe: rest(1) };
  if (keyword === 'end') return { kw: 'end' };
  if (keyword === 'else') {
    const next = tokens[1];
    if (next === undefined) return { kw: 'else' };
    if (next.t === 'ident' && next.name === 'if') return { kw: 'else', pipe: rest(2) };
    throw new TemplateSyntaxError(file, `only "else" and "else if" are supported: {{ ${source} }}`);
  }
  if (keyword === 'define') {
    const name = tokens[1];
    if (name?.t !== 'operand' || name.operand.kind !== 'string' || tokens.length !== 2) throw new TemplateSyntaxError(file, `bad define: {{ ${source} }}`);
    return { kw: 'define', name: name.operand.value };
  }
  if (keyword !== undefined && UNSUPPORTED.has(keyword)) throw new TemplateSyntaxError(file, `"${keyword}" is outside the supported subset`);
  return { kw: 'expr', pipe: rest(0) };
}

/** Parses one template file. */
export function parseTemplate(file: string, src: string): ParsedTemplate {
  const segs = segments(file, src);
  const defines = new Map<string, TemplateNode[]>();
  let pos = 0;

  /** Nodes up to an `else` or `end` (returned as the stop) or the end of input (stop undefined). */
  const list = (depth: number): { nodes: TemplateNode[]; stop?: Action } => {
    const nodes: TemplateNode[] = [];
    while (pos < segs.length) {
      const seg = segs[pos++]!;
      if (seg.type === 'text') {
        nodes.push({ type: 'text', text: seg.text });
        continue;
      }
      const action = parseAction(file, seg.source);
      switch (action.kw) {
        case 'expr':
          nodes.push({ type: 'action', pipe: action.pipe });
          break;
        case 'else':
        case 'end':
          if (depth === 0) throw new TemplateSyntaxError(file, `unexpected {{ ${seg.source} }}`);
          return { nodes, stop: action };
        case 'define': {
          if (depth !== 0) throw new TemplateSyntaxError(file, 'define inside a block');
          const body = list(depth + 1);
          if (body.stop?.kw !== 'end') throw new TemplateSyntaxError(file, `define "${action.name}" is not closed by end`);
          defines.set(action.name, body.nodes);
          break;
        }
        case 'range': {
          const body = list(depth + 1);
          let otherwise: TemplateNode[] = [];
          if (body.stop?.kw === 'else' && body.stop.pipe === undefined) {
            const rest = list(depth + 1);
            if (rest.stop?.kw !== 'end') throw new TemplateSyntaxError(file, 'range is not closed by end');
            otherwise = rest.nodes;
          } else if (body.stop?.kw !== 'end') throw new TemplateSyntaxError(file, 'range is not closed by end');
          nodes.push({ type: 'range', pipe: action.pipe, body: body.nodes, otherwise });
          break;
        }
        case 'if':
        case 'with': {
          const branches: Branch[] = [];
          let pipe = action.pipe;
          let otherwise: TemplateNode[] = [];
          for (;;) {
            const body = list(depth + 1);
            branches.push({ pipe, body: body.nodes });
            const stop = body.stop;
            if (stop?.kw === 'end') break;
            if (stop?.kw !== 'else') throw new TemplateSyntaxError(file, `${action.kw} is not closed by end`);
            if (stop.pipe !== undefined) {
              if (action.kw === 'with') throw new TemplateSyntaxError(file, '"else if" after "with" is outside the supported subset');
              pipe = stop.pipe;
              continue;
            }
            const rest = list(depth + 1);
            if (rest.stop?.kw !== 'end') throw new TemplateSyntaxError(file, `${action.kw} is not closed by end`);
            otherwise = rest.nodes;
            break;
          }
          nodes.push({ type: action.kw, branches, otherwise });
          break;
        }
      }
    }
    return { nodes };
  };

  const top = list(0);
  return { nodes: top.nodes, defines };
}
