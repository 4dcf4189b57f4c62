import type { TSchema } from '@sinclair/typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * What is wrong with `body` (a route's real answer, parsed) against its response schema, the
 * shared schemas the app registered (`EtlEvent`, `AuditEvent`, …) resolving its `$ref`s; empty
 * when it is valid. Pre-rendered answers skip Fastify's serialiser, so only this checks them.
 */
export function schemaErrors(app: FastifyInstance, schema: TSchema, body: unknown): string {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  for (const shared of Object.values(app.getSchemas())) ajv.addSchema(shared as object);
  const validate = ajv.compile(schema);
  return validate(body) ? '' : ajv.errorsText(validate.errors);
}
