/**
 * Client-supplied text made safe for a response header. Node refuses header values with control
 * or non-Latin-1 characters (it would throw, a 500), and clients cap header sizes, so values are
 * percent-encoded outside printable ASCII and lists are cut to a byte budget.
 */

/** Printable ASCII kept as is, the rest (and `%`, and any of `also`) percent-encoded as UTF-8. */
export function headerSafe(text: string, also = ''): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const keep = byte >= 0x20 && byte <= 0x7e && byte !== 0x25 && !also.includes(String.fromCharCode(byte));
    out += keep ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Default budget of one list header: well under the 8 KiB many proxies allow for all headers. */
export const HEADER_LIST_MAX_BYTES = 4096;

/** `a, b, c`, each item made safe (a `,` inside one is encoded); past `maxBytes` the rest is `... (N more)`. */
export function headerList(items: readonly string[], maxBytes = HEADER_LIST_MAX_BYTES): string {
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const item = headerSafe(items[i] ?? '', ',');
    const sep = out === '' ? '' : ', ';
    const rest = items.length - i;
    // Keep room for the summary in case a later item does not fit.
    const room = i === items.length - 1 ? 0 : `, ... (${rest - 1} more)`.length;
    if (out.length + sep.length + item.length + room > maxBytes) return `${out}${sep}... (${rest} more)`;
    out += sep + item;
  }
  return out;
}

/** An RFC 9111 `Warning` value as the Kubernetes API server sends them: `299 - "text"`. */
export function warningValue(text: string): string {
  return `299 - "${headerSafe(text).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
