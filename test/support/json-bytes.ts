import type { JsonBytes } from '../../src/etl/json-writer.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Rendered bytes as text, for comparing with a string renderer's answer: decoding fails on bytes
 * that are not UTF-8, so equal text means the same bytes the string's `Buffer.from` would send
 * (none of the answers holds a lone surrogate: JSON.stringify escapes them).
 */
export function jsonText(bytes: JsonBytes): string {
  return utf8.decode(Buffer.concat(bytes));
}
