/**
 * A response schema as the serializer needs it, with the unions that only say "or null" or "one of
 * these strings" written as fast-json-stringify serializes them without a validator.
 *
 * fast-json-stringify serializes an `anyOf` by running an Ajv validator of each branch on the
 * value until one matches, so a schema with unions brings Ajv's compiler into the first answer
 * (GET /model/etl/status, whose 21 unions are all of these two kinds, spent about 140 ms of its
 * first request compiling them) and runs a validator per union on every answer. Two kinds of
 * union print the same JSON for every value they accept whichever branch is taken:
 * - `X` or `null` (TypeBox's `Union([X, Null()])`): `X` with `nullable: true`, which prints `null`
 *   for null and the value as `X` otherwise;
 * - string constants (`Union([Literal('a'), Literal('b')])`): a string, which prints the value,
 *   as the matching branch's constant would.
 * Only a value the schema does not accept is printed differently: it is no longer refused with a
 * 500 by the serializer but printed as the type says. The routes' answers are typed by these same
 * schemas (`Static<typeof …>`), so the compiler has refused such values already.
 *
 * The schema given is not changed (the OpenAPI document is made from it); unions of any other
 * shape, and branches with `$ref` or `$id`, are left as they are.
 */
export function serializerSchema<T>(schema: T): T {
  return rewrite(schema) as T;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function rewrite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewrite);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) out[k] = rewrite(v);
  const branches = out['anyOf'];
  if (!Array.isArray(branches)) return out;
  return nullableOf(out, branches) ?? stringOf(out, branches) ?? out;
}

/** Keywords of the union itself besides `anyOf` (a description, an example). */
function siblings(union: Json): Json {
  const { anyOf: _, ...rest } = union;
  return rest;
}

/** `anyOf: [X, null]` (in either order) as X, nullable; undefined when the union is not of that shape. */
function nullableOf(union: Json, branches: readonly unknown[]): Json | undefined {
  if (branches.length !== 2) return undefined;
  const nullAt = branches.findIndex((b) => isObject(b) && b['type'] === 'null' && Object.keys(b).every((k) => k === 'type' || k === 'description'));
  if (nullAt === -1) return undefined;
  const other = branches[1 - nullAt];
  if (!isObject(other) || typeof other['type'] !== 'string' || other['type'] === 'null') return undefined;
  if ('$ref' in other || '$id' in other || 'anyOf' in other || 'oneOf' in other || 'allOf' in other || 'const' in other) return undefined;
  return { ...other, ...siblings(union), nullable: true };
}

/** `anyOf` of string constants as a string; undefined when a branch is anything else. */
function stringOf(union: Json, branches: readonly unknown[]): Json | undefined {
  if (branches.length === 0) return undefined;
  const allStrings = branches.every((b) => isObject(b) && typeof b['const'] === 'string' && Object.keys(b).every((k) => k === 'const' || k === 'type' || k === 'description'));
  return allStrings ? { ...siblings(union), type: 'string' } : undefined;
}
