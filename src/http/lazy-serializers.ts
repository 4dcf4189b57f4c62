import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type SerializerFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']>;
type Serializer = (data: unknown) => string;

/**
 * Fastify's own response serializers (fast-json-stringify, the same code, the same bytes), each
 * compiled when its route first answers with that status instead of at start. Compiling every
 * route's schemas at start held about 15–20 MB of generated code and schema copies for answers
 * most servers never give (most error statuses, routes nobody calls), and took most of the
 * start's CPU. What is compiled stays compiled: the work is bounded by the routes' schemas.
 *
 * `compileAll()` compiles what is still waiting, so a test sees a schema that cannot compile
 * without having to provoke every status of every route.
 */
export class LazySerializers {
  readonly #waiting = new Set<() => Serializer>();

  readonly factory: SerializerFactory = (externalSchemas, options) => {
    const compile = SerializerSelector()(externalSchemas, options);
    return (route) => {
      let compiled: Serializer | undefined;
      const get = (): Serializer => {
        if (compiled === undefined) {
          compiled = compile(route);
          this.#waiting.delete(get);
        }
        return compiled;
      };
      this.#waiting.add(get);
      return (data: unknown) => get()(data);
    };
  };

  /** Compiles every serializer not compiled yet; returns how many (a schema that cannot compile throws). */
  compileAll(): number {
    const waiting = [...this.#waiting];
    for (const get of waiting) get();
    return waiting.length;
  }
}
