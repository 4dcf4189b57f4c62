import { hash, randomBytes } from 'node:crypto';

/** Cloud Eye's id form: `ev`, the 13-digit epoch ms, 9 letters and digits (24 characters). */
export const EVENT_ID_PATTERN = /^ev\d{13}[A-Za-z0-9]{9}$/;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Bytes at or past this are skipped, so each character is equally likely (248 = 4 × 62). */
const UNBIASED = 248;
/** Characters of an id past its time. */
const SUFFIX = 9;

/**
 * The suffix being drawn, as character codes: one array for every id, since an id is drawn
 * synchronously from start to end. One string is made of it at the end, not one per character
 * (one id is drawn per audit change).
 */
const drawn: number[] = new Array<number>(SUFFIX).fill(0);

/** A hexadecimal digit's value (`0`–`9`, `a`–`f`: Node writes hex in lowercase). */
const nibble = (c: number): number => (c <= 57 ? c - 48 : c - 87);

/**
 * Draws characters of the alphabet from bytes written as lowercase hexadecimal (two digits a
 * byte) into `drawn` from index `n`; returns how many are drawn in all.
 */
function draw(n: number, hex: string): number {
  for (let i = 0; i + 1 < hex.length && n < SUFFIX; i += 2) {
    const b = (nibble(hex.charCodeAt(i)) << 4) | nibble(hex.charCodeAt(i + 1));
    if (b < UNBIASED) drawn[n++] = ALPHABET.charCodeAt(b % 62);
  }
  return n;
}

/** The nine characters drawn. */
function suffix(): string {
  const d = drawn as [number, number, number, number, number, number, number, number, number];
  return String.fromCharCode(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]);
}

/** The last time printed: a burst of audit changes stamps many ids in one ms. */
let stampedMs = Number.NaN;
let stamped = '';
function stamp(ms: number): string {
  if (ms !== stampedMs) {
    stampedMs = ms;
    stamped = String(Math.trunc(ms)).padStart(13, '0').slice(-13);
  }
  return stamped;
}

/** A new id for an event reported at `nowMs` (as Cloud Eye stamps the report's time), random past the time. */
export function newEventId(nowMs: number, random: (n: number) => Buffer = randomBytes): string {
  for (let n = 0; n < SUFFIX; ) n = draw(n, random(16).toString('hex'));
  return `ev${stamp(nowMs)}${suffix()}`;
}

/** The id of a system event: stamped with its time, the rest derived from `identity`, so every backend and replica gives the same. */
export function derivedEventId(timeMs: number, identity: string): string {
  // The one-shot hash: about a third cheaper than createHash().update().digest(), and one runs per
  // audit change. Its digest as a string, not a Buffer (no ArrayBuffer per id for the GC to track),
  // and in hex: `hash` takes 'hex' without normalizing the encoding's name, where 'latin1' went
  // through Node's `normalizeEncoding` slow path on every call (hot enough for V8 to spend about
  // 18 ms optimizing it during a server's first burst of changes).
  for (let round = 0, n = 0; n < SUFFIX; round++) n = draw(n, hash('sha256', `${round}\u0000${identity}`, 'hex'));
  return `ev${stamp(timeMs)}${suffix()}`;
}
