/**
 * The billing export (`BILLING_EXPORT`): a FOCUS CSV read into an index of billed cost by
 * resource, re-read only when the file changes, and the rule that matches a node's or a volume's
 * provider id to the export's ResourceIds.
 */
import { statSync } from 'node:fs';
import type { Window } from '../window.js';
import { BillingExportError, DEFAULT_MAX_BYTES, fileVersion, parseFocus, readFocusFile, type FocusRow } from './focus-csv.js';

/** One charge period of one resource: what it was billed over [start, end). */
export interface BillingRow {
  readonly start: number;
  readonly end: number;
  /** BilledCost, summed over the export's rows of this resource with this very period. */
  readonly cost: number;
}

/** What a billing export says, as reconciliation asks it. */
export interface BillingIndex {
  /** The latest ChargePeriodEnd of a Usage row (epoch ms): the export covers nothing later. 0 when it has no Usage row. */
  readonly coverageEnd: number;
  /** Usage rows read (before rows of one resource and period were merged). */
  readonly rowCount: number;
  /** Distinct ResourceIds with Usage rows. */
  readonly resourceCount: number;
  /** The BillingCurrency values seen on Usage rows, sorted; empty without the column. */
  readonly currencies: readonly string[];
  /** A resource's charge periods, by its exact ResourceId, ordered by start. */
  rows(resourceId: string): readonly BillingRow[] | undefined;
  /** The export's ResourceIds that a provider id matches (see `matchResourceIds`). */
  match(providerId: string): readonly string[];
  /** Up to `n` of the export's ResourceIds, for messages that show what the export holds. */
  sampleIds(n: number): readonly string[];
  /**
   * The billed cost of the resource the ids name over the window: every export resource any of
   * them matches (each once), each row's BilledCost prorated by the share of its charge period
   * inside the window. Undefined when no id matches a resource that has a row overlapping the window.
   */
  billedCost(resourceIds: readonly string[], window: Window): number | undefined;
}

/** What `BillingExport.load()` answers: the digest of the content and its index, or why it cannot be used. */
export type BillingLoad = { readonly ok: true; readonly digest: string; readonly index: BillingIndex } | { readonly ok: false; readonly error: string };

/** The slice of a pino logger the billing export logs through. */
export interface BillingExportLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

interface IdKey {
  /** The id in a comparable form (see canonicalId), in its own case. */
  readonly canonical: string;
  /** Its last path segment, undefined when unusable for matching. */
  readonly last: string | undefined;
  /** Azure ids compare case-insensitively. */
  readonly azure: boolean;
}

interface Entry extends IdKey {
  readonly id: string;
}

const AZURE_SCHEME = /^azure:\/\//i;
const AZURE_PATH = /^\/subscriptions\//i;
const GCE_PROVIDER_ID = /^gce:\/\/([^/]+)\/([^/]+)\/([^/]+)$/;
const GCP_FULL_NAME = '//compute.googleapis.com/';

/**
 * An id in the form that compares across the cluster's and the export's spellings:
 * - Azure (`azure://` + an ARM path, or an ARM path `/subscriptions/…`): the ARM path; Azure
 *   ids are case-insensitive, and exports often lower-case them.
 * - GCE (`gce://project/zone/name`): `projects/project/zones/zone/instances/name`, as GCP's
 *   full resource name `//compute.googleapis.com/projects/…/instances/name` reads without its
 *   service prefix, which is dropped too (a GCE PD CSI handle `projects/p/zones/z/disks/d` is
 *   already in that form).
 * - anything else as it is (AWS ARNs and ids, `aws:///zone/i-…` provider ids).
 */
function idKey(raw: string): IdKey {
  let id = raw.trim();
  let azure = AZURE_SCHEME.test(id);
  if (azure) id = id.replace(AZURE_SCHEME, '');
  azure ||= AZURE_PATH.test(id);
  if (!azure) {
    const gce = GCE_PROVIDER_ID.exec(id);
    if (gce !== null) id = `projects/${gce[1] ?? ''}/zones/${gce[2] ?? ''}/instances/${gce[3] ?? ''}`;
    else if (id.startsWith(GCP_FULL_NAME)) id = id.slice(GCP_FULL_NAME.length);
  }
  const last = id.slice(id.lastIndexOf('/') + 1);
  // A segment of digits alone (an Azure scale set's instance `…/virtualMachines/0`) names nothing on its own.
  return { canonical: id, last: last === '' || /^\d+$/.test(last) ? undefined : last, azure };
}

function sameText(a: IdKey, b: IdKey, x: string, y: string): boolean {
  return a.azure || b.azure ? x.toLowerCase() === y.toLowerCase() : x === y;
}

/**
 * Whether a provider id (a node's `spec.providerID`, a volume's disk id) names an export
 * ResourceId. They match when one equals the other once both are in the form of `idKey`
 * (`gce://p/z/n` is `//compute.googleapis.com/projects/p/zones/z/instances/n`, `azure:///subscriptions/…`
 * is `/subscriptions/…`), or else when their last path segments (after the final `/`) are equal:
 * `aws:///us-east-1a/i-0abc` and `arn:aws:ec2:us-east-1:123:instance/i-0abc`, `vol-0abc` and
 * `arn:…:volume/vol-0abc`, a GCE PD name and its full name. Case-insensitive when either is an
 * Azure id; a last segment of digits alone never matches by itself. The index prefers a full
 * match: only when no ResourceId matches in full does it match on the last segment.
 */
export function matchResourceIds(providerId: string, resourceId: string): 'full' | 'last' | undefined {
  const a = idKey(providerId);
  const b = idKey(resourceId);
  if (sameText(a, b, a.canonical, b.canonical)) return 'full';
  if (a.last !== undefined && b.last !== undefined && sameText(a, b, a.last, b.last)) return 'last';
  return undefined;
}

interface Resource {
  rows: BillingRow[];
  /** The longest charge period: rows starting this long before a window cannot reach into it. */
  maxLength: number;
}

class FocusBillingIndex implements BillingIndex {
  readonly coverageEnd: number;
  readonly rowCount: number;
  readonly currencies: readonly string[];
  readonly #resources: ReadonlyMap<string, Resource>;
  /** Lower-cased canonical id → the entries with it. */
  readonly #byCanonical = new Map<string, Entry[]>();
  /** Lower-cased last segment → the entries with it. */
  readonly #byLast = new Map<string, Entry[]>();

  constructor(resources: ReadonlyMap<string, Resource>, coverageEnd: number, rowCount: number, currencies: readonly string[]) {
    this.#resources = resources;
    this.coverageEnd = coverageEnd;
    this.rowCount = rowCount;
    this.currencies = currencies;
    for (const id of resources.keys()) {
      const entry: Entry = { id, ...idKey(id) };
      push(this.#byCanonical, entry.canonical.toLowerCase(), entry);
      if (entry.last !== undefined) push(this.#byLast, entry.last.toLowerCase(), entry);
    }
  }

  get resourceCount(): number {
    return this.#resources.size;
  }

  rows(resourceId: string): readonly BillingRow[] | undefined {
    return this.#resources.get(resourceId)?.rows;
  }

  sampleIds(n: number): readonly string[] {
    const out: string[] = [];
    for (const id of this.#resources.keys()) {
      if (out.length >= n) break;
      out.push(id);
    }
    return out;
  }

  match(providerId: string): readonly string[] {
    const q = idKey(providerId);
    const full = (this.#byCanonical.get(q.canonical.toLowerCase()) ?? []).filter((e) => sameText(q, e, q.canonical, e.canonical));
    if (full.length > 0 || q.last === undefined) return full.map((e) => e.id);
    const last = q.last;
    return (this.#byLast.get(last.toLowerCase()) ?? []).filter((e) => e.last !== undefined && sameText(q, e, last, e.last)).map((e) => e.id);
  }

  billedCost(resourceIds: readonly string[], window: Window): number | undefined {
    const ids = new Set(resourceIds.flatMap((id) => this.match(id)));
    let total = 0;
    let found = false;
    for (const id of ids) {
      const r = this.#resources.get(id);
      if (r === undefined) continue;
      // Rows are ordered by start: skip those that end before the window, stop at the first that starts at or after its end.
      for (let i = firstStartAfter(r.rows, window.start - r.maxLength); i < r.rows.length; i++) {
        const row = r.rows[i];
        if (row === undefined || row.start >= window.end) break;
        const overlap = Math.min(row.end, window.end) - Math.max(row.start, window.start);
        if (overlap <= 0) continue;
        found = true;
        total += (row.cost * overlap) / (row.end - row.start);
      }
    }
    return found ? total : undefined;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}

/** The index of the first row whose start is after `t` (rows ordered by start). */
function firstStartAfter(rows: readonly BillingRow[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid]?.start ?? Infinity) > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Builds a BillingIndex from FOCUS rows. What reconciles: rows whose ChargeCategory is `Usage`
 * (compared case-insensitively), or every row when the export has no ChargeCategory column.
 * Purchase rows (an upfront commitment, a marketplace fee) span periods unrelated to the usage,
 * Tax, Credit and Adjustment rows are account-level; none is the running cost of a node or a
 * disk. Corrections (ChargeClass `Correction`) are Usage rows of their own charge period and count
 * there. Coverage is taken from Usage rows alone, with or without a ResourceId, for the same
 * reason: a monthly Purchase row would claim coverage up to the month's end.
 */
export class BillingIndexBuilder {
  readonly #rows = new Map<string, BillingRow[]>();
  readonly #currencies = new Set<string>();
  #coverageEnd = 0;
  #rowCount = 0;

  add(row: FocusRow): void {
    if (row.chargeCategory !== undefined && row.chargeCategory.toLowerCase() !== 'usage') return;
    if (row.end > this.#coverageEnd) this.#coverageEnd = row.end;
    if (row.resourceId === '') return;
    this.#rowCount++;
    if (row.currency !== undefined && row.currency !== '') this.#currencies.add(row.currency);
    push(this.#rows, row.resourceId, { start: row.start, end: row.end, cost: row.billedCost });
  }

  /** The index; rows of one resource with one period (the line items of an instance-hour) become one. */
  finish(): BillingIndex {
    const resources = new Map<string, Resource>();
    for (const [id, rows] of this.#rows) {
      rows.sort((a, b) => a.start - b.start || a.end - b.end);
      const merged: BillingRow[] = [];
      let maxLength = 0;
      for (const row of rows) {
        const prev = merged.at(-1);
        if (prev !== undefined && prev.start === row.start && prev.end === row.end) {
          merged[merged.length - 1] = { start: row.start, end: row.end, cost: prev.cost + row.cost };
        } else {
          merged.push(row);
          maxLength = Math.max(maxLength, row.end - row.start);
        }
      }
      resources.set(id, { rows: merged, maxLength });
    }
    this.#rows.clear();
    return new FocusBillingIndex(resources, this.#coverageEnd, this.#rowCount, [...this.#currencies].sort());
  }
}

/** The index of a FOCUS CSV text (`file` names it in errors); throws BillingExportError. */
export function parseBillingIndex(text: string, file = 'text'): BillingIndex {
  const b = new BillingIndexBuilder();
  parseFocus(text, file, (row) => b.add(row));
  return b.finish();
}

/** What a BillingExport needs. */
export interface BillingExportOptions {
  /** `BILLING_EXPORT`. */
  readonly path: string;
  readonly log?: BillingExportLogger;
  /** Files larger than this are refused; default 512 MiB. */
  readonly maxBytes?: number;
}

/**
 * `BILLING_EXPORT`, read when asked and only when it changed. Each `load()` stats the file; while
 * its inode, size and mtime are those of the version last read, the last answer stands (an index,
 * or the reason the file cannot be used) and nothing is read. A changed file is read once,
 * streaming, into a new index; its SHA-256 is the digest reconciliation stamps sets with, so a
 * file rewritten with the same content reconciles nothing again. A missing or unreadable file is
 * an error answer naming the path and the reason (the file may appear later); a read failure is
 * logged once per distinct reason, a new version once.
 */
export class BillingExport {
  readonly #path: string;
  readonly #log: BillingExportLogger | undefined;
  readonly #maxBytes: number;
  #version: string | undefined;
  #last: BillingLoad | undefined;
  #lastError: string | undefined;

  constructor(o: BillingExportOptions) {
    this.#path = o.path;
    this.#log = o.log;
    this.#maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  get path(): string {
    return this.#path;
  }

  load(): BillingLoad {
    let version: string | undefined;
    try {
      version = fileVersion(statSync(this.#path, { bigint: true }));
    } catch {
      // Missing or not stat-able: readFocusFile says why, and nothing is kept, so the next load tries again.
      version = undefined;
    }
    if (version !== undefined && version === this.#version && this.#last !== undefined) return this.#last;
    const result = this.#read();
    // An error is kept for the version stat'ed before the read; a good read for the version it read.
    this.#version = result.ok ? result.version : version;
    this.#last = result.load;
    return result.load;
  }

  #read(): { ok: true; load: BillingLoad; version: string } | { ok: false; load: BillingLoad } {
    const builder = new BillingIndexBuilder();
    try {
      const read = readFocusFile(this.#path, (row) => builder.add(row), this.#maxBytes);
      const index = builder.finish();
      const previous = this.#last;
      if (!(previous?.ok === true && previous.digest === read.digest)) {
        this.#log?.info(
          {
            file: this.#path,
            digest: read.digest,
            bytes: read.bytes,
            rows: index.rowCount,
            resources: index.resourceCount,
            coverageEnd: new Date(index.coverageEnd).toISOString(),
            currencies: index.currencies,
          },
          'billing export read',
        );
      }
      this.#lastError = undefined;
      return { ok: true, load: { ok: true, digest: read.digest, index }, version: read.version };
    } catch (err) {
      if (!(err instanceof BillingExportError)) throw err;
      if (err.message !== this.#lastError) this.#log?.warn({ file: this.#path, err: err.message }, 'billing export cannot be used');
      this.#lastError = err.message;
      return { ok: false, load: { ok: false, error: err.message } };
    }
  }
}
