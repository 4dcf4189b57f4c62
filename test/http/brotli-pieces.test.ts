import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { brotliPiece, rawBrotliPiece, stitchBrotli } from '../../src/http/brotli-pieces.js';
import { realToolAvailable } from '../support/real-tools.js';
import { mulberry32 } from '../support/seeded-random.js';

const CURL = '/usr/bin/curl';

/** Bytes of one of the kinds a body holds: JSON events, repeated text, or noise that does not compress. */
function randomBytes(random: () => number): Buffer {
  const length = Math.floor(random() ** 3 * 150_000);
  const kind = random();
  if (kind < 0.2) return Buffer.from(Array.from({ length }, () => 'abcü'[Math.floor(random() * 4)]).join(''));
  if (kind < 0.35) return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
  return eventsJson(random, Math.ceil(length / 150));
}

/** `count` ETL events' JSON, joined by commas. */
function eventsJson(random: () => number, count: number): Buffer {
  const events = Array.from({ length: count }, (_, k) => {
    const ns = String(Math.floor(random() * 1e9)).padStart(9, '0');
    return `{"kind":"AssetSetSaved","metadata":{"size":${Math.floor(random() * 3000)},"window":{"start":"2024-05-01T${String(k % 24).padStart(2, '0')}:00:00Z"}},"time":"2024-05-06T08:05:00.${ns}Z"}`;
  });
  return Buffer.from(events.join(','));
}

/** Pieces of `parts`, each made one of the three ways at random. */
function piecesOf(parts: readonly Buffer[], random: () => number): Buffer[] {
  return parts.map((p) => {
    const r = random();
    return r < 0.2 ? rawBrotliPiece(p) : brotliPiece(p, r < 0.5 ? 0 : 1);
  });
}

describe('brotli stitched from pieces', () => {
  it('decompresses to the pieces in order, whatever stands before each, over many seeded bodies', () => {
    const random = mulberry32(19);
    for (let round = 0; round < 400; round++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 8) }, () => randomBytes(random));
      expect(brotliDecompressSync(stitchBrotli(piecesOf(parts, random))).equals(Buffer.concat(parts)), `round ${round}`).toBe(true);
    }
  });

  it('is an empty body with no pieces, and takes empty and long uncompressed pieces', () => {
    expect(brotliDecompressSync(stitchBrotli([])).length).toBe(0);
    const long = Buffer.from('x'.repeat(200_000));
    const pieces = [rawBrotliPiece(Buffer.alloc(0)), brotliPiece(Buffer.alloc(0)), rawBrotliPiece(long), brotliPiece(Buffer.from('ü'))];
    expect(brotliDecompressSync(stitchBrotli(pieces)).equals(Buffer.concat([long, Buffer.from('ü')]))).toBe(true);
  });

  it('sends as uncompressed meta-blocks what the encoder stores uncompressed (their alignment would not survive the move)', () => {
    const short = Buffer.from('{"a":1}');
    expect(brotliPiece(short).equals(rawBrotliPiece(short))).toBe(true);
    const json = eventsJson(mulberry32(7), 32);
    expect(brotliPiece(json).length).toBeLessThan(json.length / 4);
  });

  it.skipIf(!realToolAvailable('curl', CURL, 'Install curl built with brotli'))('is read by curl --compressed (libcurl with its own brotli decoder)', async () => {
    const random = mulberry32(5);
    const parts = Array.from({ length: 12 }, () => randomBytes(random));
    const body = stitchBrotli(piecesOf(parts, random));
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br', 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { stdout } = await promisify(execFile)(CURL, ['-sS', '--compressed', '-H', 'accept-encoding: br', `http://127.0.0.1:${port}/`], {
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(stdout.equals(Buffer.concat(parts))).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
