import { Type, type TInteger } from '@sinclair/typebox';

/**
 * A `count` query parameter: a positive integer, at most the largest integer a JSON number holds
 * exactly. Past that a count means nothing more than "all" and the SQL backends cannot bind it
 * (a 64-bit LIMIT), so it is a 400 rather than a storage error.
 */
export function CountSchema(description: string): TInteger {
  return Type.Integer({
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description,
    'x-accepts': `a positive integer (at most ${Number.MAX_SAFE_INTEGER})`,
    examples: [10],
  });
}
