import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type ServerHandle } from '../../src/server.js';
import { ManualClock } from '../support/manual-clock.js';

const config = (env: Record<string, string> = {}): Config => {
  const r = loadConfig({ PORT: '0', HOST: '127.0.0.1', STORAGE_URL: 'memory:', ...env });
  if (r.help) throw new Error('unexpected help');
  return r.config;
};

let server: ServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the server', () => {
  it('serves its metrics with the Node.js defaults, fed by its bus, its components and its build', async () => {
    const clock = new ManualClock();
    server = await startServer(config(), { clock, env: {}, serviceAccountDir: '/nonexistent', build: { version: '0.1.0', commit: '9fcbd3b', builtAt: null } });
    server.bus.publish('etl', { kind: 'AssetSetTotaled', metadata: {}, time: clock.nowNs(), cluster: 'cluster-one' });
    await server.app.inject('/readyz');
    const text = (await server.app.inject('/metrics')).payload;
    expect(text).toContain('kubecost_etl_events_total{etl="asset",event="AssetSetTotaled"} 1\n');
    expect(text).toContain('cost_events_build_info{version="0.1.0",commit="9fcbd3b"} 1\n');
    expect(text).toContain('cost_events_component_ready{component="storage"} 1\n');
    expect(text).toContain('cost_events_component_ready{component="kubernetes"} 1\n');
    expect(text).toContain('cost_events_storage_written_records_total 1\n');
    // No cluster, no pipeline: the ETL metrics are described but have no sample.
    expect(text).toContain('# TYPE cost_events_etl_last_built_window_end_seconds gauge\n');
    expect(text).not.toMatch(/^cost_events_etl_\w+(\{.*\})? /m);
    expect(text).toContain('cost_events_http_request_duration_seconds_count{method="GET",route="/readyz",status_code="200"} 1\n');
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });
});
