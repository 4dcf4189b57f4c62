/**
 * The functions the chart calls: Go's built-ins (`eq`, `gt`, `not`, `printf`), the Sprig ones
 * Helm adds (`default`, `quote`, `trunc`, …) and Helm's own (`include`, `required`, `fail`,
 * `toYaml`, `toJson`), each with the argument types and the result Helm's would have. `and` and
 * `or` short-circuit, so they live in the renderer.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { kindOf, printValue, TemplateRenderError, truthy, type GoValue } from './values.js';

/** What a function may ask of the renderer. */
export interface FunctionHost {
  include(name: string, dot: GoValue): string;
}

/** A template function: its arguments, the piped value last, as Go calls it. */
export type TemplateFunction = (args: readonly GoValue[], host: FunctionHost) => GoValue;

function arity(name: string, args: readonly GoValue[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw new TemplateRenderError(`wrong number of args for ${name}: want ${min === max ? min : `${min} to ${max}`} got ${args.length}`);
  }
}

function str(name: string, v: GoValue | undefined): string {
  if (typeof v !== 'string') throw new TemplateRenderError(`wrong type for value in ${name}; expected string; got ${kindOf(v ?? null)}`);
  return v;
}

function int(name: string, v: GoValue | undefined): number {
  if (typeof v !== 'bigint') throw new TemplateRenderError(`wrong type for value in ${name}; expected int; got ${kindOf(v ?? null)}`);
  return Number(v);
}

/** Sprig's strval: a string as is, anything else as `%v` prints it. */
function strval(v: GoValue): string {
  return typeof v === 'string' ? v : printValue(v);
}

/** Go's `%q` for the strings a chart quotes (JSON's escapes agree with Go's on them). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

function compare(name: string, a: GoValue | undefined, b: GoValue | undefined): number {
  const ka = kindOf(a ?? null);
  const kb = kindOf(b ?? null);
  if (ka !== kb) throw new TemplateRenderError(`error calling ${name}: incompatible types for comparison (${ka} and ${kb})`);
  if (ka === 'list' || ka === 'map') throw new TemplateRenderError(`error calling ${name}: non-comparable type ${ka}`);
  if (a === b) return 0;
  if (name !== 'eq' && name !== 'ne' && ka !== 'int' && ka !== 'float' && ka !== 'string') {
    throw new TemplateRenderError(`error calling ${name}: invalid type for comparison`);
  }
  return (a as string | number | bigint) < (b as string | number | bigint) ? -1 : 1;
}

function printf(args: readonly GoValue[]): string {
  const [format, ...rest] = args;
  let i = 0;
  return str('printf', format).replace(/%([%sdvq])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    const v = rest[i++];
    if (v === undefined) throw new TemplateRenderError(`printf: missing argument for %${verb}`);
    if (verb === 's') return str('printf %s', v);
    if (verb === 'd') return String(int('printf %d', v));
    if (verb === 'q') return goQuote(str('printf %q', v));
    return printValue(v);
  });
}

/** Go's encoding/json: map keys sorted, float64 in its shortest form. */
function toJson(v: GoValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  const map = v as Readonly<Record<string, GoValue>>;
  return `{${Object.keys(map)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${toJson(map[k] ?? null)}`)
    .join(',')}}`;
}

/** sigs.k8s.io/yaml, as Helm's toYaml: keys sorted, no trailing newline. */
function toYaml(v: GoValue): string {
  const plain = JSON.parse(toJson(v)) as unknown;
  return stringify(plain, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

function indent(spaces: number, s: string): string {
  const pad = ' '.repeat(spaces);
  return pad + s.replaceAll('\n', `\n${pad}`);
}

/** cast.ToInt, which Sprig's `int` calls: floats truncate, unparsable strings give 0. */
function toInt(v: GoValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') return /^[+-]?\d+$/.test(v) ? BigInt(v) : 0n;
  if (v === null) return 0n;
  throw new TemplateRenderError(`int: cannot convert a ${kindOf(v)}`);
}

/** Every function the renderer knows; a template calling another one fails to render. */
export const FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  include: (args, host) => {
    arity('include', args, 2);
    return host.include(str('include', args[0]), args[1] ?? null);
  },
  required: (args) => {
    arity('required', args, 2);
    const v = args[1] ?? null;
    if (v === null || v === '') throw new TemplateRenderError(str('required', args[0]));
    return v;
  },
  fail: (args) => {
    arity('fail', args, 1);
    throw new TemplateRenderError(str('fail', args[0]));
  },
  toYaml: (args) => {
    arity('toYaml', args, 1);
    return toYaml(args[0] ?? null);
  },
  toJson: (args) => {
    arity('toJson', args, 1);
    return toJson(args[0] ?? null);
  },
  sha256sum: (args) => {
    arity('sha256sum', args, 1);
    return createHash('sha256').update(str('sha256sum', args[0])).digest('hex');
  },
  indent: (args) => {
    arity('indent', args, 2);
    return indent(int('indent', args[0]), str('indent', args[1]));
  },
  nindent: (args) => {
    arity('nindent', args, 2);
    return `\n${indent(int('nindent', args[0]), str('nindent', args[1]))}`;
  },
  quote: (args) =>
    args
      .filter((v) => v !== null)
      .map((v) => goQuote(strval(v)))
      .join(' '),
  default: (args) => {
    arity('default', args, 1, 2);
    const given = args[1];
    return given === undefined || !truthy(given) ? args[0] ?? null : given;
  },
  printf: (args) => printf(args),
  trunc: (args) => {
    arity('trunc', args, 2);
    const n = int('trunc', args[0]);
    const s = str('trunc', args[1]);
    if (n < 0) return s.length + n > 0 ? s.slice(s.length + n) : s;
    return s.slice(0, n);
  },
  trimSuffix: (args) => {
    arity('trimSuffix', args, 2);
    const suffix = str('trimSuffix', args[0]);
    const s = str('trimSuffix', args[1]);
    return suffix !== '' && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
  },
  contains: (args) => {
    arity('contains', args, 2);
    return str('contains', args[1]).includes(str('contains', args[0]));
  },
  replace: (args) => {
    arity('replace', args, 3);
    return str('replace', args[2]).replaceAll(str('replace', args[0]), str('replace', args[1]));
  },
  join: (args) => {
    arity('join', args, 2);
    const list = args[1];
    if (!Array.isArray(list)) throw new TemplateRenderError(`join: expected a list, got ${kindOf(list ?? null)}`);
    return (list as readonly GoValue[])
      .filter((v) => v !== null)
      .map(strval)
      .join(str('join', args[0]));
  },
  int: (args) => {
    arity('int', args, 1);
    return toInt(args[0] ?? null);
  },
  not: (args) => {
    arity('not', args, 1);
    return !truthy(args[0] ?? null);
  },
  eq: (args) => {
    arity('eq', args, 2, Infinity);
    return args.slice(1).some((b) => compare('eq', args[0], b) === 0);
  },
  ne: (args) => {
    arity('ne', args, 2);
    return compare('ne', args[0], args[1]) !== 0;
  },
  gt: (args) => {
    arity('gt', args, 2);
    return compare('gt', args[0], args[1]) > 0;
  },
  lt: (args) => {
    arity('lt', args, 2);
    return compare('lt', args[0], args[1]) < 0;
  },
};
