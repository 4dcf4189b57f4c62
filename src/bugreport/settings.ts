import { redactedConfig, SETTINGS, type Config } from '../config.js';

/** The effective settings by variable name (`STORAGE_URL`, as they are set), secrets masked; unset ones as null. */
export function settingsByVariable(config: Config): Record<string, unknown> {
  const redacted = redactedConfig(config);
  return Object.fromEntries(Object.entries(SETTINGS).map(([key, s]) => [s.env, redacted[key] ?? null]));
}
