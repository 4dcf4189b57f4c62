import { readFile } from 'node:fs/promises';
import { compileErrors, validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generateOpenApi, OPENAPI_FILES } from '../../scripts/openapi-document.js';
import { loadConfig } from '../../src/config.js';
import type { RenderedOpenApi } from '../../src/http/openapi.js';
import { startServer } from '../../src/server.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface Operation {
  operationId?: string;
  summary?: string;
  responses: Record<string, { description: string; content?: Record<string, { schema?: JsonObject; example?: Json; examples?: Record<string, { value: Json }> }> }>;
  requestBody?: { content: Record<string, { schema?: JsonObject; example?: Json }> };
  parameters?: { name: string; in: string; schema: JsonObject; example?: Json; examples?: Record<string, { value: Json }> }[];
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonObject> };
}

const RUN = 'run `npm run openapi` and commit openapi/';

let generated: RenderedOpenApi;
let doc: Document;
beforeAll(async () => {
  generated = await generateOpenApi();
  doc = JSON.parse(generated.json) as Document;
});

const root = new URL('../../', import.meta.url);
const operations = (): [string, string, Operation][] => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]): [string, string, Operation] => [method, path, op]));

describe('the checked-in OpenAPI document', () => {
  it('is what the code generates (JSON)', async () => {
    const checkedIn = await readFile(new URL(OPENAPI_FILES.json, root), 'utf8').catch(() => '(missing)');
    expect(checkedIn === generated.json, `openapi/openapi.json differs from what the routes' schemas describe: ${RUN}`).toBe(true);
  });

  it('is what the code generates (YAML)', async () => {
    const checkedIn = await readFile(new URL(OPENAPI_FILES.yaml, root), 'utf8').catch(() => '(missing)');
    expect(checkedIn === generated.yaml, `openapi/openapi.yaml differs from what the routes' schemas describe: ${RUN}`).toBe(true);
  });

  it('says the same in YAML as in JSON', () => {
    expect(parseYaml(generated.yaml)).toEqual(doc);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(JSON.parse(generated.json) as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });
});

describe('the document', () => {
  it('describes every route of the server', () => {
    const routes = operations().map(([method, path]) => `${method.toUpperCase()} ${path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /readyz',
        'GET /model/etl/log',
        'GET /model/audit/events',
        'POST /model/prediction/speccost',
        'GET /metrics',
        'GET /openapi.json',
        'GET /openapi.yaml',
      ]),
    );
  });

  it('gives every operation a summary, an operationId and its error responses', () => {
    for (const [method, path, op] of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.summary, `${where} has no summary`).toBeTruthy();
      expect(op.operationId, `${where} has no operationId`).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(Object.keys(op.responses).some((s) => Number(s) >= 400), `${where} declares no error response`).toBe(true);
      for (const [status, response] of Object.entries(op.responses)) {
        expect(response.description, `${where} ${status}`).not.toBe('Default Response');
        // A 304 has no body, by definition.
        if (status === '304') expect(response.content, `${where} 304 has content`).toBeUndefined();
        else expect(response.content, `${where} ${status} has no content`).toBeDefined();
      }
    }
  });

  it('has unique operationIds', () => {
    const ids = operations().map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('makes the shared schemas components and refers to them there', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['ErrorEnvelope', 'EtlEvent', 'AuditEvent']));
    expect(Object.keys(doc.components.schemas).filter((k) => k.startsWith('def-'))).toEqual([]);
    const refs = [...generated.json.matchAll(/"\$ref": "([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
  });

  it('describes errors in the Kubecost envelope, as JSON even where the success is text', () => {
    const metrics = doc.paths['/metrics']?.['get'];
    expect(metrics?.responses['200']?.content).toHaveProperty(['text/plain']);
    expect(metrics?.responses['500']?.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } });
    expect(doc.paths['/model/etl/log']?.['get']?.responses['400']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
  });

  it('shows the parameters with what they accept', () => {
    const params = doc.paths['/model/audit/events']?.['get']?.parameters ?? [];
    expect(params.map((p) => p.name)).toEqual(['count', 'filterNamespaces', 'filterEventTypes', 'filterResourceTypes', 'filterTotalCostLowerBound', 'filterTotalCostUpperBound', 'filterClusters', 'filterChangedBy', 'filterSources', 'realized', 'filterPredictionOff']);
    expect(params[0]).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, 'x-accepts': 'a positive integer (at most 9007199254740991)' }, example: 10 });
  });

  it('lists the ETL kinds as one enum', () => {
    expect(doc.components.schemas['EtlEvent']?.['properties']).toMatchObject({ kind: { type: 'string', enum: expect.arrayContaining(['AllocationSetSaved', 'AssetSetReconcileError']) as unknown } });
  });

  it('carries the Kubecost documentation examples', () => {
    const etl = doc.paths['/model/etl/log']?.['get']?.responses['200']?.content?.['application/json']?.example as { data: { allocation: { time: string }[]; counters: Record<string, number> } };
    expect(etl.data.allocation[2]?.time).toBe('2022-06-03T17:07:54.092619416Z');
    expect(etl.data.counters['AllocationSetSaved']).toBe(8240);
    const audit = doc.paths['/model/audit/events']?.['get']?.responses['200']?.content?.['application/json']?.example as { data: { properties: { name: string }; costPrediction: { totalMonthlyRate: number } }[] };
    expect(audit.data[0]?.properties.name).toBe('sample-deployment');
    expect(audit.data[0]?.costPrediction.totalMonthlyRate).toBe(2.4045625000000004);
  });

  it('has only examples that validate against their schemas', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...(doc as unknown as JsonObject), $id: 'doc' });
    const failures: string[] = [];
    let checked = 0;
    const check = (pointer: string, example: Json) => {
      const validator = ajv.compile({ $ref: `doc#${pointer}` });
      checked++;
      if (!validator(example)) failures.push(`${pointer}: ${ajv.errorsText(validator.errors)}`);
    };
    const walk = (node: Json, pointer: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${pointer}/${i}`));
      if (typeof node !== 'object' || node === null) return;
      const schemaPointer = `${pointer}/schema`;
      // A media type or parameter: its example(s) against its schema.
      if (typeof node['schema'] === 'object' && node['schema'] !== null) {
        if (node['example'] !== undefined) check(schemaPointer, node['example']);
        const named = node['examples'];
        if (typeof named === 'object' && named !== null && !Array.isArray(named)) {
          for (const e of Object.values(named)) if (typeof e === 'object' && e !== null && !Array.isArray(e) && e['value'] !== undefined) check(schemaPointer, e['value']);
        }
      }
      // A schema: its examples against itself.
      if (Array.isArray(node['examples']) && (node['type'] !== undefined || node['properties'] !== undefined)) {
        for (const e of node['examples']) check(pointer, e);
      }
      for (const [k, v] of Object.entries(node)) if (k !== 'examples' && k !== 'example') walk(v, `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    };
    walk(doc as unknown as JsonObject, '');
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });
});

describe('the served document', () => {
  it('is the checked-in one, byte for byte, in JSON and YAML', async () => {
    const r = loadConfig({ HOST: '127.0.0.1', PORT: '0', STORAGE_URL: 'memory:', COST_EVENTS_AUDIT_ENABLED: 'true' });
    if (r.help) throw new Error('unexpected help');
    const server = await startServer(r.config, { env: {}, serviceAccountDir: '/nonexistent' });
    try {
      const json = await server.app.inject('/openapi.json');
      expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(json.payload).toBe(generated.json);
      const yaml = await server.app.inject('/openapi.yaml');
      expect(yaml.headers['content-type']).toBe('application/yaml; charset=utf-8');
      expect(yaml.payload).toBe(generated.yaml);
    } finally {
      await server.close();
    }
  });
});
