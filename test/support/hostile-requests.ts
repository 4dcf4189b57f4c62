/**
 * Seeded hostile HTTP/1.1 traffic for the soak (bench/soak.bench.ts) and the seeded requests test
 * (test/http/seeded-requests.test.ts): raw request bytes for every route of the server,
 * with random and malformed parameters, bodies of wrong or missing lengths, broken chunking,
 * deep nesting, YAML aliases and huge values. The same seed gives the same requests.
 */

/**
 * One request as bytes. `framed`: well-formed HTTP framing (however bad its content), so exactly
 * one response is due and the connection may be reused or pipelined. `breaking`: the framing
 * itself is wrong (a declared length that is not sent, broken chunks, garbage); the client
 * half-closes after it and reads whatever the server answers before closing.
 */
export interface HostileRequest {
  readonly bytes: Buffer;
  readonly framing: 'framed' | 'breaking';
  /** What it is, for the report of any 5xx. */
  readonly label: string;
}

import { readFileSync } from 'node:fs';

type Rand = () => number;

const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const chance = (r: Rand, p: number): boolean => r() < p;

const PROJECT = 'cluster-one';

/** Values, good and bad, that parameters get. */
function junkValue(r: Rand): string {
  switch (int(r, 0, 13)) {
    case 0:
      return '';
    case 1:
      return String(int(r, -5, 2000));
    case 2:
      return pick(r, ['1e999', 'NaN', 'Infinity', '-Infinity', '-0', '0x10', '9'.repeat(20), '9'.repeat(40), '1.5', 'true', 'null']);
    case 3:
      return 'x'.repeat(int(r, 100, 6000));
    case 4:
      return encodeURIComponent('['.repeat(int(r, 10, 2000)));
    case 5:
      return pick(r, ['%00', '%C3%28', '%E2%82', '%F0%9F%92%A9', '%0d%0aX-Injected:%201', '..%2F..%2Fetc%2Fpasswd']);
    case 6:
      return pick(r, ['today', 'yesterday', 'week', 'month', 'lastweek', '24h', '7d', '2w', '30m', '1h offset 1h', '1586822400,1586908800']);
    case 7:
      return pick(r, ['2020-04-01T00:00:00Z,2020-04-03T00:00:00Z', '2020-04-03T00:00:00Z,2020-04-01T00:00:00Z', '9999999999999,0', '0,99999999999']);
    case 8:
      return pick(r, ['AllocationSet', 'Asset', 'AllocationSetSavedEvent,AssetSetLoaded', 'Nope', ',,,', 'A'.repeat(300)]);
    case 9:
      return pick(r, ['namespace', 'cluster,node', 'label:app', 'controller', 'pod,container', 'label:' + 'a'.repeat(500), 'annotation:x']);
    case 10:
      return Array.from({ length: int(r, 2, 400) }, (_, i) => `c${i}`).join(',');
    case 11:
      return String(Date.now() - int(r, -1e9, 1e9));
    case 12:
      return encodeURIComponent(JSON.stringify({ a: [1, { b: 'c' }] }));
    default:
      return pick(r, ['cluster-one', 'blue', 'blue_1', 'deployment', 'add,delete,update', 'Critical', 'EVENT.SYS', 'EVENT.CUSTOM', 'normal']);
  }
}

const KUBECOST_PARAMS = [
  'window', 'kind', 'count', 'filterClusters', 'filterNamespaces', 'filterEventTypes', 'filterResourceTypes', 'filterTotalCostLowerBound',
  'filterTotalCostUpperBound', 'aggregate', 'accumulate', 'step', 'idle', 'splitIdle', 'idleByNode', 'offset', 'limit', 'resolution', 'shareIdle',
];
const CES_PARAMS = ['event_type', 'event_name', 'event_source', 'event_level', 'event_user', 'event_state', 'from', 'to', 'start', 'limit'];

function query(r: Rand, names: readonly string[]): string {
  const n = chance(r, 0.03) ? int(r, 200, 1500) : int(r, 0, 5);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = chance(r, 0.9) ? pick(r, names) : `k${int(r, 0, 1e6)}`;
    parts.push(`${name}=${junkValue(r)}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function nested(depth: number, open = '[', close = ']'): string {
  return `${open.repeat(depth)}${close.repeat(depth)}`;
}

function nestedObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function manyKeys(n: number): string {
  return `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`;
}

function cesEvent(r: Rand, now: number): Record<string, unknown> {
  return {
    event_name: `soak_${int(r, 0, 40)}`,
    event_source: pick(r, ['app.orders', 'svc.payments', 'soak.gen']),
    time: now - int(r, 0, 3_000_000),
    detail: {
      content: 'c'.repeat(int(r, 0, chance(r, 0.1) ? 4096 : 200)),
      event_level: pick(r, ['Critical', 'Major', 'Minor', 'Info']),
      event_state: pick(r, ['normal', 'warning', 'incident']),
      event_user: `user${int(r, 0, 9)}`,
      resource_id: `res-${int(r, 0, 1e9)}`,
    },
  };
}

/** Cloud Eye report bodies: valid ones (stored, most distinct) and every kind of bad one. */
function cesBody(r: Rand): string {
  const now = Date.now();
  switch (int(r, 0, 11)) {
    case 0:
    case 1:
    case 2:
      return JSON.stringify(Array.from({ length: int(r, 1, 20) }, () => cesEvent(r, now)));
    case 3:
      return `[${nested(int(r, 50, 20_000))}]`;
    case 4:
      return `[${nestedObject(int(r, 50, 20_000))}]`;
    case 5:
      return `[${manyKeys(int(r, 100, 30_000))}]`;
    case 6:
      return JSON.stringify([{ ...cesEvent(r, now), event_name: 'x'.repeat(int(r, 65, 200_000)) }]);
    case 7:
      return JSON.stringify([{ ...cesEvent(r, now), detail: { content: 'y'.repeat(int(r, 4097, 1_100_000)) } }]);
    case 8:
      return JSON.stringify(Array.from({ length: int(r, 101, 3000) }, () => cesEvent(r, now)));
    case 9:
      return pick(r, ['', '[]', '{}', 'null', '[1,2', '"x"', '[{"__proto__":{"x":1}}]', '[{"constructor":{"prototype":{}}}]', '\u0000\u0001']);
    case 10:
      return JSON.stringify([{ ...cesEvent(r, now), time: pick(r, ['1742264993000', 1, 1e300, null, now + 86_400_000]) }]);
    default:
      return JSON.stringify([{ ...cesEvent(r, now), detail: { dimensions: Array.from({ length: int(r, 1, 50) }, (_, i) => ({ name: `d${i}`, value: 'v'.repeat(int(r, 1, 400)) })) } }]);
  }
}

const DEPLOYMENT_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: app
          resources:
            requests:
              cpu: 100m
              memory: 32Mi
`;

function billionLaughs(levels: number): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\nkind: Deployment\n`;
}

/** Predict bodies and their content types. */
function predictBody(r: Rand): { type: string | undefined; body: string } {
  const yaml = pick(r, ['application/yaml', 'text/yaml', 'application/x-yaml', undefined, 'text/plain', 'application/x-www-form-urlencoded']);
  switch (int(r, 0, 11)) {
    case 0:
    case 1:
      return { type: yaml, body: Array.from({ length: int(r, 1, 5) }, () => DEPLOYMENT_YAML).join('---\n') };
    case 2:
      return { type: yaml, body: billionLaughs(int(r, 3, 12)) };
    case 3:
      return { type: yaml, body: `kind: Deployment\nspec: ${nested(int(r, 100, 50_000))}\n` };
    case 4:
      return { type: 'application/json', body: `{"kind":"Deployment","spec":${nested(int(r, 50, 50_000))}}` };
    case 5:
      return { type: 'application/json', body: `{"kind":"List","items":[${nestedObject(int(r, 50, 20_000))}]}` };
    case 6:
      return { type: yaml, body: DEPLOYMENT_YAML.replace('100m', `"${'9'.repeat(int(r, 30, 300_000))}m"`) };
    case 7:
      return { type: 'application/json', body: manyKeys(int(r, 100, 50_000)).replace('{', '{"kind":"Deployment",') };
    case 8:
      return { type: yaml, body: `kind: Deployment\nmetadata:\n  name: ${'n'.repeat(int(r, 100, 400_000))}\n` };
    case 9:
      return { type: pick(r, ['application/json', yaml]), body: pick(r, ['{', '- - - -', ': :', '\t\tkind: x', '{"kind":1}', '[1,2,3]', '---\n---\n', 'kind: !!binary x']) };
    case 10:
      return { type: pick(r, ['image/png', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16']), body: 'kind: Deployment' };
    default:
      return { type: yaml, body: `${'x'.repeat(int(r, 1000, 100_000))}: &a [*a]\n` };
  }
}

function request(method: string, path: string, headers: Record<string, string>, body?: string): Buffer {
  const b = body === undefined ? undefined : Buffer.from(body, 'utf8');
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (b !== undefined) lines.push(`Content-Length: ${b.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return b === undefined ? head : Buffer.concat([head, b]);
}

const json = { 'Content-Type': 'application/json' };
const framed = (bytes: Buffer, label: string): HostileRequest => ({ bytes, framing: 'framed', label });

function kubecostGet(r: Rand): HostileRequest {
  const route = pick(r, [
    '/model/etl/log', '/model/audit/events', '/model/audit/gaps', '/model/allocation', '/model/assets', '/model/etl/log/', '/model/allocation/summary',
    '/model/etl/status', '/model/etl/allocation/repair', '/model/notify/status', '/audit/events', '/etl/log', `/model/audit/events/ev${int(r, 0, 1e13)}abcdefghi`,
  ]);
  const accept: Record<string, string> = chance(r, 0.3) ? { 'Accept-Encoding': pick(r, ['gzip', 'br', 'gzip, br', 'deflate', '*', 'x'.repeat(2000)]) } : {};
  return framed(request('GET', `${route}${query(r, KUBECOST_PARAMS)}`, accept), `GET ${route} (random parameters)`);
}

function cesGet(r: Rand): HostileRequest {
  const project = chance(r, 0.8) ? PROJECT : pick(r, ['nope', 'x'.repeat(int(r, 65, 300)), 'blue', '%00', `p${int(r, 0, 1e9)}`]);
  const path = chance(r, 0.5) ? `/V1.0/${project}/events` : `/V1.0/${project}/event/${pick(r, ['createDeployment', 'AllocationSetSaved', `soak_${int(r, 0, 40)}`, 'x'.repeat(int(r, 65, 190)), '1bad', '%C3%28'])}`;
  return framed(request('GET', `${path}${query(r, CES_PARAMS)}`, {}), `GET ${path.replace(/\/[^/]{40,}/g, '/<long>')} (random parameters)`);
}

function cesPost(r: Rand): HostileRequest {
  const project = chance(r, 0.9) ? PROJECT : `p${int(r, 0, 1e9)}`;
  const type = chance(r, 0.9) ? json : { 'Content-Type': pick(r, ['text/plain', 'application/xml', 'application/json; charset=latin1']) };
  return framed(request('POST', `/V1.0/${project}/events`, type, cesBody(r)), 'POST /V1.0/{project}/events');
}

function predictPost(r: Rand): HostileRequest {
  const { type, body } = predictBody(r);
  const q = chance(r, 0.8) ? `?clusterID=cluster-one&defaultNamespace=${pick(r, ['default', 'shop', '', 'x'.repeat(300)])}` : query(r, ['clusterID', 'defaultNamespace', 'window', 'x']);
  return framed(request('POST', `/model/prediction/speccost${q}`, type === undefined ? {} : { 'Content-Type': type }, body), `POST /model/prediction/speccost (${type ?? 'untyped'})`);
}

function misc(r: Rand): HostileRequest {
  switch (int(r, 0, 9)) {
    case 0:
      return framed(request('GET', pick(r, ['/healthz', '/readyz', '/metrics', '/openapi.json', '/openapi.yaml']), {}), 'GET probes and documents');
    case 1:
      return framed(request('GET', '/model/bugreport', chance(r, 0.5) ? { 'Accept-Encoding': 'gzip' } : {}), 'GET /model/bugreport');
    case 2:
      return framed(request('GET', `/${'a'.repeat(int(r, 1, 15_000))}`, {}), 'GET a long unknown path');
    case 3:
      return framed(request(pick(r, ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND']), pick(r, ['/model/etl/log', `/V1.0/${PROJECT}/events`, '/model/prediction/speccost']), {}), 'other methods');
    case 4:
      return framed(request('GET', `/model/etl/log?${'%'.repeat(int(r, 1, 5))}zz=1`, {}), 'bad percent-encoding');
    case 5:
      return framed(request('GET', `/model/${'%E0%A4%A'.repeat(int(r, 1, 50))}`, {}), 'malformed URI');
    case 6:
      return framed(request('GET', '/model/etl/log', { 'X-Long': 'h'.repeat(int(r, 1000, 20_000)) }), 'long header');
    case 7:
      return framed(request('GET', '/model/etl/log', Object.fromEntries(Array.from({ length: int(r, 10, 300) }, (_, i) => [`X-H${i}`, String(i)]))), 'many headers');
    case 8:
      return framed(request('POST', '/model/etl/log', json, '{"a":1}'), 'a body where none is read');
    default:
      return framed(request('GET', `/V1.0/${PROJECT}/events`, { 'X-Auth-Token': 't'.repeat(int(r, 1, 20_000)) }), 'long token');
  }
}

/** Every operation of the OpenAPI document with its query parameters' names: the routes as served, aliases too. */
const OPERATIONS: readonly { readonly method: string; readonly path: string; readonly query: readonly string[] }[] = Object.entries(
  (JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> }).paths,
).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name) })));

/** Numbers a parameter parses past what storage binds or a bound checks: they reached the SQL backends' LIMIT as 500s once. */
const NUMBER_EDGES = ['0', '-1', '1e20', '99999999999999999999', '9223372036854775808', 'Infinity', '-Infinity', 'NaN'];

/** One operation of the document, each of its query parameters given or not, half of them numbers at the edges. */
function operation(r: Rand): HostileRequest {
  const op = pick(r, OPERATIONS);
  const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(pick(r, [PROJECT, 'ev1700000000000abcdefghi', '0', '%', 'x'.repeat(300)])));
  const params = op.query.filter(() => chance(r, 0.5)).map((name) => `${name}=${chance(r, 0.5) ? pick(r, NUMBER_EDGES) : junkValue(r)}`);
  const body = op.method === 'POST' && chance(r, 0.5) ? '{"a":1}' : undefined;
  return framed(request(op.method, `${path}${params.length === 0 ? '' : `?${params.join('&')}`}`, body === undefined ? {} : json, body), `${op.method} ${op.path} (its parameters)`);
}

/**
 * Whether a 503 is the answer `req` should get from a server without a cluster: `/readyz` (not
 * ready) and the ETL repairs (nothing to repair). Every other 5xx is a defect.
 */
export function unavailableWithoutCluster(req: HostileRequest, status: number): boolean {
  const path = (req.bytes.subarray(0, 4096).toString('latin1').split(' ')[1] ?? '').split('?')[0] ?? '';
  return status === 503 && /\/(readyz|repair)$/.test(path);
}

/** Requests whose framing is wrong: the server must answer or close, never fall over. */
function breaking(r: Rand): HostileRequest {
  const head = (extra: string) => Buffer.from(`POST ${pick(r, [`/V1.0/${PROJECT}/events`, '/model/prediction/speccost?clusterID=cluster-one', '/model/etl/log'])} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}\r\n`, 'latin1');
  const b = (s: string) => Buffer.from(s, 'latin1');
  switch (int(r, 0, 9)) {
    case 0:
      return { bytes: Buffer.concat([head(`Content-Length: ${int(r, 10, 5_000_000)}\r\n`), b('[{"a":')]), framing: 'breaking', label: 'body shorter than Content-Length' };
    case 1:
      return { bytes: Buffer.concat([head('Content-Length: 2\r\n'), b('[{"event_name":"x"}]')]), framing: 'breaking', label: 'body longer than Content-Length' };
    case 2:
      return { bytes: Buffer.concat([head('Transfer-Encoding: chunked\r\n'), b(`${pick(r, ['zz', '-1', 'fffffffffffffffff', '5;ext'])}\r\n[1,2]\r\n0\r\n\r\n`)]), framing: 'breaking', label: 'bad chunk size' };
    case 3:
      return { bytes: Buffer.concat([head('Transfer-Encoding: chunked\r\n'), b('5\r\n[1,2]\r\n3\r\n[1]')]), framing: 'breaking', label: 'chunked without the last chunk' };
    case 4:
      return { bytes: Buffer.concat([head('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n'), b('5\r\n[1,2]\r\n0\r\n\r\n')]), framing: 'breaking', label: 'chunked and Content-Length' };
    case 5:
      return { bytes: Buffer.concat([head(`Content-Length: ${pick(r, ['-1', 'abc', '1e3', '5, 6', '99999999999999999999'])}\r\n`), b('[1,2]')]), framing: 'breaking', label: 'bad Content-Length' };
    case 6:
      return { bytes: Buffer.from(Array.from({ length: int(r, 1, 4000) }, () => int(r, 0, 255))), framing: 'breaking', label: 'random bytes' };
    case 7:
      return { bytes: b(`GET /model/etl/log HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n`), framing: 'breaking', label: 'header without a colon' };
    case 8:
      return { bytes: b(`GET /model/etl/log HTTP/${pick(r, ['0.9', '2.0', '1.1.1', 'x'])}\r\nHost: x\r\n\r\n`), framing: 'breaking', label: 'bad HTTP version' };
    default:
      return { bytes: Buffer.concat([head('Transfer-Encoding: chunked\r\n'), b(`${(1 << 20).toString(16)}\r\n${'['.repeat(1 << 20)}\r\n0\r\n\r\n`)]), framing: 'breaking', label: 'chunked 1 MiB of nesting' };
  }
}

/** Headers the server reads, with odd values: conditional requests, CORS, credentials, expectations, encodings. */
const ODD_HEADERS: Readonly<Record<string, (r: Rand) => string>> = {
  'If-None-Match': (r) => pick(r, ['*', '"x", "y"', 'W/', `"${'e'.repeat(int(r, 1, 6000))}"`, Array.from({ length: int(r, 1, 2000) }, (_, i) => `"e${i}"`).join(', ')]),
  Origin: (r) => pick(r, ['null', 'http://evil.example', `http://${'o'.repeat(int(r, 1, 5000))}.example`, '*']),
  'Access-Control-Request-Method': (r) => pick(r, ['DELETE', 'x'.repeat(int(r, 1, 3000)), '']),
  'Access-Control-Request-Headers': (r) => Array.from({ length: int(r, 1, 800) }, (_, i) => `x-h${i}`).join(','),
  'X-Auth-Token': (r) => pick(r, ['', ' ', 'token', 't'.repeat(int(r, 1, 5000))]),
  Authorization: (r) =>
    pick(r, ['SDK-HMAC-SHA256', 'SDK-HMAC-SHA256 Access=', `SDK-HMAC-SHA256 Access=AK, SignedHeaders=${'h;'.repeat(int(r, 1, 2000))}, Signature=00`, `SDK-HMAC-SHA256 ${'Access=a, '.repeat(int(r, 1, 1000))}`, 'Bearer x']),
  'X-Sdk-Date': (r) => pick(r, ['99999999T999999Z', '00000000T000000Z', 'x', '20240503T080104Z']),
  'Content-Type': (r) => pick(r, ['application/json; charset=utf-16', `application/json;${'a=b;'.repeat(int(r, 1, 1500))}`, 'multipart/form-data; boundary=x', 'application/json, text/plain']),
  'Content-Encoding': (r) => pick(r, ['gzip', 'br', 'x']),
  'Accept-Encoding': (r) => pick(r, ['gzip;q=NaN', 'br;q=-1', 'gzip;q=1e309', 'identity;q=0, *;q=0', Array.from({ length: int(r, 1, 1500) }, () => 'gzip;q=0.1').join(',')]),
  Expect: (r) => pick(r, ['200-ok', '', 'x'.repeat(int(r, 1, 3000)), '100-continue-please']),
};

/** A request to a route with some of the headers the server reads, set to odd values. */
function oddHeaders(r: Rand): HostileRequest {
  const names = Object.keys(ODD_HEADERS).filter(() => chance(r, 0.35));
  const headers = Object.fromEntries(names.map((n) => [n, ODD_HEADERS[n]?.(r) ?? '']));
  const post = chance(r, 0.3);
  const path = post ? `/V1.0/${PROJECT}/events` : pick(r, ['/model/etl/log', '/model/audit/events?count=2', `/V1.0/${PROJECT}/events`, '/metrics', '/openapi.json', '/ui/api/info']);
  const method = post ? 'POST' : pick(r, ['GET', 'OPTIONS']);
  return framed(request(method, path, headers, post ? cesBody(r) : undefined), `${method} ${path} with odd ${names.join(', ') || 'nothing'}`);
}

/** The next request of the stream: mostly framed requests to every route, some that break framing. */
export function nextRequest(r: Rand): HostileRequest {
  const x = r();
  if (x < 0.14) return kubecostGet(r);
  if (x < 0.27) return operation(r);
  if (x < 0.4) return cesGet(r);
  if (x < 0.55) return cesPost(r);
  if (x < 0.69) return predictPost(r);
  if (x < 0.81) return misc(r);
  if (x < 0.92) return oddHeaders(r);
  return breaking(r);
}
