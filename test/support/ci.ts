/** True when the suite runs in CI (`CI` set, and not `false` or `0`): a missing real component then fails its tests instead of skipping them. */
export function inCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}
