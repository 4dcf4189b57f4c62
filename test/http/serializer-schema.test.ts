import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LazyCompilers } from '../../src/http/lazy-compilers.js';
import { serializerSchema } from '../../src/http/serializer-schema.js';
import { startServer } from '../../src/server.js';
import { mulberry32 } from '../support/seeded-random.js';

type Json = Record<string, unknown>;
type Serializer = (data: unknown) => string;

const compile = (schema: unknown, external: Json = {}): Serializer =>
  SerializerSelector()(external, {})({ schema, method: 'GET', url: '/', httpStatus: '200' }) as Serializer;

describe('serializerSchema', () => {
  it('writes "X or null" as X, nullable, and a union of string constants as a string', () => {
    const schema = Type.Object({
      at: Type.Union([Type.String(), Type.Null()], { description: 'when' }),
      coverage: Type.Union([Type.Null(), Type.Object({ from: Type.String() })]),
      state: Type.Union([Type.Literal('queued'), Type.Literal('running')]),
    });
    expect(serializerSchema(schema)).toEqual({
      type: 'object',
      required: ['at', 'coverage', 'state'],
      properties: {
        at: { type: 'string', description: 'when', nullable: true },
        coverage: { type: 'object', required: ['from'], properties: { from: { type: 'string' } }, nullable: true },
        state: { type: 'string' },
      },
    });
  });

  it('leaves other unions, references and the schema it was given as they are', () => {
    const numberOrString = Type.Union([Type.Number(), Type.String()]);
    const refOrNull = Type.Union([Type.Unsafe({ $ref: 'Other#' }), Type.Null()]);
    const mixedConsts = Type.Union([Type.Literal('a'), Type.Literal(1)]);
    const schema = Type.Object({ numberOrString, refOrNull, mixedConsts, nested: Type.Union([Type.Union([Type.String(), Type.Number()]), Type.Null()]) });
    const before = JSON.stringify(schema);
    const out = serializerSchema(schema) as { properties: Json };
    expect(out.properties['numberOrString']).toEqual(JSON.parse(JSON.stringify(numberOrString)));
    expect(out.properties['refOrNull']).toEqual(JSON.parse(JSON.stringify(refOrNull)));
    expect(out.properties['mixedConsts']).toEqual(JSON.parse(JSON.stringify(mixedConsts)));
    expect((out.properties['nested'] as Json)['anyOf']).toBeDefined();
    expect(JSON.stringify(schema)).toBe(before);
  });

  it('prints what Fastify’s own serializer prints, for every response schema of the full server and values each accepts', async () => {
    const r = loadConfig({ HOST: '127.0.0.1', PORT: '0', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true' });
    if (r.help) throw new Error('unexpected help');
    // The schemas every route hands its serializer factory, as Fastify hands them.
    const seen: { schema: unknown; external: Json }[] = [];
    const compilers = new LazyCompilers();
    const factory = compilers.serializers;
    const recording: LazyCompilers['serializers'] = (external, options) => {
      const forRoute = factory(external, options);
      return (route) => {
        seen.push({ schema: route.schema, external: external as Json });
        return forRoute(route);
      };
    };
    Object.defineProperty(compilers, 'serializers', { value: recording });
    const server = await startServer(r.config, { env: {}, serviceAccountDir: '/nonexistent', compilers });
    await server.close();
    const unique = [...new Map(seen.map((s) => [JSON.stringify(s.schema), s])).values()];
    expect(unique.length).toBeGreaterThan(20);

    const random = mulberry32(19);
    const ajv = new Ajv({ strict: false });
    addFormats.default(ajv);
    let compared = 0;
    let rewrittenSchemas = 0;
    for (const { schema, external } of unique) {
      const rewritten = serializerSchema(schema);
      if (JSON.stringify(rewritten) === JSON.stringify(schema)) continue;
      rewrittenSchemas++;
      for (const s of Object.values(external)) if (typeof s === 'object' && s !== null && '$id' in s && ajv.getSchema(String(s.$id)) === undefined) ajv.addSchema(s as Json);
      const accepts = ajv.compile(schema as Json);
      const ours = compile(rewritten, serializerSchema(external));
      const fastify = compile(schema, external);
      const lookup = (ref: string): unknown => external[ref.replace(/#$/, '')];
      for (let i = 0; i < 60; i++) {
        const value = sample(schema, lookup, random, 0);
        if (!accepts(value)) continue;
        expect(ours(value)).toBe(fastify(value));
        compared++;
      }
    }
    expect(rewrittenSchemas).toBeGreaterThan(5);
    expect(compared).toBeGreaterThan(rewrittenSchemas * 20);
  });
});

/** A string of each format the schemas use, so values with formats are accepted too (Fastify's serializer checks formats when it picks a union's branch). */
const FORMATTED: Readonly<Record<string, string>> = { 'date-time': '2024-05-03T08:00:00.123Z', date: '2024-05-03', uri: 'https://example.com/hook', uuid: '6b0b5a2e-5a4d-4c1e-9a3e-2f0c1d8e7b61' };

/** A value of `schema`, mostly one it accepts: each union's branch, each optional property, each null drawn at random. */
function sample(schema: unknown, lookup: (ref: string) => unknown, random: () => number, depth: number): unknown {
  if (typeof schema !== 'object' || schema === null) return null;
  const s = schema as Json;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  if (typeof s['$ref'] === 'string') return sample(lookup(s['$ref']), lookup, random, depth + 1);
  if (Array.isArray(s['anyOf'])) return sample(pick(s['anyOf']), lookup, random, depth + 1);
  if ('const' in s) return s['const'];
  if (Array.isArray(s['enum'])) return pick(s['enum']);
  switch (s['type']) {
    case 'null':
      return null;
    case 'boolean':
      return random() < 0.5;
    case 'integer':
      return Math.floor(random() * 1000) + (typeof s['minimum'] === 'number' ? s['minimum'] : 0);
    case 'number':
      return pick([0, 1.5, 2.4045625000000004, 1e-12, -3.25, 123456789.125]);
    case 'string':
      if (typeof s['format'] === 'string') return FORMATTED[s['format']] ?? '';
      return pick(['', 'web', 'kube-system/ünïcode "quoted" \\ back', '2024-05-03T08:00:00Z', '1d', 'ev1677592724552rOruZHcKZ']);
    case 'array': {
      const n = depth > 6 ? 0 : Math.floor(random() * 3);
      return Array.from({ length: n }, () => sample(s['items'], lookup, random, depth + 1));
    }
    case 'object': {
      const out: Json = {};
      const required = new Set(Array.isArray(s['required']) ? (s['required'] as string[]) : []);
      for (const [k, v] of Object.entries((s['properties'] as Json | undefined) ?? {})) {
        if (required.has(k) || (depth < 6 && random() < 0.6)) out[k] = sample(v, lookup, random, depth + 1);
      }
      const patterns = Object.values((s['patternProperties'] as Json | undefined) ?? {});
      if (patterns.length > 0 && depth < 6) for (let i = 0; i < 2; i++) out[`key-${i}`] = sample(patterns[0], lookup, random, depth + 1);
      const extra = s['additionalProperties'];
      if (typeof extra === 'object' && extra !== null && depth < 6 && random() < 0.5) out['extra'] = sample(extra, lookup, random, depth + 1);
      return out;
    }
    default:
      return null;
  }
}
