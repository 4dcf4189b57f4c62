/**
 * The nesting limit of every JSON body, checked on the text before it is parsed or validated
 * (and of every YAML document, checked on its syntax tree before it is composed, and on the value
 * it reads as: predict/yaml-nesting.ts).
 *
 * `JSON.parse` copes with deep nesting, but whatever walks the value afterwards (a validator, an
 * error message, a serialiser) may recurse once per level. No body this server reads needs more
 * than a few levels (a report is 3, a Kubernetes manifest rarely 20, a CRD's schema perhaps 40),
 * so a body nested deeper is refused before anything walks it. The scan is one pass over the
 * text, skipping strings, and keeps one counter: no allocation, no recursion.
 */

/** Levels of arrays and objects a JSON body may nest. */
export const MAX_JSON_DEPTH = 100;

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether the JSON text nests arrays and objects deeper than `max` levels (malformed text is scanned as far as it goes). */
export function nestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/** The refusal, worded once for every route (each puts it in its own envelope). */
export const TOO_DEEP_MESSAGE = `the body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; send at most ${MAX_JSON_DEPTH} levels`;

/** Whether a parsed value (a YAML document's) nests arrays and objects deeper than `max` levels; walked with an explicit stack. */
export function valueNestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: { readonly v: unknown; readonly depth: number }[] = [{ v: value, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (typeof top.v !== 'object' || top.v === null) continue;
    const depth = top.depth + 1;
    if (depth > max) return true;
    for (const child of Array.isArray(top.v) ? top.v : Object.values(top.v)) {
      if (typeof child === 'object' && child !== null) stack.push({ v: child, depth });
    }
  }
  return false;
}
