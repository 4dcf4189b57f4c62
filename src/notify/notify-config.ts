import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { AUDIT_EVENT_TYPES } from '../audit/audit-event.js';
import { AUDIT_RESOURCE_TYPES } from '../audit/resource-types.js';
import { parseDurationMs } from '../window.js';

/** The kinds of sink `type` names. */
export const SINK_TYPES = ['webhook', 'slack', 'teams', 'cloudevents', 'kubernetes-events'] as const;
/** One kind of sink. */
export type SinkType = (typeof SINK_TYPES)[number];

/** The ETL conditions a route can match: the error kinds, no window built for a while, windows skipped. */
export const ETL_TRIGGERS = ['ComputeError', 'ReconcileError', 'stalled', 'missingWindows'] as const;
/** One ETL condition. */
export type EtlTrigger = (typeof ETL_TRIGGERS)[number];

const Names = Type.Array(Type.String({ minLength: 1 }), { minItems: 1 });
const Duration = Type.String({ minLength: 1, description: 'a duration such as 30s, 5m or 1h' });

/** A secret given inline (discouraged), by a file holding it, or by an environment variable. */
const secretFields = (name: string) => ({
  [name]: Type.Optional(Type.String({ minLength: 1 })),
  [`${name}File`]: Type.Optional(Type.String({ minLength: 1 })),
  [`${name}Env`]: Type.Optional(Type.String({ minLength: 1 })),
});

/** One sink of the file, as written. */
const SinkSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
    type: Type.Union(SINK_TYPES.map((t) => Type.Literal(t))),
    ...secretFields('url'),
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String())),
    ...secretFields('hmacSecret'),
    signatureHeader: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]+$' })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    timeout: Type.Optional(Duration),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);

const MatchSchema = Type.Object(
  {
    clusters: Type.Optional(Names),
    namespaces: Type.Optional(Names),
    resourceTypes: Type.Optional(Type.Array(Type.Union(AUDIT_RESOURCE_TYPES.map((t) => Type.Literal(t))), { minItems: 1 })),
    eventTypes: Type.Optional(Type.Array(Type.Union(AUDIT_EVENT_TYPES.map((t) => Type.Literal(t))), { minItems: 1 })),
    changedBy: Type.Optional(Names),
    sources: Type.Optional(Names),
    minMonthlyCostDelta: Type.Optional(Type.Number({ minimum: 0 })),
    minMonthlyCostDeltaPercent: Type.Optional(Type.Number({ minimum: 0 })),
    etl: Type.Optional(Type.Array(Type.Union(ETL_TRIGGERS.map((t) => Type.Literal(t))), { minItems: 1 })),
  },
  { additionalProperties: false },
);

const RouteSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
    match: Type.Optional(MatchSchema),
    sinks: Names,
    group: Type.Optional(Duration),
    rateLimit: Type.Optional(Type.Object({ count: Type.Integer({ minimum: 1 }), per: Duration }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** The `NOTIFY_CONFIG` file as written (YAML or JSON). */
export const NotifyFileSchema = Type.Object(
  {
    sinks: Type.Array(SinkSchema),
    routes: Type.Array(RouteSchema),
    stalledAfter: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'no window built for this many ETL_RESOLUTION: stalled (default 3)' })),
  },
  { additionalProperties: false },
);
type NotifyFile = Static<typeof NotifyFileSchema>;

/** A sink ready to deliver to: secrets resolved (never logged or served). */
export interface SinkConfig {
  readonly name: string;
  readonly type: SinkType;
  /** Undefined for kubernetes-events (it talks to the cluster's API server). */
  readonly url?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly hmacSecret?: string;
  readonly signatureHeader: string;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
}

/** What a route matches; absent fields match everything. */
export interface RouteMatch {
  readonly clusters?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly resourceTypes?: readonly string[];
  readonly eventTypes?: readonly string[];
  readonly changedBy?: readonly string[];
  readonly sources?: readonly string[];
  readonly minMonthlyCostDelta?: number;
  readonly minMonthlyCostDeltaPercent?: number;
  /** Present: an ETL route (it matches these conditions and no audit change). */
  readonly etl?: readonly EtlTrigger[];
}

/** A route ready to match. */
export interface RouteConfig {
  readonly name: string;
  readonly match: RouteMatch;
  readonly sinks: readonly string[];
  /** Changes of one Helm release or one rollout within this long become one message; 0: no grouping. */
  readonly groupMs: number;
  readonly rateLimit?: { readonly count: number; readonly perMs: number };
}

/** The parsed `NOTIFY_CONFIG`. */
export interface NotifyConfig {
  readonly sinks: readonly SinkConfig[];
  readonly routes: readonly RouteConfig[];
  readonly stalledAfter: number;
  /** Every secret value the file resolved, so the bug report and logs can scrub them. */
  readonly secrets: readonly string[];
}

/** A `NOTIFY_CONFIG` that cannot be used, with the place and the reason. */
export class NotifyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotifyConfigError';
  }
}

const AUDIT_KEYS = ['namespaces', 'resourceTypes', 'eventTypes', 'changedBy', 'sources', 'minMonthlyCostDelta', 'minMonthlyCostDeltaPercent'] as const;

/** Parses the file's text; `env` resolves `…Env` secrets. Throws NotifyConfigError naming the place that is wrong. */
export function parseNotifyConfig(text: string, env: Readonly<Record<string, string | undefined>>): NotifyConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new NotifyConfigError(`not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!Value.Check(NotifyFileSchema, raw)) {
    const first = Value.Errors(NotifyFileSchema, raw).First();
    const at = first?.path === '' || first?.path === undefined ? 'the document' : first.path;
    throw new NotifyConfigError(`${at}: ${first?.message ?? 'does not match the schema'}`);
  }
  const file: NotifyFile = raw;
  const secrets: string[] = [];
  const names = new Set<string>();
  const sinks = file.sinks.map((s, i): SinkConfig => {
    if (names.has(s.name)) throw new NotifyConfigError(`/sinks/${i}/name: '${s.name}' is given twice`);
    names.add(s.name);
    const url = secretOf(s, 'url', `/sinks/${i}`, env);
    if (s.type !== 'kubernetes-events' && url === undefined) throw new NotifyConfigError(`/sinks/${i}: a ${s.type} sink needs url, urlFile or urlEnv`);
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw new NotifyConfigError(`/sinks/${i}: the URL is not http:// or https:// (value not shown)`);
    const hmacSecret = secretOf(s, 'hmacSecret', `/sinks/${i}`, env);
    for (const v of [url, hmacSecret]) if (v !== undefined) secrets.push(v);
    return {
      name: s.name,
      type: s.type,
      ...(url !== undefined && { url }),
      headers: s.headers ?? {},
      ...(hmacSecret !== undefined && { hmacSecret }),
      signatureHeader: s.signatureHeader ?? 'X-Cost-Events-Signature',
      concurrency: s.concurrency ?? 4,
      timeoutMs: durationOf(s.timeout ?? '10s', `/sinks/${i}/timeout`),
      maxAttempts: s.maxAttempts ?? 10,
    };
  });
  const routeNames = new Set<string>();
  const routes = file.routes.map((r, i): RouteConfig => {
    if (routeNames.has(r.name)) throw new NotifyConfigError(`/routes/${i}/name: '${r.name}' is given twice`);
    routeNames.add(r.name);
    for (const s of r.sinks) if (!names.has(s)) throw new NotifyConfigError(`/routes/${i}/sinks: no sink is named '${s}' (sinks: ${[...names].join(', ') || 'none'})`);
    const match = r.match ?? {};
    if (match.etl !== undefined) {
      const kube = r.sinks.find((n) => sinks.find((s) => s.name === n)?.type === 'kubernetes-events');
      if (kube !== undefined) throw new NotifyConfigError(`/routes/${i}/sinks: '${kube}' is a kubernetes-events sink, which records audit changes on their workload; an ETL condition has no workload`);
      const mixed = AUDIT_KEYS.find((k) => match[k] !== undefined);
      if (mixed !== undefined) throw new NotifyConfigError(`/routes/${i}/match: '${mixed}' is for audit changes and 'etl' for ETL conditions; make two routes`);
    }
    return {
      name: r.name,
      match,
      sinks: r.sinks,
      groupMs: r.group === undefined ? 0 : durationOf(r.group, `/routes/${i}/group`),
      ...(r.rateLimit !== undefined && { rateLimit: { count: r.rateLimit.count, perMs: durationOf(r.rateLimit.per, `/routes/${i}/rateLimit/per`) } }),
    };
  });
  return { sinks, routes, stalledAfter: file.stalledAfter ?? 3, secrets };
}

function durationOf(raw: string, at: string): number {
  const ms = parseDurationMs(raw);
  if (ms === undefined || ms <= 0) throw new NotifyConfigError(`${at}: '${raw}' is not a duration such as 30s, 5m or 1h`);
  return ms;
}

/** A secret from the value itself, a file (trimmed) or an environment variable; at most one of the three. */
function secretOf(s: Record<string, unknown>, name: string, at: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const given = [name, `${name}File`, `${name}Env`].filter((k) => s[k] !== undefined);
  if (given.length > 1) throw new NotifyConfigError(`${at}: give one of ${given.join(', ')}`);
  const inline = s[name] as string | undefined;
  if (inline !== undefined) return inline;
  const file = s[`${name}File`] as string | undefined;
  if (file !== undefined) {
    try {
      const v = readFileSync(file, 'utf8').trim();
      if (v === '') throw new NotifyConfigError(`${at}/${name}File: ${file} is empty`);
      return v;
    } catch (err) {
      if (err instanceof NotifyConfigError) throw err;
      throw new NotifyConfigError(`${at}/${name}File: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  const variable = s[`${name}Env`] as string | undefined;
  if (variable !== undefined) {
    const v = env[variable];
    if (v === undefined || v === '') throw new NotifyConfigError(`${at}/${name}Env: the environment variable ${variable} is not set`);
    return v;
  }
  return undefined;
}

/** A URL for display: scheme and host only, the path (where webhook tokens live) masked. */
export function maskUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/***`;
  } catch {
    return '***';
  }
}
