import { CST } from 'yaml';
import { MAX_JSON_DEPTH } from '../json-nesting.js';

/**
 * Whether a YAML document, as the YAML reader's parser gives it (its concrete syntax tree, built
 * without recursion), nests collections deeper than `max` levels: checked before the document is
 * composed into values, which recurses once per level. A body nested thousands of levels deep (a
 * few kilobytes of `- - - …`) would otherwise run the composer out of stack, and V8 does not
 * always survive that: with the stack nearly used up, compiling a regular expression is a fatal
 * out-of-memory error, not an exception. Walked with an explicit stack.
 */
export function cstNestsDeeperThan(token: CST.Token, max = MAX_JSON_DEPTH): boolean {
  const stack: { readonly token: CST.Token | null | undefined; readonly depth: number }[] = [{ token: token.type === 'document' ? token.value : token, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const t = top.token;
    if (!CST.isCollection(t)) continue;
    const depth = top.depth + 1;
    if (depth > max) return true;
    for (const item of t.items) {
      // A key may be a collection too (`? [a, b]: c`).
      if (item.key !== undefined) stack.push({ token: item.key, depth });
      stack.push({ token: item.value, depth });
    }
  }
  return false;
}
