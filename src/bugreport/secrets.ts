import type { KubeConfig } from '@kubernetes/client-node';
import { SETTINGS, type Config } from '../config.js';
import { SECRET_QUERY_PARAM } from '../storage/store-url.js';

/** Shorter values are not hunted down everywhere: masking every "ab" would garble the report, and the settings are masked structurally anyway. */
const MIN_SECRET_LENGTH = 4;

/** Passwords and secret query parameters of a URL, as written and decoded. */
function urlSecrets(raw: string): string[] {
  if (!URL.canParse(raw)) return [];
  const url = new URL(raw);
  const found = [url.password];
  for (const [name, value] of url.searchParams) if (SECRET_QUERY_PARAM.test(name)) found.push(value);
  return found.flatMap((s) => [s, safeDecode(s)]);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Credential-like keys of an auth provider's config (`id-token`, `client-secret`), not paths to them (`tokenFile`). */
const CREDENTIAL_KEY = /token|secret|password|key/i;

/** The values of `config` under credential-like keys. */
function providerSecrets(config: unknown): string[] {
  if (typeof config !== 'object' || config === null) return [];
  return Object.entries(config).flatMap(([k, v]) => (CREDENTIAL_KEY.test(k) && !/file|path/i.test(k) && typeof v === 'string' ? [v] : []));
}

/** The values (never the names) of an exec plugin's environment, `[{name, value}]`. */
function execEnvValues(env: unknown): string[] {
  if (!Array.isArray(env)) return [];
  return env.flatMap((e: unknown) => (typeof e === 'object' && e !== null && 'value' in e && typeof e.value === 'string' ? [e.value] : []));
}

/** The credentials a kubeconfig holds inline: tokens, passwords, client keys and certificates, auth-provider and exec secrets. */
function kubeconfigSecrets(kc: KubeConfig): string[] {
  const found: string[] = [];
  for (const u of kc.getUsers()) {
    found.push(u.token ?? '', u.password ?? '', u.keyData ?? '', u.certData ?? '');
    const provider: unknown = u.authProvider;
    found.push(...providerSecrets((provider as { config?: unknown } | undefined)?.config));
    const exec: unknown = u.exec;
    found.push(...execEnvValues((exec as { env?: unknown } | undefined)?.env));
  }
  for (const c of kc.getClusters()) found.push(c.caData ?? '');
  return found;
}

/**
 * Every secret the running server holds in its settings and cluster connection, to be masked
 * wherever it might turn up in a bug report (an error message quoting a URL, a log line).
 */
export function collectSecrets(config: Config, kubeConfig: KubeConfig | undefined): string[] {
  const found: string[] = [];
  for (const key of Object.keys(SETTINGS) as (keyof Config)[]) {
    const value: unknown = config[key];
    if (typeof value === 'string') found.push(...urlSecrets(value));
  }
  if (kubeConfig !== undefined) found.push(...kubeconfigSecrets(kubeConfig));
  // Longest first, so a secret containing another is masked whole.
  return [...new Set(found.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/** `value` with every occurrence of every secret, in every string it contains (keys too), replaced by `***`. */
export function scrubSecrets(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return value;
  const scrub = (s: string): string => secrets.reduce((acc, secret) => acc.replaceAll(secret, '***'), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [scrub(k), walk(x)]));
    return v;
  };
  return walk(value);
}
