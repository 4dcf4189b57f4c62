import type { BuildInfo } from '../build-info.js';
import type { Clock } from '../clock.js';
import type { EtlState } from '../etl/etl-state.js';
import { renderEtlData } from '../events/etl-log-json.js';
import type { ConsumerWatchStatus } from '../kube/watch-types.js';
import type { LogTail } from '../logging/log-tail.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { Readiness } from '../readiness.js';
import type { StoreBackend } from '../storage/store.js';
import type { EventReader } from '../storage/store-reader.js';
import type { WriterStats } from '../storage/store-writer.js';
import { formatRfc3339Nano, formatRfc3339Seconds } from '../time.js';
import { scrubSecrets } from './secrets.js';
import { errorMessage } from '../errors.js';

/** Storage as the bug report shows it: where, and what the writer has done. */
export interface StorageState extends WriterStats {
  readonly backend: StoreBackend;
  /** The store's location, password masked. */
  readonly location: string;
}

/** Everything the bug report reads, each at the moment it is asked for. */
export interface BugReportSources {
  readonly clock: Clock;
  readonly build: BuildInfo;
  /** When the server started, epoch ns. */
  readonly startedAtNs: bigint;
  /** The effective settings by variable name, secrets already masked. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly readiness: Readiness;
  /** Every watch loop's status and whose it is (audit, ETL). */
  watchers(): readonly ConsumerWatchStatus[];
  storage(): StorageState;
  /** The ETL pipeline and its cluster cache; undefined while no pipeline runs (no cluster). */
  etl(): EtlState | undefined;
  /** The stored events, read as the Kubecost routes read them. */
  readonly events: EventReader;
  /** Whether `/model/audit/events` is served; without it the report has no audit events. */
  readonly auditEnabled: boolean;
  /** This cluster's most recent audit gaps as `/model/audit/gaps` serves them; absent (tests of other parts): the report has none. */
  readonly auditGaps?: () => Promise<readonly string[]>;
  metrics(): Promise<MetricsSnapshot>;
  /** The last warnings and errors logged. */
  readonly logs: LogTail;
  /** Values masked wherever they appear (see collectSecrets). */
  readonly secrets: readonly string[];
  /** The notifications' status (URLs masked) and the secrets of the file in force; absent without NOTIFY_CONFIG. */
  readonly notifications?: { status(): Promise<unknown>; secrets(): readonly string[] };
}

/** Most recent audit gaps of this cluster the report carries. */
export const BUG_REPORT_GAPS = 100;

/** A section that could not be read says why, so the rest of the report still arrives. */
async function section(read: () => Promise<string>): Promise<unknown> {
  try {
    return JSON.parse(await read()) as unknown;
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/** A logged line as an object when it is JSON (pino's lines are), else as the text kept. */
function logEntry(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}

/** The ETL as the report shows it: what the pipeline did last (times in RFC 3339) and what its cache holds; null without a pipeline. */
function etlSection(etl: EtlState | undefined) {
  if (etl === undefined) return null;
  const p = etl.pipeline;
  return {
    pipeline: {
      nextWindowStart: formatRfc3339Seconds(p.nextWindowStart),
      lastBuiltEnd: p.lastBuiltEnd === undefined ? null : formatRfc3339Seconds(p.lastBuiltEnd),
      lastError: p.lastError ?? null,
    },
    cache: etl.cache,
  };
}

/**
 * The bug-report dump: one JSON document with what a maintainer needs to see, `{"code":200,"data":…}`.
 * The ETL log and the audit events are read as their routes render them and come last, being
 * the bulk. Every string of the report, stored events included, is scrubbed of every known
 * secret: a password that reached an error message or an event's fallback reason must not leave
 * in an attachment. A part that cannot be read (storage down) becomes `{"error": "…"}` rather
 * than failing the report: a broken server is when it is needed most.
 */
export async function renderBugReport(s: BugReportSources): Promise<string> {
  const nowNs = s.clock.nowNs();
  const head = {
    generatedAt: formatRfc3339Nano(nowNs),
    version: s.build.version,
    build: { commit: s.build.commit, builtAt: s.build.builtAt },
    runtime: { node: process.version, platform: process.platform, arch: process.arch, pid: process.pid },
    startedAt: formatRfc3339Nano(s.startedAtNs),
    uptimeSeconds: Number((nowNs - s.startedAtNs) / 1_000_000n) / 1000,
    settings: s.settings,
    readiness: s.readiness.report(),
    watchers: s.watchers(),
    storage: s.storage(),
    etl: etlSection(s.etl()),
    metrics: await s.metrics(),
    logs: { dropped: s.logs.dropped, lines: s.logs.lines().map(logEntry) },
  };
  const etlLog = await section(async () => renderEtlData(await s.events.queryEtl({})));
  const auditEvents = s.auditEnabled ? await section(async () => `[${(await s.events.queryAudit({})).join(',')}]`) : null;
  const readGaps = s.auditGaps;
  // Before the events: the gaps say which of them were inferred and why.
  const auditGaps = s.auditEnabled && readGaps !== undefined ? await section(async () => `[${(await readGaps()).join(',')}]`) : null;
  const n = s.notifications;
  const notifications = n === undefined ? null : await section(async () => JSON.stringify(await n.status()));
  const secrets = n === undefined ? s.secrets : [...s.secrets, ...n.secrets().filter((v) => v.length >= 4)];
  return `{"code":200,"data":${JSON.stringify(scrubSecrets({ ...head, notifications, etlLog, auditGaps, auditEvents }, secrets))}}`;
}
