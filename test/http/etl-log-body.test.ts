import { execFileSync } from 'node:child_process';
import { brotliCompressSync, brotliDecompressSync, constants as zlib, crc32 as zlibCrc32, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { renderEtlPage } from '../../src/events/etl-log-json.js';
import { EtlLogBodies } from '../../src/http/etl-log-body.js';
import { crc32, crc32Combine, deflatedPiece, stitchGzip, storedPiece } from '../../src/http/gzip-pieces.js';
import type { EtlPage } from '../../src/storage/store.js';
import { mulberry32 } from '../support/seeded-random.js';

/** A deterministic event's JSON, as the stores render it: the `n`th of its category. */
function eventJson(category: 'Allocation' | 'Asset', n: number): string {
  const hour = String(n % 24).padStart(2, '0');
  const error = n % 97 === 0 ? `,"error":"ünïcode ✓ \\"quoted\\" ${n}"` : '';
  const ns = String((n * 7_919_017) % 1_000_000_000).padStart(9, '0');
  return `{"kind":"${category}SetSaved","metadata":{"size":${(n * 37) % 3000},"window":{"start":"2024-05-01T${hour}:00:00Z","end":"2024-05-01T${hour}:59:59Z"}${error}},"time":"2024-05-06T08:05:${String(n % 60).padStart(2, '0')}.${ns}Z"}`;
}

/** A pair of rings of `capacity` over a stream of events, like the memory store's: the page after each append. */
class Rings {
  readonly allocation: string[] = [];
  readonly asset: string[] = [];
  readonly counters: Record<string, number> = {};
  #n = 0;

  constructor(readonly capacity: number) {}

  append(category: 'Allocation' | 'Asset'): void {
    const list = category === 'Allocation' ? this.allocation : this.asset;
    list.push(eventJson(category, this.#n++));
    if (list.length > this.capacity) list.shift();
    const kind = `${category}SetSaved`;
    this.counters[kind] = (this.counters[kind] ?? 0) + 1;
  }

  page(): EtlPage {
    return { allocation: [...this.allocation], asset: [...this.asset], counters: { ...this.counters } };
  }
}

async function expectSameBytes(bodies: EtlLogBodies, page: EtlPage): Promise<void> {
  const expected = Buffer.from(renderEtlPage(page));
  const body = bodies.body(page);
  expect((await body.bytes('identity')).equals(expected)).toBe(true);
  expect(gunzipSync(await body.bytes('gzip')).equals(expected)).toBe(true);
  expect(brotliDecompressSync(await body.bytes('br')).equals(expected)).toBe(true);
}

describe('the ETL log body made of blocks', () => {
  it('is renderEtlPage byte for byte, in every coding, after every append to full and filling rings', async () => {
    const bodies = new EtlLogBodies(4 * 1024 * 1024);
    const rings = new Rings(300);
    await expectSameBytes(bodies, rings.page());
    for (let i = 0; i < 900; i++) {
      rings.append(i % 3 === 0 ? 'Asset' : 'Allocation');
      if (i % 7 === 0 || i > 850) await expectSameBytes(bodies, rings.page());
    }
  });

  it('is the same bytes for pages whose events are equal strings but other objects (the SQL backends)', async () => {
    const bodies = new EtlLogBodies(4 * 1024 * 1024);
    const rings = new Rings(200);
    for (let i = 0; i < 400; i++) rings.append(i % 2 === 0 ? 'Asset' : 'Allocation');
    const page = rings.page();
    const copy = (l: readonly string[]) => l.map((s) => JSON.parse(JSON.stringify(s)) as string);
    await expectSameBytes(bodies, page);
    await expectSameBytes(bodies, { allocation: copy(page.allocation), asset: copy(page.asset), counters: page.counters });
  });

  it('is the same bytes for filtered pages sharing the blocks, and for events all alike', async () => {
    const bodies = new EtlLogBodies(4 * 1024 * 1024);
    const rings = new Rings(500);
    for (let i = 0; i < 700; i++) rings.append('Allocation');
    const page = rings.page();
    await expectSameBytes(bodies, page);
    await expectSameBytes(bodies, { ...page, allocation: page.allocation.filter((_, i) => i % 3 !== 0) });
    await expectSameBytes(bodies, { ...page, allocation: page.allocation.slice(100, 200), asset: page.allocation.slice(0, 50) });
    const same = Array.from({ length: 1200 }, () => eventJson('Asset', 5));
    await expectSameBytes(bodies, { allocation: [], asset: same, counters: {} });
    await expectSameBytes(bodies, { allocation: [], asset: same.slice(1), counters: {} });
  });

  it('is renderEtlPage byte for byte in brotli through seeded runs of appends and evictions to full rings of 1000', async () => {
    const random = mulberry32(19);
    const bodies = new EtlLogBodies(8 * 1024 * 1024);
    const rings = new Rings(1000);
    for (let i = 0; i < 4000; i++) {
      // Runs of one category, as the ETL publishes a set's steps together, evicting from one ring at a time.
      const run = 1 + Math.floor(random() * 40);
      const category = random() < 0.5 ? 'Asset' : 'Allocation';
      for (let k = 0; k < run; k++) rings.append(category);
      i += run;
      const page = rings.page();
      const br = await bodies.body(page).bytes('br');
      expect(brotliDecompressSync(br).equals(Buffer.from(renderEtlPage(page))), `after ${i} appends`).toBe(true);
    }
  });

  it('compresses the full log in brotli nearly as well as the whole body at quality 1 (runs of blocks, not a piece each)', async () => {
    const bodies = new EtlLogBodies(8 * 1024 * 1024);
    const rings = new Rings(1000);
    for (let i = 0; i < 2600; i++) rings.append(i % 2 === 0 ? 'Asset' : 'Allocation');
    const page = rings.page();
    const whole = brotliCompressSync(Buffer.from(renderEtlPage(page)), { params: { [zlib.BROTLI_PARAM_QUALITY]: 1 } });
    expect((await bodies.body(page).bytes('br')).length).toBeLessThan(whole.length * 1.15);
  });

  it('reuses the blocks between appends and keeps them within its budget', async () => {
    const budget = 256 * 1024;
    const bodies = new EtlLogBodies(budget);
    const rings = new Rings(1000);
    for (let i = 0; i < 2000; i++) rings.append(i % 2 === 0 ? 'Asset' : 'Allocation');
    bodies.body(rings.page());
    const first = bodies.held;
    for (let i = 0; i < 600; i++) {
      rings.append(i % 2 === 0 ? 'Asset' : 'Allocation');
      bodies.body(rings.page());
      expect(bodies.held.bytes).toBeLessThanOrEqual(budget);
    }
    // Each list of 1000 events is a few blocks, held once; old first and last blocks go.
    expect(first.blocks).toBeLessThan(100);
    expect(bodies.held.blocks).toBeLessThan(200);
  });
});

describe('gzip stitched from pieces', () => {
  it('sums and combines CRC-32 as zlib does', () => {
    const a = Buffer.from('ünïcode ✓ '.repeat(999));
    const b = Buffer.from('{"x":1}');
    expect(crc32(a)).toBe(zlibCrc32(a));
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(zlibCrc32(Buffer.concat([a, b])));
    expect(crc32Combine(0, crc32(a), a.length)).toBe(crc32(a));
  });

  it('is one gzip member that gzip, zlib and Python read as the pieces in order', () => {
    const parts = [Buffer.from('{"a":['), Buffer.from('x'.repeat(70_000)), Buffer.alloc(0), Buffer.from('ü,'.repeat(40_000)), Buffer.from(']}')];
    const gz = stitchGzip([storedPiece(parts[0]!), deflatedPiece(parts[1]!), storedPiece(parts[2]!), storedPiece(parts[3]!), deflatedPiece(parts[4]!)]);
    const whole = Buffer.concat(parts);
    expect(gunzipSync(gz).equals(whole)).toBe(true);
    expect(execFileSync('gzip', ['-dc'], { input: gz }).equals(whole)).toBe(true);
    const py = 'import gzip,sys; d=sys.stdin.buffer.read(); m=gzip.GzipFile(fileobj=__import__("io").BytesIO(d)); sys.stdout.buffer.write(m.read())';
    expect(execFileSync('python3', ['-c', py], { input: gz }).equals(whole)).toBe(true);
  });
});
