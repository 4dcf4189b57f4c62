import { hash, randomBytes } from 'node:crypto';

/** Cloud Eye's id form: `ev`, the 13-digit epoch ms, 9 letters and digits (24 characters). */
export const EVENT_ID_PATTERN = /^ev\d{13}[A-Za-z0-9]{9}$/;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Bytes at or past this are skipped, so each character is equally likely (248 = 4 × 62). */
const UNBIASED = 248;

/** `out` with characters of the alphabet drawn from `bytes` (a character per byte: latin1, which Node also calls binary) appended, up to nine in all. */
function draw(out: string, bytes: string): string {
  for (let i = 0; i < bytes.length && out.length < 9; i++) {
    const b = bytes.charCodeAt(i);
    if (b < UNBIASED) out += ALPHABET[b % 62] ?? '';
  }
  return out;
}

const stamp = (ms: number) => String(Math.trunc(ms)).padStart(13, '0').slice(-13);

/** A new id for an event reported at `nowMs` (as Cloud Eye stamps the report's time), random past the time. */
export function newEventId(nowMs: number, random: (n: number) => Buffer = randomBytes): string {
  let suffix = '';
  while (suffix.length < 9) suffix = draw(suffix, random(16).toString('latin1'));
  return `ev${stamp(nowMs)}${suffix}`;
}

/** The id of a system event: stamped with its time, the rest derived from `identity`, so every backend and replica gives the same. */
export function derivedEventId(timeMs: number, identity: string): string {
  let suffix = '';
  // The one-shot hash: about a third cheaper than createHash().update().digest(), and one runs per
  // audit change. Its digest as a latin1 ('binary') string, a character per byte, not a Buffer: no
  // ArrayBuffer per id for the GC to track.
  for (let round = 0; suffix.length < 9; round++) suffix = draw(suffix, hash('sha256', `${round}\u0000${identity}`, 'binary'));
  return `ev${stamp(timeMs)}${suffix}`;
}
