import { describe, expect, it } from 'vitest';
import { AUDIT_RESOURCE_TYPES } from '../../src/audit/resource-types.js';
import { SETTINGS } from '../../src/config.js';
import { PriceSheetOverridesSchema } from '../../src/cost/price-sheet.js';
import { loadChart, mergeValues, schemaErrors } from './support/chart.js';
import type { GoMap, GoValue } from './support/go-template/values.js';

// Helm validates the merged values against values.schema.json before rendering (install,
// upgrade, template, lint); ajv does the same here. The schema's bounds must be what the server
// accepts, so a value that would stop the pod at start (exit 2) already fails the install.

const chart = loadChart();

/** The defaults with `value` at the dotted `path`. */
function withValue(path: string, value: GoValue): GoMap {
  const keys = path.split('.');
  const override = keys.reduceRight<GoValue>((inner, key) => ({ [key]: inner }), value) as GoMap;
  return mergeValues(chart.values, override);
}

const errors = (overrides: GoMap) => schemaErrors(chart, mergeValues(chart.values, overrides));
const accepts = (path: string, value: GoValue) => schemaErrors(chart, withValue(path, value)).length === 0;

describe('values.schema.json', () => {
  it('is a draft-07 schema', () => {
    expect(chart.schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('accepts the chart default values.yaml', () => {
    expect(schemaErrors(chart, chart.values)).toEqual([]);
  });

  it('rejects several replicas on SQLite', () => {
    expect(errors({ replicaCount: 2 })).toEqual(['/storage/existingSecret must NOT have fewer than 1 characters', '/ must match "then" schema']);
  });

  it('accepts several replicas on PostgreSQL', () => {
    expect(errors({ replicaCount: 3, storage: { existingSecret: 'cost-events-postgres' } })).toEqual([]);
  });

  it('rejects the kubecost predictor without a Kubecost URL', () => {
    expect(errors({ costPredictor: { type: 'kubecost' } })).toEqual(['/costPredictor/kubecostUrl must NOT have fewer than 1 characters', '/ must match "then" schema']);
  });

  it('accepts the predictors src/config.ts accepts, kubecost with its URL', () => {
    const url = 'http://kubecost-cost-analyzer.kubecost:9090';
    const verdicts = ['requests', 'kubecost', 'opencost', ''].map((type) => [type, errors({ costPredictor: { type, kubecostUrl: url } }).length === 0, SETTINGS.costPredictor.parse(type) !== undefined]);
    expect(verdicts).toEqual([
      ['requests', true, true],
      ['kubecost', true, true],
      ['opencost', false, false],
      ['', false, false],
    ]);
  });

  it('rejects a key it does not know, such as a misspelt one', () => {
    expect(errors({ replicas: 2 })).toEqual(['/ must NOT have additional properties']);
    expect(errors({ costEventsAudit: { enable: true } })).toEqual(['/costEventsAudit must NOT have additional properties']);
  });

  it('rejects values of the wrong type or outside their enum', () => {
    expect(errors({ costEventsAudit: { enabled: 'yes' } })).toEqual(['/costEventsAudit/enabled must be boolean']);
    expect(errors({ logLevel: 'verbose' })).toEqual(['/logLevel must be equal to one of the allowed values']);
    expect(errors({ costEventsAudit: { resourceTypes: ['cronjob'] } })).toEqual(['/costEventsAudit/resourceTypes/0 must be equal to one of the allowed values']);
    expect(errors({ clusterId: 'blue_1' })).toEqual(['/clusterId must match pattern "^[a-zA-Z0-9-]{1,64}$"']);
  });

  it('rejects a price sheet key the server does not know and a negative price', () => {
    expect(errors({ pricing: { prices: { cpuCoreMonth: -1, cpuHour: 1 } } })).toEqual([
      '/pricing/prices must NOT have additional properties',
      '/pricing/prices/cpuCoreMonth must be >= 0',
    ]);
  });

  it('allows the price sheet keys of src/cost/price-sheet.ts, no more, no fewer', () => {
    const schemaKeys = Object.keys((chart.schema.properties as { pricing: { properties: { prices: { properties: object } } } }).pricing.properties.prices.properties);
    expect(schemaKeys).toEqual(Object.keys(PriceSheetOverridesSchema.properties));
  });

  it('lists exactly the audit resource types the server knows', () => {
    const items = (chart.schema.properties as { costEventsAudit: { properties: { resourceTypes: { items: { enum: string[] } } } } }).costEventsAudit.properties.resourceTypes.items;
    expect(items.enum).toEqual([...AUDIT_RESOURCE_TYPES]);
  });

  it('accepts exactly the ETL resolutions src/config.ts accepts: durations of at least 1s dividing a day', () => {
    const candidates: string[] = [];
    for (const [unit, max] of [['s', 90_000], ['m', 1500], ['h', 30], ['d', 3], ['w', 2]] as const) {
      for (let n = 0; n <= max; n++) candidates.push(`${n}${unit}`);
    }
    candidates.push('01h', '0060s', '1.5h', '1H', ' 1h', '', '-1h');
    const disagreements = candidates.filter((raw) => accepts('etl.resolution', raw) !== (SETTINGS.etlResolutionMs.parse(raw) !== undefined));
    expect(disagreements).toEqual([]);
  });

  it('agrees with src/config.ts on every other setting it bounds', () => {
    const cases: readonly (readonly [path: string, setting: keyof typeof SETTINGS, samples: readonly GoValue[]])[] = [
      ['containerPort', 'port', [1, 9090, 65535, 65536, -1, 1.5]],
      ['host', 'host', ['0.0.0.0', '::', 'localhost', '', '  ']],
      ['clusterId', 'clusterId', ['cluster-one', 'A-1', 'a'.repeat(64), 'a'.repeat(65), '', 'blue_1', 'blue.1']],
      ['logLevel', 'logLevel', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', 'verbose', 'INFO']],
      ['shutdownTimeout', 'shutdownTimeoutMs', ['10s', '1m', '0s', '2w', '10', '10 s', '1.5s', 's']],
      ['costEventsAudit.capacity', 'auditCapacity', [1, 1000, 1_000_000, 0, 1_000_001, 2.5]],
      ['costPredictor.kubecostTimeout', 'kubecostTimeoutMs', ['5s', '500s', '1h', '5', 'five']],
      ['etl.logCapacity', 'etlLogCapacity', [1, 1_000_000, 0, 1_000_001]],
      ['storage.queueCapacity', 'storageQueueCapacity', [1, 10_000_000, 0, 10_000_001]],
      ['storage.pruneInterval', 'storagePruneIntervalMs', ['30s', '1m', '1h', '1x', '']],
      ['cloudEye.rateLimit', 'cesRateLimit', [0, 600, 1_000_000, -1, 1_000_001, 1.5]],
      ['cloudEye.rateLimitWindow', 'cesRateLimitWindowMs', ['1s', '01s', '1m', '2w', '0s', '00s', '1', '1.5s', '']],
      ['cloudEye.customEvents.retention', 'customEventRetentionMs', ['1h', '30d', '8w', '60m', '3600s', '0060m', '59m', '3599s', '0h', '1', '']],
      ['cloudEye.customEvents.capacity', 'customEventCapacity', [1, 100_000, 10_000_000, 0, 10_000_001]],
    ];
    const disagreements = cases.flatMap(([path, key, samples]) =>
      samples.filter((v) => accepts(path, v) !== (SETTINGS[key].parse(String(v as string | number)) !== undefined)).map((v) => `${path}=${JSON.stringify(v)}`),
    );
    expect(disagreements).toEqual([]);
  });

  it('accepts the Kubecost URLs src/config.ts accepts', () => {
    const urls = ['http://kubecost-cost-analyzer.kubecost:9090', 'https://kubecost.example.com/', 'http://10.0.0.1:9090/model', 'ftp://kubecost', 'kubecost:9090', 'http://'];
    expect(urls.filter((u) => accepts('costPredictor.kubecostUrl', u) !== (SETTINGS.kubecostUrl.parse(u) !== undefined))).toEqual([]);
  });

  it('refuses port 0, which the server takes as "any free port" but a container port cannot be', () => {
    expect([accepts('containerPort', 0), SETTINGS.port.parse('0')]).toEqual([false, 0]);
  });

  it('accepts the audit resource types as a list, not the comma string the environment variable takes', () => {
    expect(accepts('costEventsAudit.resourceTypes', ['deployment', 'daemonset', 'pod'])).toBe(true);
    expect(accepts('costEventsAudit.resourceTypes', 'deployment,statefulset')).toBe(false);
    expect(accepts('costEventsAudit.resourceTypes', [])).toBe(false);
    expect(accepts('costEventsAudit.resourceTypes', ['pod', 'pod'])).toBe(false);
  });
});
