import { badParameter } from '../errors.js';

/** What a true/false parameter accepts, as the routes' 400s say it. */
export const BOOL_ACCEPTS = 'true or false';

/** Reads a true/false parameter: absent or empty is `def`; anything but `true` or `false` is a 400 naming `name`. */
export function boolParameter(name: string, raw: string | undefined, def: boolean): boolean {
  if (raw === undefined || raw === '') return def;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw badParameter(name, raw, BOOL_ACCEPTS);
}
