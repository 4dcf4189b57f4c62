import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BillingExport, matchResourceIds, parseBillingIndex, type BillingExportLogger, type BillingIndex } from '../../src/etl/billing-export.js';

const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', name);
const indexOf = (name: string): BillingIndex => parseBillingIndex(readFileSync(fixture(name), 'utf8'), name);
const HOUR = 3_600_000;
const MAY3 = Date.UTC(2024, 4, 3);
const day3 = { start: MAY3, end: MAY3 + 24 * HOUR };
const cents = (n: number | undefined): string | undefined => n?.toFixed(2);

const AZ = '/subscriptions/0000-1111/resourceGroups/MC_rg_aks_eastus/providers/Microsoft.Compute';

describe('matching provider ids to ResourceIds', () => {
  it.each([
    ['aws:///us-east-1a/i-0abc123', 'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc123', 'last'],
    ['aws:///us-east-1a/i-0abc123', 'i-0abc123', 'last'],
    ['vol-0abc', 'arn:aws:ec2:us-east-1:123456789012:volume/vol-0abc', 'last'],
    ['aws://us-east-1a/vol-0abc', 'vol-0abc', 'last'],
    ['gce://my-project/us-central1-a/gke-node-1', '//compute.googleapis.com/projects/my-project/zones/us-central1-a/instances/gke-node-1', 'full'],
    ['projects/p/zones/z/disks/pd-1', '//compute.googleapis.com/projects/p/zones/z/disks/pd-1', 'full'],
    ['pd-1', '//compute.googleapis.com/projects/p/zones/z/disks/pd-1', 'last'],
    [`azure://${AZ}/virtualMachines/vm-1`, `${AZ.toLowerCase()}/virtualmachines/vm-1`, 'full'],
    [`${AZ}/disks/pvc-abc`, `${AZ.toLowerCase()}/disks/pvc-abc`, 'full'],
    ['VM-1', `${AZ.toLowerCase()}/virtualmachines/vm-1`, 'last'],
  ])('%s matches %s (%s)', (providerId, resourceId, how) => {
    expect(matchResourceIds(providerId, resourceId)).toBe(how);
    expect(matchResourceIds(resourceId, providerId)).toBe(how);
  });

  it.each([
    ['aws:///us-east-1a/i-0ABC123', 'arn:aws:ec2:us-east-1:1:instance/i-0abc123', 'case matters outside Azure'],
    ['aws:///us-east-1a/i-0abc123', 'arn:aws:ec2:us-east-1:1:instance/i-0abc1234', 'another instance'],
    [`azure://${AZ}/virtualMachineScaleSets/pool-a/virtualMachines/0`, `${AZ}/virtualMachineScaleSets/pool-b/virtualMachines/0`, 'a scale set instance number alone'],
    ['gce://p/z/gke-node-1/', 'gke-node-1', 'an empty last segment'],
  ])('%s does not match %s (%s)', (providerId, resourceId) => {
    expect(matchResourceIds(providerId, resourceId)).toBeUndefined();
  });
});

describe('the billing index', () => {
  it('keeps Usage rows with a ResourceId; coverage ends with the last Usage row, not a month-long Purchase', () => {
    const index = indexOf('aws-focus.csv');
    expect(new Date(index.coverageEnd).toISOString()).toBe('2024-05-04T00:00:00.000Z');
    expect([index.rowCount, index.resourceCount, index.currencies]).toEqual([3, 2, ['USD']]);
    expect(index.rows('arn:aws:ec2:us-east-1:123456789012:instance/i-0abc123')).toEqual([
      { start: MAY3 - 24 * HOUR, end: MAY3, cost: 2.4 },
      { start: MAY3, end: MAY3 + 24 * HOUR, cost: 2.4 },
    ]);
  });

  it('prorates daily rows to an hourly window, to the cent', () => {
    const index = indexOf('aws-focus.csv');
    const node = ['aws:///us-east-1a/i-0abc123'];
    expect(cents(index.billedCost(node, { start: MAY3 + 10 * HOUR, end: MAY3 + 11 * HOUR }))).toBe('0.10');
    expect(cents(index.billedCost(node, { start: MAY3 - 12 * HOUR, end: MAY3 + 12 * HOUR }))).toBe('2.40');
    expect(cents(index.billedCost(['vol-0abc'], { start: MAY3 + 23 * HOUR, end: MAY3 + 24 * HOUR }))).toBe('0.01');
    expect(cents(index.billedCost(node, { start: MAY3 + 90 * 60_000, end: MAY3 + 150 * 60_000 }))).toBe('0.10');
  });

  it('is undefined for an id it does not bill, or no row in the window', () => {
    const index = indexOf('aws-focus.csv');
    expect(index.billedCost(['aws:///us-east-1a/i-0fff'], day3)).toBeUndefined();
    expect(index.billedCost(['vol-0abc'], { start: MAY3 - 24 * HOUR, end: MAY3 })).toBeUndefined();
  });

  it('counts a resource once however many of the ids name it', () => {
    const index = indexOf('aws-focus.csv');
    expect(index.billedCost(['aws:///us-east-1a/i-0abc123', 'i-0abc123'], day3)).toBe(2.4);
  });

  it('matches a GCE node to its instance, not its boot disk of the same name, and merges SKU rows of one hour', () => {
    const index = indexOf('gcp-focus.csv');
    expect(index.currencies).toEqual(['EUR']);
    const instance = index.rows('//compute.googleapis.com/projects/my-project/zones/us-central1-a/instances/gke-node-1');
    expect(instance).toHaveLength(24);
    expect(instance?.[0]?.cost).toBeCloseTo(0.04, 12);
    expect(cents(index.billedCost(['gce://my-project/us-central1-a/gke-node-1'], day3))).toBe('0.96');
    expect(cents(index.billedCost(['gce://my-project/us-central1-a/gke-node-1'], { start: MAY3 + HOUR / 2, end: MAY3 + 3 * HOUR }))).toBe('0.10');
    expect(cents(index.billedCost(['projects/my-project/zones/us-central1-a/disks/pvc-123'], day3))).toBe('0.05');
    expect(cents(index.billedCost(['pvc-123'], day3))).toBe('0.05');
  });

  it('matches Azure ids whatever their case, leaves Credit rows and an unbilled scale-set instance out', () => {
    const index = indexOf('azure-focus.csv');
    expect(index.billedCost([`azure://${AZ}/virtualMachines/vm-1`], day3)).toBe(4.8);
    expect(index.billedCost([`${AZ}/disks/pvc-abc`], day3)).toBe(0.48);
    expect(index.billedCost([`azure://${AZ}/virtualMachineScaleSets/aks-pool-vmss/virtualMachines/0`], day3)).toBeUndefined();
    expect(index.sampleIds(1)).toEqual([`${AZ.toLowerCase()}/virtualmachines/vm-1`]);
  });

  it('counts every row when the export has no ChargeCategory column', () => {
    const index = parseBillingIndex(`ResourceId,ChargePeriodStart,ChargePeriodEnd,BilledCost\ni-1,2024-05-03T00:00:00Z,2024-05-04T00:00:00Z,1\ni-1,2024-05-03T00:00:00Z,2024-05-04T00:00:00Z,0.5\n`);
    expect(index.billedCost(['i-1'], day3)).toBe(1.5);
  });

  it('finds rows of every length around a window: a month-long row beside hourly ones', () => {
    const lines = ['ResourceId,ChargePeriodStart,ChargePeriodEnd,BilledCost', 'i-1,2024-05-01T00:00:00Z,2024-05-31T00:00:00Z,30'];
    for (let h = 0; h < 72; h++) {
      const s = new Date(MAY3 - 24 * HOUR + h * HOUR).toISOString();
      const e = new Date(MAY3 - 23 * HOUR + h * HOUR).toISOString();
      lines.push(`i-1,${s},${e},0.01`);
    }
    const index = parseBillingIndex(lines.join('\n'));
    expect(cents(index.billedCost(['i-1'], day3))).toBe('1.24');
    expect(cents(index.billedCost(['i-1'], { start: MAY3 + 5 * HOUR, end: MAY3 + 6 * HOUR }))).toBe('0.05');
    expect(index.billedCost(['i-1'], { start: Date.UTC(2024, 5, 1), end: Date.UTC(2024, 5, 2) })).toBeUndefined();
  });

  it('covers nothing without Usage rows', () => {
    expect(parseBillingIndex('ResourceId,ChargePeriodStart,ChargePeriodEnd,BilledCost,ChargeCategory\n').coverageEnd).toBe(0);
  });
});

describe('the billing export file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const tempFile = (): string => join((dir = mkdtempSync(join(tmpdir(), 'billing-export-'))), 'focus.csv');
  const recordingLog = (): BillingExportLogger & { lines: { level: string; msg: string; obj: Record<string, unknown> }[] } => {
    const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
    return { lines, info: (obj, msg) => lines.push({ level: 'info', msg, obj }), warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }) };
  };
  const csv = (cost: string): string => `ResourceId,ChargePeriodStart,ChargePeriodEnd,BilledCost\ni-1,2024-05-03T00:00:00Z,2024-05-04T00:00:00Z,${cost}\n`;
  const T1 = new Date('2024-05-05T00:00:00Z');
  const T2 = new Date('2024-05-06T00:00:00Z');

  it('answers an error naming the path while the file is missing, and reads it once it appears', () => {
    const path = tempFile();
    const log = recordingLog();
    const billing = new BillingExport({ path, log });
    expect(billing.load()).toEqual({ ok: false, error: `billing export ${path}: no such file (BILLING_EXPORT names a FOCUS CSV file; it may appear later)` });
    expect(billing.load().ok).toBe(false);
    writeFileSync(path, csv('1.50'));
    const loaded = billing.load();
    expect(loaded.ok && loaded.index.billedCost(['i-1'], day3)).toBe(1.5);
    expect(log.lines.map((l) => `${l.level} ${l.msg}`)).toEqual(['warn billing export cannot be used', 'info billing export read']);
  });

  it('re-reads only when the size or mtime changes; a rewrite with the same content keeps its digest', () => {
    const path = tempFile();
    const log = recordingLog();
    const billing = new BillingExport({ path, log });
    writeFileSync(path, csv('1.50'));
    utimesSync(path, T1, T1);
    const first = billing.load();
    expect(first.ok).toBe(true);
    expect(billing.load()).toBe(first);

    // Same size, same mtime: not read again (the stat is all a load costs).
    writeFileSync(path, csv('2.50'));
    utimesSync(path, T1, T1);
    expect(billing.load()).toBe(first);

    // A new mtime: read, a new digest and index.
    utimesSync(path, T2, T2);
    const second = billing.load();
    if (!second.ok || !first.ok) throw new Error('expected both loads to succeed');
    expect(second.digest).not.toBe(first.digest);
    expect(second.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.index.billedCost(['i-1'], day3)).toBe(2.5);

    // The first content again (a version other than the one last read): read, and the first digest again.
    writeFileSync(path, csv('1.50'));
    utimesSync(path, T1, T1);
    const third = billing.load();
    expect(third.ok && third.digest).toBe(first.digest);
    expect(log.lines.filter((l) => l.msg === 'billing export read').map((l) => l.obj.digest)).toEqual([first.digest, second.digest, first.digest]);
  });

  it('answers a malformed file with its line, logs it once, and recovers when it is fixed', () => {
    const path = tempFile();
    const log = recordingLog();
    const billing = new BillingExport({ path, log });
    writeFileSync(path, csv('1,50'));
    const bad = billing.load();
    expect(bad).toEqual({ ok: false, error: `billing export ${path}, line 2: the row has 5 fields where the header has 4; every row needs one field per column (quote fields that hold commas)` });
    expect(billing.load()).toBe(bad);
    expect(log.lines).toEqual([{ level: 'warn', msg: 'billing export cannot be used', obj: { file: path, err: bad.ok ? '' : bad.error } }]);
    writeFileSync(path, csv('1.5'));
    expect(billing.load().ok).toBe(true);
  });

  it('refuses a file over its size limit', () => {
    const path = tempFile();
    writeFileSync(path, csv('1.50'));
    expect(new BillingExport({ path, maxBytes: 64 }).load()).toEqual({
      ok: false,
      error: `billing export ${path}: the file is ${Buffer.byteLength(csv('1.50'))} bytes, over the limit of 64 bytes; export a shorter period or raise the limit`,
    });
  });
});
