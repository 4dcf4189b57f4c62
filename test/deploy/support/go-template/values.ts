/**
 * Values as the chart's templates see them, with Go's types: a number read from a values file is
 * a float64 (Helm decodes YAML through JSON), a number written in a template or returned by `int`
 * is an int (here a bigint). The difference shows in output: Go prints the float64 1000000 as
 * `1e+06`, which is why the chart pipes numbers through `int` before quoting them.
 */

/** A value inside the renderer. */
export type GoValue = string | number | bigint | boolean | null | readonly GoValue[] | { readonly [key: string]: GoValue };

/** A map value. */
export type GoMap = { readonly [key: string]: GoValue };

/** An error raised while rendering: a failed `required`/`fail`, or what Go would refuse. */
export class TemplateRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateRenderError';
  }
}

export function isMap(v: GoValue | undefined): v is GoMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's truth: false, 0, nil, the empty string and empty collections are false. */
export function truthy(v: GoValue): boolean {
  if (v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  return v === true;
}

/** Go's basic kind of a value, as text/template compares them. */
export function kindOf(v: GoValue): 'nil' | 'bool' | 'int' | 'float' | 'string' | 'list' | 'map' {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'list';
  if (isMap(v)) return 'map';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  return 'bool';
}

/**
 * A float64 as Go's `%v` prints it: `strconv.FormatFloat(f, 'g', -1, 64)`, whose shortest form
 * takes an exponent when the decimal exponent is below -4 or at least 6, so 1000000 is `1e+06`.
 */
export function formatFloat(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return '0';
  const [mantissa = '', exponent = '0'] = f.toExponential().split('e');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(f);
}

/** A value printed into the output, as `{{ . }}` prints it (nil prints nothing, as Helm leaves it). */
export function printValue(v: GoValue): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return formatFloat(v);
  throw new TemplateRenderError(`a ${kindOf(v)} was printed directly; Helm would print Go's map[…]/[…] form: use toYaml or toJson`);
}
