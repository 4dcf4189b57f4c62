import { readFileSync } from 'node:fs';

/** package.json's version: what `--version`, the bug report and the build info of a real build say. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The version as a regular expression's text (dots escaped). */
export const PACKAGE_VERSION_PATTERN = PACKAGE_VERSION.replace(/\./g, '\\.');
