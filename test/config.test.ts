import { describe, expect, it } from 'vitest';
import { ConfigError, flagOf, helpText, loadConfig, redactedConfig, redactUrl, SETTINGS, type Config } from '../src/config.js';

const load = (env: Record<string, string> = {}, argv: string[] = []): Config => {
  const r = loadConfig(env, argv);
  if (r.help) throw new Error('unexpected --help');
  return r.config;
};

const failure = (env: Record<string, string>, argv: string[] = []): string => {
  try {
    loadConfig(env, argv);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('settings', () => {
  it('has the documented defaults', () => {
    expect(load()).toEqual({
      port: 9090,
      host: '0.0.0.0',
      clusterId: 'cluster-one',
      kubeconfig: undefined,
      auditEnabled: false,
      auditRecordImageChanges: false,
      auditScaleGroupMs: 300_000,
      auditResourceTypes: ['deployment', 'statefulset'],
      costPredictor: 'requests',
      kubecostUrl: undefined,
      kubecostTimeoutMs: 5000,
      etlResolutionMs: 3_600_000,
      etlLogCapacity: 1000,
      auditCapacity: 1000,
      storageUrl: 'sqlite:./data/cost-events.db',
      storageQueueCapacity: 10_000,
      storagePruneIntervalMs: 60_000,
      pricingConfig: undefined,
      cesTokensFile: undefined,
      notifyConfig: undefined,
      notifyLeaseMs: 60_000,
      cesRateLimit: 600,
      cesRateLimitWindowMs: 60_000,
      customEventRetentionMs: 30 * 86_400_000,
      customEventCapacity: 100_000,
      etlHourlyRetentionMs: 49 * 3_600_000,
      etlDailyRetentionMs: 91 * 86_400_000,
      etlRepairHorizonMs: 86_400_000,
      billingExport: undefined,
      corsAllowedOrigins: '*',
      logLevel: 'info',
      docsEnabled: false,
      uiEnabled: true,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('reads environment variables', () => {
    const c = load({ PORT: '8080', CLUSTER_ID: 'prod-eu-1', COST_EVENTS_AUDIT_ENABLED: 'true', ETL_RESOLUTION: '5m', AUDIT_RESOURCE_TYPES: 'deployment,pod' });
    expect(c.port).toBe(8080);
    expect(c.clusterId).toBe('prod-eu-1');
    expect(c.auditEnabled).toBe(true);
    expect(c.etlResolutionMs).toBe(300_000);
    expect(c.auditResourceTypes).toEqual(['deployment', 'pod']);
  });

  it('takes 0s for ETL_REPAIR_HORIZON: ended objects are let go as soon as their window is built', () => {
    expect(load({ ETL_REPAIR_HORIZON: '0s' }).etlRepairHorizonMs).toBe(0);
    expect(load({ ETL_REPAIR_HORIZON: '3d' }).etlRepairHorizonMs).toBe(3 * 86_400_000);
  });

  it('lets a flag win over the environment, in both flag spellings', () => {
    expect(load({ PORT: '8080' }, ['--port', '7070']).port).toBe(7070);
    expect(load({}, ['--cluster-id=blue', '--log-level', 'debug'])).toMatchObject({ clusterId: 'blue', logLevel: 'debug' });
  });

  it('mirrors every variable as a flag', () => {
    expect(Object.values(SETTINGS).map((s) => flagOf(s.env))).toContain('--etl-log-capacity');
  });

  it.each([
    [{ PORT: 'abc' }, 'invalid setting PORT="abc": accepts an integer from 0 to 65535 (0 picks a free port)'],
    [{ PORT: '70000' }, 'invalid setting PORT="70000": accepts an integer from 0 to 65535 (0 picks a free port)'],
    [{ CLUSTER_ID: 'has space' }, 'invalid setting CLUSTER_ID="has space": accepts 1 to 64 letters, digits and hyphens'],
    [{ COST_EVENTS_AUDIT_ENABLED: 'yes' }, 'invalid setting COST_EVENTS_AUDIT_ENABLED="yes": accepts true or false'],
    [{ ETL_RESOLUTION: '7m' }, 'invalid setting ETL_RESOLUTION="7m": accepts a duration such as 10s, 5m or 1h that divides a day evenly'],
    [{ ETL_HOURLY_RETENTION: '49' }, 'invalid setting ETL_HOURLY_RETENTION="49": accepts a duration of at least ETL_RESOLUTION such as 49h or 3d'],
    [{ ETL_HOURLY_RETENTION: '30m' }, 'invalid setting ETL_HOURLY_RETENTION="30m": accepts a duration of at least ETL_RESOLUTION such as 49h or 3d (ETL_RESOLUTION is 1h)'],
    [{ ETL_DAILY_RETENTION: '23h' }, 'invalid setting ETL_DAILY_RETENTION="23h": accepts a duration of at least 1d such as 91d or 13w'],
    [{ ETL_REPAIR_HORIZON: '1 day' }, 'invalid setting ETL_REPAIR_HORIZON="1 day": accepts a duration such as 6h, 24h or 3d (0s: repairs rebuild only windows not yet built)'],
    [{ ETL_LOG_CAPACITY: '0' }, 'invalid setting ETL_LOG_CAPACITY="0": accepts an integer from 1 to 1000000'],
    [{ AUDIT_CAPACITY: '1e3' }, 'invalid setting AUDIT_CAPACITY="1e3": accepts an integer from 1 to 1000000'],
    [{ CES_TOKENS_FILE: '/nonexistent/tokens.json' }, 'invalid setting CES_TOKENS_FILE="/nonexistent/tokens.json": accepts the path of a readable JSON token file'],
    [{ CES_RATE_LIMIT: '-1' }, 'invalid setting CES_RATE_LIMIT="-1": accepts an integer from 0 to 1000000 (0 turns the limit off)'],
    [{ CES_RATE_LIMIT_WINDOW: '500ms' }, 'invalid setting CES_RATE_LIMIT_WINDOW="500ms": accepts a duration of at least 1s such as 1s, 1m or 1h'],
    [{ CUSTOM_EVENT_RETENTION: '59m' }, 'invalid setting CUSTOM_EVENT_RETENTION="59m": accepts a duration of at least 1h such as 12h, 30d or 8w'],
    [{ CUSTOM_EVENT_CAPACITY: '0' }, 'invalid setting CUSTOM_EVENT_CAPACITY="0": accepts an integer from 1 to 10000000'],
    [{ AUDIT_RECORD_IMAGE_CHANGES: 'yes' }, 'invalid setting AUDIT_RECORD_IMAGE_CHANGES="yes": accepts true or false'],
    [{ AUDIT_RESOURCE_TYPES: 'deployment,cronjob' }, 'invalid setting AUDIT_RESOURCE_TYPES="deployment,cronjob": accepts a comma list of deployment, statefulset, daemonset, pod'],
    [{ STORAGE_URL: 'redis://x' }, 'invalid setting STORAGE_URL="redis://x": accepts memory:, sqlite:<path> (e.g. sqlite:./data/cost-events.db) or postgres://user:password@host:5432/database'],
    [{ STORAGE_URL: 'sqlite:' }, 'invalid setting STORAGE_URL="sqlite:": accepts memory:, sqlite:<path> (e.g. sqlite:./data/cost-events.db) or postgres://user:password@host:5432/database'],
    [{ STORAGE_QUEUE_CAPACITY: '0' }, 'invalid setting STORAGE_QUEUE_CAPACITY="0": accepts an integer from 1 to 10000000'],
    [{ KUBECONFIG: '/nonexistent/kubeconfig' }, 'invalid setting KUBECONFIG="/nonexistent/kubeconfig": accepts the path of a readable kubeconfig file (or several joined by ":", as kubectl reads them)'],
    [{ LOG_LEVEL: 'loud' }, 'invalid setting LOG_LEVEL="loud": accepts fatal, error, warn, info, debug, trace, silent'],
    [{ DOCS_ENABLED: 'on' }, 'invalid setting DOCS_ENABLED="on": accepts true or false'],
    [{ UI_ENABLED: 'yes' }, 'invalid setting UI_ENABLED="yes": accepts true or false'],
  ])('stops at a bad value of %o, naming the variable, the value and what it accepts', (env, message) => {
    expect(failure(env)).toBe(message);
  });

  it.each(['memory:', 'sqlite:./data/cost-events.db', 'sqlite:/var/lib/cost-events/events.db', 'postgres://cost:s3cret@db:5432/events', 'postgresql://db/events?options=-c%20search_path%3Dcost'])(
    'accepts STORAGE_URL=%s',
    (url) => {
      expect(load({ STORAGE_URL: url }).storageUrl).toBe(url);
    },
  );

  it('requires KUBECOST_URL when COST_PREDICTOR=kubecost', () => {
    expect(failure({ COST_PREDICTOR: 'kubecost' })).toBe('invalid setting KUBECOST_URL="": accepts an http:// or https:// URL (required when COST_PREDICTOR=kubecost)');
    expect(load({ COST_PREDICTOR: 'kubecost', KUBECOST_URL: 'http://kubecost-cost-analyzer.kubecost:9090' }).kubecostUrl).toBe('http://kubecost-cost-analyzer.kubecost:9090');
  });

  it('refuses a KUBECOST_URL that is not http(s)', () => {
    expect(failure({ KUBECOST_URL: 'ftp://x' })).toBe('invalid setting KUBECOST_URL="ftp://x": accepts an http:// or https:// URL');
  });

  it('refuses an unknown flag', () => {
    expect(failure({}, ['--prot', '1'])).toMatch(/^invalid setting argument="--prot": accepts --help, --version or one of --port, --host/);
  });

  it('refuses a flag without its value', () => {
    expect(failure({}, ['--port'])).toBe('invalid setting --port="": accepts a value after the flag');
  });

  it('treats an empty optional setting as unset', () => {
    expect(load({ KUBECONFIG: '' }).kubeconfig).toBeUndefined();
  });

  it('answers --help with every variable, its default and what it accepts', () => {
    expect(loadConfig({}, ['--help'])).toEqual({ help: true, asked: 'help' });
    const text = helpText();
    for (const s of Object.values(SETTINGS)) expect(text).toContain(`${s.env} / ${flagOf(s.env)}`);
    expect(text).toContain('accepts true or false; default: false');
  });

  it('answers --version and -v instead of starting, whatever else the line holds', () => {
    expect(loadConfig({}, ['--port', '1', '--version'])).toEqual({ help: true, asked: 'version' });
    expect(loadConfig({}, ['-v'])).toEqual({ help: true, asked: 'version' });
  });

  it('masks the password of a storage URL', () => {
    expect(redactUrl('postgres://cost:s3cret@db:5432/events')).toBe('postgres://cost:***@db:5432/events');
    expect(redactUrl('sqlite:./data/x.db')).toBe('sqlite:./data/x.db');
  });

  it('masks a password holding an @ whole, and secret query parameters', () => {
    expect(redactUrl('postgres://cost:p@ss@db:5432/events')).toBe('postgres://cost:***@db:5432/events');
    expect(redactUrl('postgres://cost@db/events?sslmode=require&password=s3cret&sslpassword=k3y')).toBe('postgres://cost@db/events?sslmode=require&password=***&sslpassword=***');
  });

  it('masks the secrets of every setting for logs and bug reports', () => {
    const redacted = redactedConfig(load({ STORAGE_URL: 'postgres://cost:s3cret@db:5432/events', COST_PREDICTOR: 'kubecost', KUBECOST_URL: 'https://admin:hunter22@kubecost.example:9090' }));
    expect(redacted).toMatchObject({ storageUrl: 'postgres://cost:***@db:5432/events', kubecostUrl: 'https://admin:***@kubecost.example:9090', port: 9090 });
    expect(JSON.stringify(redacted)).not.toMatch(/s3cret|hunter22/);
  });
});
