/** The two ETL categories; each keeps its own ring of recent events. */
export const ETL_CATEGORIES = ['allocation', 'asset'] as const;
/** An ETL category: the sets of Allocations or of Assets. */
export type EtlCategory = (typeof ETL_CATEGORIES)[number];

const STEPS = ['Saved', 'Loaded', 'Aggregated', 'Totaled', 'Reconciled', 'ComputeError', 'ReconcileError', 'Deleted'] as const;
/** What the pipeline did to a set. `Deleted` is counted by real Kubecost's metric though its docs omit it. */
export type EtlStep = (typeof STEPS)[number];

/** Every ETL event kind, e.g. `AllocationSetSaved` or `AssetSetReconcileError`. */
export type EtlKind = `${'AllocationSet' | 'AssetSet'}${EtlStep}`;

/** The catalogue, allocation kinds first, in the order the Kubecost docs list them. */
export const ETL_KINDS: readonly EtlKind[] = [
  ...STEPS.map((s): EtlKind => `AllocationSet${s}`),
  ...STEPS.map((s): EtlKind => `AssetSet${s}`),
];

const KIND_SET: ReadonlySet<string> = new Set(ETL_KINDS);

/** True when `s` names a kind of the catalogue. */
export function isEtlKind(s: string): s is EtlKind {
  return KIND_SET.has(s);
}

/** The category a kind belongs to. */
export function categoryOf(kind: EtlKind): EtlCategory {
  return kind.startsWith('AllocationSet') ? 'allocation' : 'asset';
}

/** The kind of `step` in `category`. */
export function etlKind(category: EtlCategory, step: EtlStep): EtlKind {
  return `${category === 'allocation' ? 'AllocationSet' : 'AssetSet'}${step}`;
}

/** True for the kinds that report a failure and carry `metadata.error`. */
export function isErrorKind(kind: EtlKind): boolean {
  return kind.endsWith('Error');
}

/**
 * Resolves a `kind` query value, a comma list of kind prefixes, each with or without the
 * `Event` suffix of the older docs (`AllocationSetSavedEvent`), into the set of kinds it
 * selects. Returns the first entry that matches no kind, so the caller can name it.
 */
export function resolveKindFilter(value: string): { kinds: ReadonlySet<EtlKind> } | { unknown: string } {
  const kinds = new Set<EtlKind>();
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const prefix = entry.endsWith('Event') ? entry.slice(0, -'Event'.length) : entry;
    let matched = false;
    for (const k of ETL_KINDS) {
      if (k.startsWith(prefix)) {
        kinds.add(k);
        matched = true;
      }
    }
    if (!matched) return { unknown: entry };
  }
  return { kinds };
}
