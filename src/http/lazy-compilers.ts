import { createRequire } from 'node:module';
import type { BuildCompilerFromPool } from '@fastify/ajv-compiler';
import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify';
import { serializerSchema } from './serializer-schema.js';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;
type Serializer = (data: unknown) => string;

/** What Fastify calls and reads of a validator (its lib/validation.js): Ajv's validate function. */
interface Validator {
  (data: unknown, context?: unknown): unknown;
  readonly errors?: FastifySchemaValidationError[] | null;
  /** Ajv's compiled schema; Fastify passes the request as the parent of the data when it is set. */
  readonly schemaEnv?: unknown;
}
interface RouteSchema {
  readonly schema: unknown;
  readonly httpPart?: string;
}

// The compilers are required when the first serializer or validator is compiled, as Fastify itself
// requires its defaults, synchronously (an answer or a validation cannot wait for an import):
// fast-json-stringify and @fastify/ajv-compiler bring Ajv and about 90 modules with them.
const require = createRequire(import.meta.url);
type SerializerCompilers = typeof import('@fastify/fast-json-stringify-compiler');
type ValidatorCompilers = typeof import('@fastify/ajv-compiler');
const serializerCompilers = (): SerializerCompilers => require('@fastify/fast-json-stringify-compiler') as SerializerCompilers;
const validatorCompilers = (): ValidatorCompilers => require('@fastify/ajv-compiler') as ValidatorCompilers;

/**
 * Fastify's own compilers, the same code and the same output (a response schema's plain unions
 * written as the serializer prints them without Ajv, serializer-schema.ts), each run when its route first needs
 * it instead of at start: a response serializer (fast-json-stringify) at the route's first answer
 * with that status, a request validator (Ajv, with the server's `ajv` options) at the first
 * request whose part it checks. Compiling every route's schemas at start held 15–20 MB of
 * generated code and schema copies for answers most servers never give and routes nobody calls,
 * took most of the start's CPU, and its garbage grew the heap V8 keeps. What is compiled stays
 * compiled: the work is bounded by the routes' schemas.
 *
 * Fastify does not lower-case the property names of a header schema when the validator factory
 * is not its own, so a route that validates headers is refused at registration.
 *
 * `compileAll()` compiles what is still waiting, so a test sees a schema that cannot compile
 * without having to provoke every status and every request part of every route.
 */
export class LazyCompilers {
  readonly #waiting = new Set<() => unknown>();

  /** Compiles `compile` at the first call of what it returns, once. */
  #onFirstUse<T>(compile: () => T): () => T {
    let compiled: T | undefined;
    const get = (): T => {
      if (compiled === undefined) {
        compiled = compile();
        this.#waiting.delete(get);
      }
      return compiled;
    };
    this.#waiting.add(get);
    return get;
  }

  readonly serializers: SerializerFactory = (externalSchemas, options) => {
    let compiler: ReturnType<SerializerFactory> | undefined;
    const compile: ReturnType<SerializerFactory> = (route) => {
      compiler ??= serializerCompilers().SerializerSelector()(serializerSchema(externalSchemas), options);
      return compiler({ ...route, schema: serializerSchema(route.schema) });
    };
    return (route) => {
      const get = this.#onFirstUse((): Serializer => compile(route));
      return (data: unknown) => get()(data);
    };
  };

  /** Fastify's default: one pool of Ajv instances for the server, one per set of shared schemas and options. */
  #ajvPool: BuildCompilerFromPool | undefined;

  readonly validators: BuildCompilerFromPool = (externalSchemas, options) => {
    let compiler: ((route: RouteSchema) => Validator) | undefined;
    const compile = (route: RouteSchema): Validator => {
      this.#ajvPool ??= validatorCompilers()();
      compiler ??= this.#ajvPool(externalSchemas, options) as unknown as (route: RouteSchema) => Validator;
      return compiler(route);
    };
    const forRoute = (route: RouteSchema): Validator => {
      if (route.httpPart === 'headers') throw new Error('header schemas are not supported: their names would not be lower-cased (lazy-compilers.ts)');
      const get = this.#onFirstUse(() => compile(route));
      const validate = (data: unknown, context?: unknown): unknown => get()(data, context);
      Object.defineProperties(validate, {
        errors: { get: () => get().errors },
        schemaEnv: { get: () => get().schemaEnv },
      });
      return validate;
    };
    // Fastify's type says the factory returns Ajv's compile (schema in, function out); it is
    // called with the route's schema definition, as above.
    return forRoute as unknown as ReturnType<BuildCompilerFromPool>;
  };

  /** Compiles every serializer and validator not compiled yet; returns how many (a schema that cannot compile throws). */
  compileAll(): number {
    const waiting = [...this.#waiting];
    for (const get of waiting) get();
    return waiting.length;
  }
}
