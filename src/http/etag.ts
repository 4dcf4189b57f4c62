import { createHash, randomBytes } from 'node:crypto';
import type { Coding } from './encoding.js';

/**
 * Strong validators for answers made from stored data: a hash of this process's epoch, what names
 * the route, the store's revision (or stamp) the answer was made from, and the resolved query.
 * Equal inputs give the same bytes, so the validator is strong; each content coding is a
 * representation of its own and gets its own tag (`-gzip`, `-br`). The epoch (random per process)
 * keeps a restarted memory store, whose revisions start again from 0, from matching old tags.
 */
export class AnswerTags {
  readonly #epoch = randomBytes(9).toString('base64url');
  /** Tags made lately by their parts: a polled answer is asked for many times per revision. */
  readonly #recent = new Map<string, string>();

  /** The tag of an answer identified by `parts`. */
  of(...parts: readonly string[]): string {
    const id = parts.join('\u0000');
    let tag = this.#recent.get(id);
    if (tag === undefined) {
      tag = createHash('sha256').update(`${this.#epoch}\u0000${id}`).digest('base64url').slice(0, 27);
      if (this.#recent.size >= RECENT_TAGS) this.#recent.delete(this.#recent.keys().next().value as string);
      this.#recent.set(id, tag);
    }
    return tag;
  }
}

/** Tags remembered per {@link AnswerTags}, oldest made dropped first. */
const RECENT_TAGS = 64;

/** The ETag header value of `tag` in `coding`. */
export function etagOf(tag: string, coding: Coding): string {
  return `"${tag}${coding === 'identity' ? '' : `-${coding}`}"`;
}

/** Whether `If-None-Match` (a list of tags, or `*`) matches `etag`; compared weakly, as RFC 9110 says for If-None-Match. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined || header === '') return false;
  if (header.trim() === '*') return true;
  for (const part of header.split(',')) {
    const t = part.trim();
    if ((t.startsWith('W/') ? t.slice(2) : t) === etag) return true;
  }
  return false;
}
