import { accessSync, constants } from 'node:fs';
import { delimiter } from 'node:path';
import { AUDIT_RESOURCE_TYPES, type AuditResourceType } from './audit/resource-types.js';
import { PREDICTOR_SETTINGS } from './cost/predictor-settings.js';
import { CLUSTER_ID_ACCEPTS, isClusterId } from './cluster-id.js';
import { parseStorageUrl, redactUrl, STORAGE_URL_ACCEPTS } from './storage/store-url.js';
import { DAY_MS, formatDurationMs, parseDurationMs } from './window.js';

/**
 * Every setting of the server, its default and its validation, in one place. Each is an
 * environment variable, mirrored by a flag (`CLUSTER_ID` ↔ `--cluster-id`); a flag wins.
 */

/** A setting that does not parse: names the variable, the value and what it accepts. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly accepts: string,
  ) {
    super(`invalid setting ${variable}=${JSON.stringify(value)}: accepts ${accepts}`);
    this.name = 'ConfigError';
  }
}

interface Setting<T> {
  readonly env: string;
  /** The raw default, or undefined when the setting is optional and unset by default. */
  readonly default: string | undefined;
  readonly accepts: string;
  readonly description: string;
  /** Returns the value, or undefined when `raw` is not acceptable. */
  parse(raw: string): T | undefined;
}

function setting<T, D extends string | undefined>(
  env: string,
  def: D,
  accepts: string,
  description: string,
  parse: (raw: string) => T | undefined,
): Setting<T> & { readonly default: D } {
  return { env, default: def, accepts, description, parse };
}

const int = (min: number, max: number) => (raw: string) => {
  if (!/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
};

const bool = (raw: string) => {
  const v = raw.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
};

const oneOf = <T extends string>(values: readonly T[]) => (raw: string) => values.find((v) => v === raw);

const isReadable = (path: string) => {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

const readableFile = (raw: string) => (isReadable(raw) ? raw : undefined);

/** A kubeconfig path list, as kubectl reads it: files joined by the path delimiter, each readable. */
const readableFileList = (raw: string) => (raw.split(delimiter).every((p) => p === '' || isReadable(p)) ? raw : undefined);


/** A duration (`parseDurationMs`) of at least `minMs`. */
const durationAtLeast = (minMs: number) => (raw: string) => {
  const ms = parseDurationMs(raw);
  return ms !== undefined && ms >= minMs ? ms : undefined;
};


/** `*`, or a comma list of origins, each exactly an origin as browsers send it (`https://a.example:8443`). */
const parseOrigins = (raw: string): '*' | string[] | undefined => {
  if (raw.trim() === '*') return '*';
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) return undefined;
  for (const item of items) {
    if (!URL.canParse(item) || new URL(item).origin !== item) return undefined;
  }
  return [...new Set(items)];
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The table of settings. Order is the order `--help` lists them. */
export const SETTINGS = {
  port: setting('PORT', '9090', 'an integer from 0 to 65535 (0 picks a free port)', 'port to listen on', int(0, 65535)),
  host: setting('HOST', '0.0.0.0', 'a host name or IP address', 'address to listen on', (raw) => (raw.trim() === '' ? undefined : raw)),
  clusterId: setting(
    'CLUSTER_ID',
    'cluster-one',
    CLUSTER_ID_ACCEPTS,
    'id stamped on every event of this cluster',
    (raw) => (isClusterId(raw) ? raw : undefined),
  ),
  kubeconfig: setting(
    'KUBECONFIG',
    undefined,
    `the path of a readable kubeconfig file (or several joined by "${delimiter}", as kubectl reads them)`,
    'kubeconfig to use; unset: in-cluster config; neither: run without watchers',
    readableFileList,
  ),
  auditEnabled: setting(
    'COST_EVENTS_AUDIT_ENABLED',
    'false',
    'true or false',
    'turn on the audit watchers and /model/audit/events (Helm: costEventsAudit.enabled)',
    bool,
  ),
  auditRecordImageChanges: setting(
    'AUDIT_RECORD_IMAGE_CHANGES',
    'false',
    'true or false',
    'also record an update that changes only images, as a zero-cost update (a full rollout history)',
    bool,
  ),
  auditScaleGroupMs: setting(
    'AUDIT_SCALE_GROUP_INTERVAL',
    '5m',
    'a duration such as 1m or 5m, or 0 to record every scale',
    "group an autoscaler's replica changes of one workload into one update per interval (first and last replica count); 0: one event per scale",
    (raw) => (raw === '0' || raw === '0s' ? 0 : parseDurationMs(raw)),
  ),
  auditResourceTypes: setting(
    'AUDIT_RESOURCE_TYPES',
    'deployment,statefulset',
    `a comma list of ${AUDIT_RESOURCE_TYPES.join(', ')}`,
    'workload kinds the audit watches (pod: bare pods only, noisy)',
    (raw): AuditResourceType[] | undefined => {
      const items = raw.split(',').map((s) => s.trim().toLowerCase());
      if (items.length === 0 || items.some((s) => !(AUDIT_RESOURCE_TYPES as readonly string[]).includes(s))) return undefined;
      return [...new Set(items as AuditResourceType[])];
    },
  ),
  costPredictor: setting(
    'COST_PREDICTOR',
    'requests',
    PREDICTOR_SETTINGS.join(' or '),
    'how changes are priced: pod requests × replicas × the price sheet, or a Kubecost Predict API (falling back to requests)',
    oneOf(PREDICTOR_SETTINGS),
  ),
  kubecostUrl: setting(
    'KUBECOST_URL',
    undefined,
    'an http:// or https:// URL',
    'Kubecost to ask when COST_PREDICTOR=kubecost, e.g. http://kubecost-cost-analyzer.kubecost:9090',
    (raw) => (/^https?:\/\/[^\s/]+/.test(raw) && URL.canParse(raw) ? raw : undefined),
  ),
  kubecostTimeoutMs: setting('KUBECOST_TIMEOUT', '5s', 'a duration such as 1s, 5s or 1m', 'how long one Kubecost prediction may take before falling back', parseDurationMs),
  etlResolutionMs: setting(
    'ETL_RESOLUTION',
    '1h',
    'a duration such as 10s, 5m or 1h that divides a day evenly',
    'width of the windows the ETL builds, aligned to the Unix epoch in UTC',
    (raw) => {
      const ms = parseDurationMs(raw);
      return ms !== undefined && ms >= 1000 && DAY_MS % ms === 0 ? ms : undefined;
    },
  ),
  etlHourlyRetentionMs: setting(
    'ETL_HOURLY_RETENTION',
    '49h',
    'a duration of at least ETL_RESOLUTION such as 49h or 3d',
    'how long the sets of each ETL_RESOLUTION window are kept (Kubecost: ETL_HOURLY_STORE_DURATION_HOURS)',
    durationAtLeast(1000),
  ),
  etlDailyRetentionMs: setting(
    'ETL_DAILY_RETENTION',
    '91d',
    'a duration of at least 1d such as 91d or 13w',
    'how long the daily roll-up sets are kept (Kubecost: ETL_DAILY_STORE_DURATION_DAYS)',
    durationAtLeast(DAY_MS),
  ),
  etlRepairHorizonMs: setting(
    'ETL_REPAIR_HORIZON',
    '24h',
    'a duration such as 6h, 24h or 3d (0s: repairs rebuild only windows not yet built)',
    'how long the cluster cache keeps objects that ended after their window was built, so GET/POST /model/etl/{allocation,asset}/repair can rebuild windows that far back',
    (raw) => (raw === '0' || raw === '0s' ? 0 : parseDurationMs(raw)),
  ),
  billingExport: setting(
    'BILLING_EXPORT',
    undefined,
    'the path of a FOCUS CSV billing export (it may appear later: a missing file is reported as a ReconcileError, not a start failure)',
    'a FOCUS (FinOps Open Cost and Usage Specification) CSV whose billed costs replace the computed costs of nodes and volumes; unset: no reconciliation',
    (raw) => (raw.trim() === '' ? undefined : raw),
  ),
  etlLogCapacity: setting('ETL_LOG_CAPACITY', '1000', 'an integer from 1 to 1000000', 'most recent ETL events kept per cluster and category', int(1, 1_000_000)),
  auditCapacity: setting('AUDIT_CAPACITY', '1000', 'an integer from 1 to 1000000', 'most recent audit events kept per cluster', int(1, 1_000_000)),
  storageUrl: setting(
    'STORAGE_URL',
    'sqlite:./data/cost-events.db',
    STORAGE_URL_ACCEPTS,
    'where events are kept: in memory (lost at exit), an SQLite file (created on first start), or PostgreSQL (many replicas and clusters)',
    (raw) => (parseStorageUrl(raw) === undefined ? undefined : raw),
  ),
  storageQueueCapacity: setting(
    'STORAGE_QUEUE_CAPACITY',
    '10000',
    'an integer from 1 to 10000000',
    'records held while storage is unavailable; past it the oldest are dropped, counted and logged',
    int(1, 10_000_000),
  ),
  storagePruneIntervalMs: setting(
    'STORAGE_PRUNE_INTERVAL',
    '1m',
    'a duration such as 30s, 1m or 1h',
    'how often stored events beyond ETL_LOG_CAPACITY and AUDIT_CAPACITY are deleted, in the background',
    parseDurationMs,
  ),
  pricingConfig: setting('PRICING_CONFIG', undefined, 'the path of a readable JSON price sheet', 'JSON price sheet overriding the default prices', readableFile),
  cesTokensFile: setting(
    'CES_TOKENS_FILE',
    undefined,
    'the path of a readable JSON token file',
    'tokens allowed on the Cloud Eye routes, by SHA-256, with their projects and actions; reloaded on change; unset: the routes are open',
    readableFile,
  ),
  notifyConfig: setting(
    'NOTIFY_CONFIG',
    undefined,
    'the path of a readable YAML notifications file',
    'sinks (webhook, Slack, Teams, CloudEvents, Kubernetes Events) and the routes that send audit changes and ETL conditions to them; reloaded on change; unset: no notifications',
    readableFile,
  ),
  notifyLeaseMs: setting(
    'NOTIFY_LEASE',
    '1m',
    'a duration of at least 1s such as 30s or 2m',
    'how long a replica holds the notifications it is delivering; one that dies mid-delivery leaves them to another replica (or itself, restarted) after this long',
    durationAtLeast(1000),
  ),
  cesRateLimit: setting(
    'CES_RATE_LIMIT',
    '600',
    'an integer from 0 to 1000000 (0 turns the limit off)',
    'requests per CES_RATE_LIMIT_WINDOW each token (each address, when the routes are open) may make to the Cloud Eye routes',
    int(0, 1_000_000),
  ),
  cesRateLimitWindowMs: setting('CES_RATE_LIMIT_WINDOW', '1m', 'a duration of at least 1s such as 1s, 1m or 1h', 'the window CES_RATE_LIMIT counts in', durationAtLeast(1000)),
  customEventRetentionMs: setting(
    'CUSTOM_EVENT_RETENTION',
    '30d',
    'a duration of at least 1h such as 12h, 30d or 8w',
    'how long custom events reported through the Cloud Eye API are kept and served, from their time',
    durationAtLeast(3_600_000),
  ),
  customEventCapacity: setting(
    'CUSTOM_EVENT_CAPACITY',
    '100000',
    'an integer from 1 to 10000000',
    'most recent custom events kept per project (cluster); past it the oldest reported are deleted',
    int(1, 10_000_000),
  ),
  corsAllowedOrigins: setting(
    'CORS_ALLOWED_ORIGINS',
    '*',
    '* or a comma list of origins such as https://dash.example.com,http://localhost:3000 (scheme, host and port; no path)',
    'browser pages of which origins may read answers (CORS); * as OpenCost\'s cost-model allows, since no route relies on cookies; a list also allows credentials, except on the Cloud Eye routes',
    parseOrigins,
  ),
  logLevel: setting('LOG_LEVEL', 'info', LOG_LEVELS.join(', '), 'log level', oneOf(LOG_LEVELS)),
  docsEnabled: setting(
    'DOCS_ENABLED',
    'false',
    'true or false',
    'serve interactive API docs (Swagger UI) at /docs; the OpenAPI document is at /openapi.json either way',
    bool,
  ),
  uiEnabled: setting(
    'UI_ENABLED',
    'true',
    'true or false',
    'serve the web page (changes and their cost, ETL health, costs) at /ui/; / redirects a browser there',
    bool,
  ),
  shutdownTimeoutMs: setting(
    'SHUTDOWN_TIMEOUT',
    '10s',
    'a duration such as 10s or 1m',
    'how long in-flight requests may take to finish at shutdown',
    parseDurationMs,
  ),
} as const;

type Settings = typeof SETTINGS;
type ValueOf<S> = S extends Setting<infer T> ? T : never;

/** The effective settings. Optional ones without a default are undefined when unset. */
export type Config = {
  readonly [K in keyof Settings]: Settings[K]['default'] extends string ? ValueOf<Settings[K]> : ValueOf<Settings[K]> | undefined;
};

/** `CLUSTER_ID` → `--cluster-id`. */
export function flagOf(env: string): string {
  return `--${env.toLowerCase().replaceAll('_', '-')}`;
}

/** What the command line asked for: a text to print (`--help`, `--version`) instead of a server, or the settings. */
export type ParsedArgs = { help: true; asked: 'help' | 'version' } | { help: false; config: Config };

/**
 * Reads the settings from flags (`--port 9090` or `--port=9090`) over the environment over the
 * defaults. Throws ConfigError for the first value that does not parse or an unknown flag.
 */
export function loadConfig(env: Record<string, string | undefined>, argv: readonly string[] = []): ParsedArgs {
  const flags = new Map<string, string>();
  const byFlag = new Map(Object.values(SETTINGS).map((s) => [flagOf(s.env), s.env]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return { help: true, asked: 'help' };
    if (arg === '--version' || arg === '-v') return { help: true, asked: 'version' };
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const envName = byFlag.get(name);
    if (envName === undefined) throw new ConfigError('argument', arg, `--help, --version or one of ${[...byFlag.keys()].join(', ')}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(name, '', 'a value after the flag');
    flags.set(envName, value);
  }
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
    const raw = flags.get(s.env) ?? env[s.env] ?? s.default;
    if (raw === undefined || (raw === '' && s.default === undefined)) {
      out[key] = undefined;
      continue;
    }
    const value = s.parse(raw);
    if (value === undefined) throw new ConfigError(s.env, raw, s.accepts);
    out[key] = value;
  }
  const config = out as Config;
  if (config.etlHourlyRetentionMs < config.etlResolutionMs) {
    const raw = flags.get('ETL_HOURLY_RETENTION') ?? env['ETL_HOURLY_RETENTION'] ?? SETTINGS.etlHourlyRetentionMs.default;
    throw new ConfigError('ETL_HOURLY_RETENTION', raw, `${SETTINGS.etlHourlyRetentionMs.accepts} (ETL_RESOLUTION is ${formatDurationMs(config.etlResolutionMs)})`);
  }
  if (config.costPredictor === 'kubecost' && config.kubecostUrl === undefined) {
    throw new ConfigError('KUBECOST_URL', '', 'an http:// or https:// URL (required when COST_PREDICTOR=kubecost)');
  }
  return { help: false, config };
}

/** The `--help` text: every setting with its flag, default and what it accepts. */
export function helpText(): string {
  const lines = [
    'cost-events: Kubecost-compatible ETL event log and Cost Events Audit API',
    '',
    'Usage: node dist/main.js [--flag value]...   (every flag mirrors an environment variable)',
    '',
  ];
  for (const s of Object.values(SETTINGS) as Setting<unknown>[]) {
    lines.push(`  ${s.env} / ${flagOf(s.env)}`);
    lines.push(`      ${s.description}`);
    lines.push(`      accepts ${s.accepts}; default: ${s.default ?? 'unset'}`);
  }
  return lines.join('\n');
}

/** Settings whose whole value is a secret (a file path `…_FILE` is not). */
const SECRET_SETTING = /(TOKEN|PASSWORD|SECRET|CREDENTIALS?)$/;

/**
 * The settings with secrets masked, for logs and the bug-report dump: passwords and secret query
 * parameters of every URL-valued setting (`STORAGE_URL`, `KUBECOST_URL`), and the whole value of a
 * setting named like a secret. Settings added later are covered without a change here.
 */
export function redactedConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS) as [keyof Config, Setting<unknown>][]) {
    const value: unknown = config[key];
    if (value !== undefined && SECRET_SETTING.test(s.env)) out[key] = '***';
    else out[key] = typeof value === 'string' ? redactUrl(value) : value;
  }
  return out;
}

export { redactUrl };
