/**
 * Sets `o[k]` as an own, enumerable property, even for a key named `__proto__`, which a plain
 * assignment would take as the object's prototype instead. For maps kept as plain objects whose
 * keys come from data (volume names, label keys, decoded bytes).
 */
export function define<V>(o: Record<string, V>, k: string, v: V): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}
