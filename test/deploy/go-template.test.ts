import { describe, expect, it } from 'vitest';
import { parseTemplate, TemplateSyntaxError } from './support/go-template/parse.js';
import { renderNodes } from './support/go-template/render.js';
import { formatFloat, TemplateRenderError, type GoMap } from './support/go-template/values.js';

// The chart checks are only as good as the renderer: these pin its behaviour to Go's
// text/template and Helm's functions on the constructs the chart uses.

function render(src: string, values: GoMap = {}, defines = '', files: ReadonlyMap<string, string> = new Map()): string {
  const parsed = parseTemplate('test.tpl', defines + src);
  const root: GoMap = { Values: values, Release: { Name: 'r', Namespace: 'ns' }, Chart: { Name: 'c', AppVersion: '1.0.0' } };
  return renderNodes(parsed.nodes, root, { defines: parsed.defines, root, files });
}

describe('the test-only Go template renderer', () => {
  it('trims white space, newlines included, beside {{- and -}}', () => {
    expect(render('a \n {{- "b" -}} \n c|a {{ "b" }} c')).toBe('abc|a b c');
  });

  it('drops comments', () => {
    expect(render('a{{/* note */}}b{{- /* trimmed */}} c')).toBe('ab c');
  });

  it('takes the first true branch of if / else if / else, with Go truth for 0, "", empty lists and maps', () => {
    const t = '{{ if .Values.a }}a{{ else if .Values.b }}b{{ else }}none{{ end }}';
    expect(render(t, { a: 0, b: 'x' })).toBe('b');
    expect(render(t, { a: [], b: {} })).toBe('none');
    expect(render(t, { a: { k: 'v' }, b: '' })).toBe('a');
  });

  it('rebinds the dot in with, and renders else when the value is empty', () => {
    expect(render('{{ with .Values.m }}{{ .k }}{{ else }}empty{{ end }}', { m: { k: 'v' } })).toBe('v');
    expect(render('{{ with .Values.m }}{{ .k }}{{ else }}empty{{ end }}', { m: {} })).toBe('empty');
  });

  it('ranges over lists in order and over maps by sorted key, with else when empty', () => {
    expect(render('{{ range .Values.l }}[{{ . }}]{{ end }}', { l: ['b', 'a'] })).toBe('[b][a]');
    expect(render('{{ range .Values.m }}[{{ . }}]{{ end }}', { m: { z: '1', a: '2' } })).toBe('[2][1]');
    expect(render('{{ range .Values.l }}x{{ else }}none{{ end }}', { l: [] })).toBe('none');
  });

  it('reaches the root through $ inside with', () => {
    expect(render('{{ with .Values.m }}{{ $.Release.Name }}-{{ .k }}{{ end }}', { m: { k: 'v' } })).toBe('r-v');
  });

  it('includes defined templates with the given dot, and indents them with nindent', () => {
    const defines = '{{- define "labels" -}}\nname: {{ .Chart.Name }}\nns: {{ .Release.Namespace }}\n{{- end }}';
    expect(render('labels:{{- include "labels" . | nindent 2 }}', {}, defines)).toBe('labels:\n  name: c\n  ns: ns');
  });

  it('prints float64 values as Go does, so a large number from values.yaml needs int before quote', () => {
    expect(render('{{ .Values.n | quote }} {{ .Values.n | int | quote }}', { n: 1000000 })).toBe('"1e+06" "1000000"');
  });

  it('formats float64 with Go %v: plain below 1e6, exponent from there', () => {
    expect([100000, 1234567, 0.5, 0.00001, 2.1, 9090].map(formatFloat)).toEqual(['100000', '1.234567e+06', '0.5', '1e-05', '2.1', '9090']);
  });

  it('refuses to compare a float64 value with an int literal, as Go does', () => {
    expect(() => render('{{ if gt .Values.n 1 }}many{{ end }}', { n: 2 })).toThrow('error calling gt: incompatible types for comparison (float and int)');
    expect(render('{{ if gt (int .Values.n) 1 }}many{{ end }}', { n: 2 })).toBe('many');
  });

  it('fails on a value missing from the values, where Helm would print nothing', () => {
    expect(() => render('{{ .Values.a.b }}', { a: {} })).toThrow('.Values.a.b is not defined: every value a template reads must be in values.yaml');
  });

  it('fails on printing a map without toYaml', () => {
    expect(() => render('{{ .Values.m }}', { m: { k: 'v' } })).toThrow(TemplateRenderError);
  });

  it('fails required on an empty string with its message, and fail always', () => {
    expect(() => render('{{ required "x is required" .Values.x }}', { x: '' })).toThrow('x is required');
    expect(render('{{ required "x is required" .Values.x }}', { x: 'set' })).toBe('set');
    expect(() => render('{{ fail "no" }}')).toThrow('no');
  });

  it('short-circuits and / or, returning the deciding value', () => {
    expect(render('{{ and .Values.f (fail "evaluated") }}|{{ or .Values.s "other" }}', { f: false, s: 'first' })).toBe('false|first');
  });

  it('renders toYaml with sorted keys and no trailing newline, toJson with sorted keys', () => {
    expect(render('{{ toYaml .Values.m }}|{{ toJson .Values.m }}', { m: { b: 1, a: ['x'] } })).toBe('a:\n  - x\nb: 1|{"a":["x"],"b":1}');
  });

  it('applies default, trunc, trimSuffix, contains, replace, join and printf as Sprig does', () => {
    expect(render('{{ .Values.e | default "d" }} {{ .Values.s | default "d" }}', { e: '', s: 's' })).toBe('d s');
    expect(render('{{ "abcdef-" | trunc 7 | trimSuffix "-" }} {{ contains "b" "abc" }} {{ "1+2" | replace "+" "_" }}')).toBe('abcdef true 1_2');
    expect(render('{{ join "," .Values.l }} {{ printf "%s-%s" "a" "b" }}', { l: ['x', 'y'] })).toBe('x,y a-b');
  });

  it('rejects syntax outside the supported subset instead of rendering it differently', () => {
    expect(() => parseTemplate('t', '{{ $x := 1 }}')).toThrow(TemplateSyntaxError);
    expect(() => parseTemplate('t', '{{ template "x" . }}')).toThrow('"template" is outside the supported subset');
    expect(() => parseTemplate('t', '{{ if .a }}open')).toThrow('if is not closed by end');
  });

  it('reads a chart file with .Files.Get, from the root or through $, as text the template does not evaluate', () => {
    const files = new Map([['monitoring/rules.yaml', 'groups:\n  - name: a # {{ $labels.x }}']]);
    expect(render('spec:{{- .Files.Get "monitoring/rules.yaml" | nindent 2 }}', {}, '', files)).toBe('spec:\n  groups:\n    - name: a # {{ $labels.x }}');
    expect(render('{{ with .Values.m }}{{ $.Files.Get "monitoring/rules.yaml" | replace "a" "b" }}{{ end }}', { m: { k: 'v' } }, '', files)).toBe('groups:\n  - nbme: b # {{ $lbbels.x }}');
  });

  it('fails .Files.Get on a file the chart lacks (Helm prints nothing), and inside with where . is not the root', () => {
    expect(() => render('{{ .Files.Get "missing.yaml" }}')).toThrow('.Files.Get: the chart has no file "missing.yaml"');
    expect(() => render('{{ with .Values.m }}{{ .Files.Get "x" }}{{ end }}', { m: { k: 'v' } })).toThrow("can't give an argument to a non-function (field)");
  });

  it('fails on a function outside the subset', () => {
    expect(() => render('{{ upper "a" }}')).toThrow('function "upper" is not in the renderer\'s subset');
  });
});
