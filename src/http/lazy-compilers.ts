import { createRequire } from 'node:module';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { BuildCompilerFromPool } from '@fastify/ajv-compiler';
import type { FastifySchemaValidationError, FastifyServerOptions } from 'fastify';

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

// @fastify/ajv-compiler (and Ajv with it, about 90 modules) is required when the first validator
// is compiled, as Fastify itself requires it, synchronously: validation cannot wait for an import.
const require = createRequire(import.meta.url);
const ajvCompiler = (): typeof import('@fastify/ajv-compiler') => require('@fastify/ajv-compiler') as typeof import('@fastify/ajv-compiler');

/**
 * Fastify's own compilers, the same code and the same output, each run when its route first needs
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
    const compile = SerializerSelector()(externalSchemas, options);
    return (route) => {
      const get = this.#onFirstUse((): Serializer => compile(route));
      return (data: unknown) => get()(data);
    };
  };

  readonly validators: BuildCompilerFromPool = (externalSchemas, options) => {
    let compiler: ((route: RouteSchema) => Validator) | undefined;
    const compile = (route: RouteSchema): Validator => {
      compiler ??= ajvCompiler()()(externalSchemas, options) as unknown as (route: RouteSchema) => Validator;
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
