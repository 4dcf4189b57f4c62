import { hash, randomBytes } from 'node:crypto';

/** Cloud Eye's id form: `ev`, the 13-digit epoch ms, 9 letters and digits (24 characters). */
export const EVENT_ID_PATTERN = /^ev\d{13}[A-Za-z0-9]{9}$/;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Bytes at or past this are skipped, so each character is equally likely (248 = 4 × 62). */
const UNBIASED = 248;

/** Nine characters of the alphabet drawn from `bytes`, more asked of `more` when too many are skipped. */
function suffix(bytes: Buffer, more: () => Buffer): string {
  let out = '';
  let source = bytes;
  for (;;) {
    // Indexed, not for…of: one id per audit change, and a Buffer's iterator costs more than the loop's body.
    for (let i = 0; i < source.length; i++) {
      const b = source[i] as number;
      if (b >= UNBIASED) continue;
      out += ALPHABET[b % 62] ?? '';
      if (out.length === 9) return out;
    }
    source = more();
  }
}

const stamp = (ms: number) => String(Math.trunc(ms)).padStart(13, '0').slice(-13);

/** A new id for an event reported at `nowMs` (as Cloud Eye stamps the report's time), random past the time. */
export function newEventId(nowMs: number, random: (n: number) => Buffer = randomBytes): string {
  return `ev${stamp(nowMs)}${suffix(random(16), () => random(16))}`;
}

/** The id of a system event: stamped with its time, the rest derived from `identity`, so every backend and replica gives the same. */
export function derivedEventId(timeMs: number, identity: string): string {
  let round = 0;
  // The one-shot hash: about a third cheaper than createHash().update().digest(), and one runs per audit change.
  const digest = () => hash('sha256', `${round++}\u0000${identity}`, 'buffer');
  return `ev${stamp(timeMs)}${suffix(digest(), digest)}`;
}
