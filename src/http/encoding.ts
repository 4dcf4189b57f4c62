/** A content coding the server can produce for cached bodies. */
export type Coding = 'br' | 'gzip' | 'identity';

/**
 * Picks the coding for an `Accept-Encoding` header: the client's highest q-value among br and
 * gzip (br wins a tie, it is smaller), identity when neither is acceptable or the header is absent.
 */
export function negotiateCoding(header: string | undefined): Coding {
  if (header === undefined || header === '') return 'identity';
  let best: Coding = 'identity';
  let bestQ = 0;
  let star = -1;
  const seen = new Map<string, number>();
  for (const part of header.split(',')) {
    const [token = '', ...params] = part.trim().split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)\s*$/i.exec(p);
      if (m?.[1] !== undefined) q = Number(m[1]);
    }
    const name = token.trim().toLowerCase();
    if (name === '*') star = q;
    else seen.set(name, q);
  }
  for (const coding of ['br', 'gzip'] as const) {
    const q = seen.get(coding) ?? (coding === 'gzip' ? seen.get('x-gzip') : undefined) ?? (star >= 0 ? star : 0);
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}
