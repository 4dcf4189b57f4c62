/**
 * The one way an error message quotes a value a client sent: a bounded preview of its JSON.
 *
 * A client controls the value, so quoting it must cost little whatever it is: a 4 MB string, an
 * object of 100,000 keys or an array nested 50,000 deep. `JSON.stringify` would copy all of it and
 * recurse once per level (a stack overflow, hence a 500, past a few thousand levels). This walks
 * the value with an explicit stack and stops as soon as the preview is full, so it reads at most
 * about `max` characters' worth of the value and never recurses.
 */

/** Characters of a value an error message quotes, unless told otherwise. */
export const QUOTED_CHARACTERS = 80;

type Frame = { readonly kind: 'array'; readonly items: readonly unknown[]; next: number } | { readonly kind: 'object'; readonly entries: Iterator<[string, unknown]>; first: boolean };

/** JSON of a scalar, at most about `room` characters of it (a long string is cut before it is escaped). */
function scalar(value: unknown, room: number): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, room + 1));
  // Not JSON's `null` for NaN and ±Infinity: a query parameter coerced to one was sent as its name.
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return 'null';
}

/** The first characters of the value's JSON, stopping once past `max`. */
function preview(value: unknown, max: number): string {
  let out = '';
  const stack: Frame[] = [];
  const open = (v: unknown): void => {
    if (Array.isArray(v)) {
      out += '[';
      stack.push({ kind: 'array', items: v, next: 0 });
    } else if (typeof v === 'object' && v !== null) {
      out += '{';
      stack.push({ kind: 'object', entries: Object.entries(v)[Symbol.iterator](), first: true });
    } else {
      out += scalar(v, max - out.length);
    }
  };
  open(value);
  for (let top = stack.at(-1); top !== undefined && out.length <= max; top = stack.at(-1)) {
    if (top.kind === 'array') {
      if (top.next >= top.items.length) {
        out += ']';
        stack.pop();
        continue;
      }
      if (top.next > 0) out += ',';
      open(top.items[top.next++]);
      continue;
    }
    const step = top.entries.next();
    if (step.done === true) {
      out += '}';
      stack.pop();
      continue;
    }
    if (!top.first) out += ',';
    top.first = false;
    const [key, v] = step.value;
    out += `${scalar(key, max - out.length)}:`;
    open(v);
  }
  return out;
}

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** How big a value that did not fit is, cheaply: a string's JSON length, a container's item or key count. */
function size(value: unknown): string {
  if (typeof value === 'string') return `${JSON.stringify(value).length} characters`;
  if (Array.isArray(value)) return `an array of ${count(value.length, 'item')}`;
  if (typeof value === 'object' && value !== null) return `an object of ${count(Object.keys(value).length, 'key')}`;
  return 'cut';
}

/**
 * The value as JSON when that is at most `max` characters; else its first `max` characters, `…`
 * and its size: `"xxxx…" (5002 characters)`, `[[[[…] (an array of 1 item)`.
 */
export function quoteValue(value: unknown, max = QUOTED_CHARACTERS): string {
  const text = preview(value, max);
  return text.length <= max ? text : `${text.slice(0, max)}… (${size(value)})`;
}

/** How much of a path a message repeats: enough for any route of this server, never the 16 KiB Node lets through. */
export const CLIPPED_PATH_CHARACTERS = 200;

/**
 * A client's text repeated in a message as it is (a path, a framework error naming one), cut to
 * `max` characters with its length said: `/model/xxxx… (10020 characters)`.
 */
export function clipText(text: string, max = CLIPPED_PATH_CHARACTERS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/**
 * Which of a query value's two forms an error message quotes: as sent (`"00"`, `"99999999999999999999"`)
 * when converting it to the number or boolean the schema asks for changed it (`0`, `1e20`), else as converted.
 */
export function queryValueToQuote(converted: unknown, sent: unknown): unknown {
  const asText = typeof converted === 'number' || typeof converted === 'boolean' ? String(converted) : undefined;
  return typeof sent === 'string' && asText !== undefined && asText !== sent ? sent : converted;
}
