/** Merges `config` into `target` as an apply does: maps merged, lists of named items merged by name, other values replaced. */
export function mergeInto(target: Record<string, unknown>, config: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(config)) {
    const cur = target[k];
    if (isMap(v) && isMap(cur)) mergeInto(cur, v);
    else if (namedList(v) && namedList(cur)) {
      const merged = [...cur];
      for (const item of v) {
        const at = merged.findIndex((c) => c.name === item.name);
        if (at < 0) merged.push(structuredClone(item));
        else mergeInto(merged[at]!, item);
      }
      target[k] = merged;
    } else target[k] = structuredClone(v);
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function namedList(v: unknown): v is (Record<string, unknown> & { name: string })[] {
  return Array.isArray(v) && v.every((i) => isMap(i) && typeof i.name === 'string');
}
