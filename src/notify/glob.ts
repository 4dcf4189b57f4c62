/** A `*`/`?` glob as an anchored RegExp (`team-*` matches `team-a`); everything else is literal. */
export function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

/** True when `value` matches one of `globs`; an absent list matches everything. */
export function matchesAny(globs: readonly RegExp[] | undefined, value: string | undefined): boolean {
  if (globs === undefined) return true;
  if (value === undefined) return false;
  return globs.some((g) => g.test(value));
}
